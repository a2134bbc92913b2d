"""Cross-site request forgery and cross-site scripting, in a real browser."""
import html.parser
import http.server
import re
import threading
import time
import urllib.parse
import xml.etree.ElementTree

import feedparser
import pytest
import requests
from selenium.webdriver.common.by import By

import xss_corpus
from audits import audit, injection_problems
from conftest import GATEWAY, PATIENCE, sign_in, unique


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(browsers, api):
    writer = api.register(unique("csrfwriter"))
    article = api.article(writer["token"], "Unforgeable " + unique(""), "About forms", "Body", [])
    reader = api.register(unique("csrfreader"))
    browser = browsers()
    sign_in(browser, reader)
    browser.open("/article/" + article["slug"])
    # The page's own favorite form, with its token taken out.
    browser.driver.execute_script("document.querySelector('.article-header form.inline-form:has(button.favorite) input[name=_csrf]').remove()")
    browser.submit(".article-header button.favorite")
    assert browser.heading() == "This form could not be accepted"
    assert browser.driver.execute_script("return document.readyState") == "complete"
    audit(browser, "the 403 page")
    status = requests.get(f"{GATEWAY}/api/articles/{article['slug']}", timeout=PATIENCE).json()["article"]
    assert status["favoritesCount"] == 0, "nothing changed"
    browser.open("/article/" + article["slug"])
    assert not browser.find_all("button.favorite.is-on")


class AttackerPage(http.server.BaseHTTPRequestHandler):
    """Another origin (same host, another port, so the same site: SameSite=Lax cookies still go with
    a form posted from it). Its form carries a valid token, as if one had leaked."""

    form = ""

    def do_GET(self):
        body = self.form.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


def test_a_form_posted_from_another_origin_is_refused(browsers, api):
    user = api.register(unique("victim"))
    browser = browsers()
    sign_in(browser, user)
    browser.open("/settings")
    token = browser.find("input[name=_csrf]").get_attribute("value")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AttackerPage)
    AttackerPage.form = (
        f'<!DOCTYPE html><form method="post" action="{GATEWAY}/logout"><input type="hidden" name="_csrf" value="{token}">'
        '<button type="submit">Win a prize</button></form>'
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        browser.submit("button")
        assert browser.heading() == "This form could not be accepted"
    finally:
        server.shutdown()
    browser.open("/settings")
    assert browser.heading() == "Your settings", "still signed in"

    # Without the browser: the same valid token and cookies, with and without a foreign Origin.
    cookies = {cookie["name"]: cookie["value"] for cookie in browser.driver.get_cookies()}
    form = {"_csrf": browser.find("input[name=_csrf]").get_attribute("value")}
    foreign = requests.post(f"{GATEWAY}/logout", data=form, cookies=cookies, headers={"Origin": "http://evil.example"}, allow_redirects=False, timeout=PATIENCE)
    assert foreign.status_code == 403
    missing = requests.post(f"{GATEWAY}/logout", data={}, cookies=cookies, allow_redirects=False, timeout=PATIENCE)
    assert missing.status_code == 403
    own = requests.post(f"{GATEWAY}/logout", data=form, cookies=cookies, headers={"Origin": GATEWAY}, allow_redirects=False, timeout=PATIENCE)
    assert own.status_code == 303, "the same request from the site itself is accepted"


@pytest.fixture(scope="module")
def corpus_site(api):
    """A writer whose titles, descriptions, bodies and tags are the corpus; a commenter whose
    comments and bio are; their follows, comments and favorites, which make notifications whose
    messages carry the titles."""
    writer = api.register(unique("xsswriter"))
    commenter = api.register(unique("xsscommenter"))
    articles = []
    for number, payload in enumerate(xss_corpus.HTML):
        body = f"{payload}\n\nIn a paragraph: {payload}\n\n> {payload}\n\n- {payload}\n\n`{payload}`"
        tags = [payload[:40], f"xss{number}-{unique('')}"]
        articles.append(api.article(writer["token"], payload[:200], payload, body, tags))
    articles.append(api.article(writer["token"], "Markdown links " + unique(""), "Markdown", "\n\n".join(xss_corpus.MARKDOWN), ["markdown"]))
    for payload, article in zip(xss_corpus.ALL, articles * 2):
        api.call("POST", f"/api/articles/{article['slug']}/comments", commenter["token"], {"comment": {"body": payload}})
    for article in articles[:5]:
        api.call("POST", f"/api/articles/{article['slug']}/favorite", commenter["token"])
    api.call("POST", f"/api/profiles/{writer['username']}/follow", commenter["token"])
    commenter["bio"] = api.call("PUT", "/api/user", commenter["token"], {"user": {"bio": "\n".join(xss_corpus.ALL)}}).json()["user"]["bio"]
    return {"writer": writer, "commenter": commenter, "articles": articles}


def test_no_payload_runs_or_reaches_the_dom_as_markup(browsers, corpus_site):
    writer, commenter, articles = corpus_site["writer"], corpus_site["commenter"], corpus_site["articles"]
    browser = browsers()
    visited = 0

    def check(path, what):
        nonlocal visited
        browser.open(path)
        problems = injection_problems(browser)
        assert not problems, f"{what} ({path}): {problems}"
        visited += 1

    # Anonymous: the lists, every article, every tag, the profiles.
    for page in range(1, 5):
        check(f"/profile/{writer['username']}?page={page}", "the writer's articles")
        check(f"/profile/{commenter['username']}/favorites?page={page}", "the commenter's favorites")
    for page in range(1, 3):
        check(f"/?page={page}", "the home page")
    for article in articles:
        check("/article/" + article["slug"], "an article")
        titles = [element.text for element in browser.find_all("h1")]
        assert titles == [article["title"]], "the title is shown as text"
        for tag in article["tagList"]:
            check("/?tag=" + urllib.parse.quote(tag, safe=""), "a tag's articles")
    check("/profile/" + commenter["username"], "the commenter's profile (its bio)")
    assert xss_corpus.HTML[0] in browser.text(".bio"), "the bio is shown as text"

    # Reflected: the corpus in query parameters, and in paths (but for the payloads with a '/',
    # which the gateway refuses encoded in a path, before any page).
    for payload in xss_corpus.ALL:
        quoted = urllib.parse.quote(payload, safe="")
        paths = [f"/?tag={quoted}", f"/?page={quoted}"]
        if "%2F" not in quoted and "%5C" not in quoted:
            paths += [f"/profile/{quoted}", f"/article/{quoted}", f"/{quoted}"]
        for path in paths:
            check(path, "a reflected payload")

    # Signed in: the editor (values in inputs and a textarea), the settings, the notifications.
    sign_in(browser, writer)
    for article in articles[:10]:
        check("/editor/" + article["slug"], "the editor")
        assert browser.find("#field-title").get_attribute("value") == article["title"], "the title is the input's value"
        assert browser.find("#field-body").get_attribute("value") == article["body"], "the body is the textarea's value"
    # The notifications arrive a moment after the comments (through the event log): waited for.
    browser.open("/notifications")
    deadline = time.monotonic() + PATIENCE
    while f"{commenter['username']} commented on" not in browser.text("main"):
        assert time.monotonic() < deadline, "the commenter's comments never reached the writer's notifications"
        time.sleep(0.5)
        browser.open("/notifications")
    for page in range(1, 4):
        check(f"/notifications?page={page}", "the notifications (their messages hold the titles)")
    sign_in(browser, commenter)
    check("/settings", "the settings (the bio in a textarea)")
    assert browser.find("#field-bio").get_attribute("value") == commenter["bio"]
    check(f"/profile/{writer['username']}", "a followed writer's profile")
    check("/?feed=following", "the commenter's feed")
    assert visited > 100


def test_payloads_sent_through_the_forms_come_back_as_text(browsers, api):
    """Usernames may only hold letters, digits, '_', '-' and '.', so the service refuses every
    payload as one; the sign-up form then shows it back, in its field, as a value."""
    browser = browsers()
    for payload in xss_corpus.HTML[:16]:
        browser.open("/register")
        browser.fill({"username": payload, "email": unique("x") + "@example.com", "password": "correct horse battery"})
        browser.submit()
        assert browser.heading() == "Sign up"
        assert browser.find("#field-username").get_attribute("value") == payload
        assert browser.find_all("#field-username-errors li"), "the service's message is next to the field"
        problems = injection_problems(browser)
        assert not problems, f"sign-up with {payload!r}: {problems}"
    # What usernames may hold is harmless anywhere: a name made of its characters only.
    user = api.register("javascript.alert-1_" + unique(""))
    browser.open("/profile/" + user["username"])
    assert browser.heading() == user["username"]

    # A comment that the service refuses (blank) keeps the payload-free page whole; a bio and a
    # picture address through the settings form: the address must be http(s).
    sign_in(browser, user)
    browser.open("/settings")
    browser.fill({"image": "javascript:alert(1)", "bio": xss_corpus.HTML[1]})
    browser.submit(text="Update settings")
    assert browser.find_all("#field-image-errors li"), "a javascript: address is refused, next to its field"
    assert browser.find("#field-bio").get_attribute("value") == xss_corpus.HTML[1]
    assert not injection_problems(browser)


ATOM = "{http://www.w3.org/2005/Atom}"
# What Markdown makes (Services/Web/Markdown.swift's allowlist): nothing else may be in a feed's HTML.
MARKDOWN_ELEMENTS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}


