"""Searching from the search box every page has, in a real browser; and the Atom feeds, read by
feedparser (the library most feed readers in Python use) through the gateway."""
import feedparser
import requests

from audits import audit
from conftest import GATEWAY, PATIENCE, RUN, unique


def search_from_the_box(browser, words):
    box = browser.find("header form[role=search] input[name=q]")
    box.clear()
    box.send_keys(words)
    browser.submit("header form[role=search] button[type=submit]")


def test_a_visitor_searches_from_the_box_on_any_page(browsers, api):
    writer = api.register(unique("searchwriter"))
    word = f"walrus{RUN}"
    titled = api.article(writer["token"], f"All about the {word}", "Tusks and whiskers", "Nothing but tusks.", ["sea"])
    body = f"The **{word}** <script>alert(1)</script> swims & dives; a {word} is heavy."
    mentioned = api.article(writer["token"], "Sea creatures", "Of all kinds", body, ["sea"])

    browser = browsers()
    browser.open("/")
    search_from_the_box(browser, word)
    assert browser.path == "/search?q=" + word
    assert browser.heading() == "Search results"
    assert browser.find("header input[name=q]").get_attribute("value") == word, "the words stay in the box"
    links = [element.get_attribute("href") for element in browser.find_all(".search-results .preview h3 a")]
    assert links == [f"{GATEWAY}/article/{titled['slug']}", f"{GATEWAY}/article/{mentioned['slug']}"], "the title's match first"
    excerpt = browser.find_all(".search-results .preview .excerpt")[1]
    marks = excerpt.find_elements("css selector", "mark")
    assert [mark.text for mark in marks] == [word, word], excerpt.get_attribute("innerHTML")
    assert not excerpt.find_elements("css selector", ":not(mark)"), "the excerpt's only elements are its marks"
    assert "swims & dives" in excerpt.text
    audit(browser, "the search results")
    browser.screenshot("search")

    # From an article's page, a phrase and an exclusion.
    browser.open("/article/" + mentioned["slug"])
    search_from_the_box(browser, f'"a {word} is heavy" -tusks')
    links = [element.get_attribute("href") for element in browser.find_all(".search-results .preview h3 a")]
    assert links == [f"{GATEWAY}/article/{mentioned['slug']}"]

    # Nothing found, and nothing to search for: each said on the page.
    search_from_the_box(browser, f"narwhal{RUN}")
    assert f"No article holds “narwhal{RUN}”." in browser.text("main")
    audit(browser, "a search that found nothing")
    search_from_the_box(browser, '"" -')
    assert browser.heading() == "Search"
    assert "The search must contain a word to search for" in browser.text(".form-errors")
    audit(browser, "a search the service refused")


def test_every_feed_parses_without_a_bozo_error_and_revalidates(api):
    writer = api.register(unique("feedwriter"))
    tag = unique("feedtag")
    body = "## Notes\n\nSome **bold**, a [link](https://example.com/?a=1&b=2) and a control character: \u0001.\n\n<script>alert(1)</script>"
    article = api.article(writer["token"], "Ünïcödé ✓ & <angles> \u0002", "Described & <escaped>", body, [tag, "a&b <c>"])
    paths = ["/feed.atom", f"/profile/{writer['username']}/feed.atom", f"/feed.atom?tag={tag}", f"/tag/{tag}/feed.atom"]
    for path in paths:
        response = requests.get(GATEWAY + path, timeout=PATIENCE)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(response.content, response_headers={"content-type": response.headers["Content-Type"]})
        assert not feed.bozo, f"{path}: {feed.get('bozo_exception')!r}"
        assert feed.version == "atom10", path
        assert len(feed.entries) <= 20
        entry = next(entry for entry in feed.entries if entry.link == f"{GATEWAY}/article/{article['slug']}")
        assert entry.title.strip() == "Ünïcödé ✓ & <angles>", "the control character is left out"
        assert entry.id.startswith("tag:inkwell.local,2025:article:" + article["slug"] + ":")
        assert entry.author == writer["username"]
        assert {term.term for term in entry.tags} == {tag, "a&b <c>"}
        assert entry.summary == "Described & <escaped>"
        html = entry.content[0].value
        assert entry.content[0].type == "text/html"
        assert "<strong>bold</strong>" in html and 'href="https://example.com/?a=1&amp;b=2"' in html, html
        assert "<script" not in html and "&lt;script&gt;" in html, html

        # A feed reader's conditional request.
        again = feedparser.parse(GATEWAY + path, etag=response.headers["ETag"])
        assert again.status == 304, f"{path}: {again.get('status')}"

    assert requests.get(f"{GATEWAY}/profile/nobody{RUN}x/feed.atom", timeout=PATIENCE).status_code == 404
    assert requests.get(f"{GATEWAY}/feed.atom?tag=none{RUN}", timeout=PATIENCE).status_code == 404