class MarkupCheck(html.parser.HTMLParser):
    """The problems of an HTML fragment: elements Markdown does not make, event handlers, styles, and
    addresses other than http, https and mailto."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attributes):
        if tag not in MARKDOWN_ELEMENTS:
            self.problems.append(f"element {tag}")
        for name, value in attributes:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name} on {tag}")
            if name in ("href", "src") and not re.match(r"(https?|mailto):", value or ""):
                self.problems.append(f"{name}={value!r} on {tag}")


def feed_html(path):
    """Each entry's HTML content, once the document has parsed without a bozo error."""
    response = requests.get(GATEWAY + path, timeout=PATIENCE)
    assert not feedparser.parse(response.content).bozo, path
    root = xml.etree.ElementTree.fromstring(response.content)
    return [entry.find(ATOM + "content").text or "" for entry in root.iter(ATOM + "entry")]


def test_search_results_and_feeds_of_the_corpus_carry_no_markup_of_its_own(browsers, corpus_site):
    """The corpus's articles found by a search (their excerpts) and in their writer's feed; and the
    corpus as the words searched for."""
    browser = browsers()
    writer = corpus_site["writer"]
    for page in range(1, 4):
        browser.open(f"/search?q=paragraph&page={page}")
        problems = injection_problems(browser)
        assert not problems, f"search results, page {page}: {problems}"
    assert browser.find_all(".excerpt mark"), "the corpus's bodies were found"
    for payload in xss_corpus.ALL:
        browser.open("/search?q=" + urllib.parse.quote(payload, safe=""))
        problems = injection_problems(browser)
        assert not problems, f"searching for {payload!r}: {problems}"
    entries = feed_html(f"/profile/{writer['username']}/feed.atom")
    assert len(entries) == 20
    for content in entries:
        check = MarkupCheck()
        check.feed(content)
        assert not check.problems, f"the corpus writer's feed: {check.problems}"
