"""A writer and a reader use the site through its forms, as people would: sign up, write an
article in Markdown, read it, comment, favorite, follow, see the notifications, edit, delete, sign
out. Every page on the way is audited (accessibility basics, nothing injected)."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from audits import audit
from conftest import PATIENCE, Browser, sign_in, unique

ARTICLE_BODY = """## How dragons learn

Dragons are **patient** students and *quick* learners.

- fly
- breathe fire
- land gently

```swift
let dragons = ["Toothless"]
```

Read [the manual](https://example.com/manual) or [this](javascript:alert(1)).

<script>alert("not run")</script>
"""


def sign_up(browser, username, password="correct horse battery"):
    browser.open("/")
    browser.driver.find_element(By.LINK_TEXT, "Sign up").click()
    browser.wait_loaded()
    assert browser.heading() == "Sign up"
    audit(browser, "the sign-up page")
    browser.fill({"username": username, "email": f"{username.lower()}@example.com", "password": password})
    browser.submit()
    assert browser.path == "/", f"signing up ended at {browser.path}: {browser.text('main')[:300]}"
    assert username in browser.text("header nav"), "the navigation names the signed-in user"
    return {"username": username, "email": f"{username.lower()}@example.com", "password": password}


def until(browser, check, reload_path, what):
    """Reloads `reload_path` until `check()` holds (events reach other services a moment later)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        browser.open(reload_path)
        if check():
            return
        assert time.monotonic() < deadline, f"{what}: not seen within {PATIENCE} s on {reload_path}"
        time.sleep(0.5)


def test_a_writer_and_a_reader_use_the_site(browsers):
    writer_browser = browsers()
    reader_browser = browsers()
    writer = sign_up(writer_browser, unique("writer"))
    reader = sign_up(reader_browser, unique("reader"))

    # The session cookie: HttpOnly, SameSite=Lax, for the whole site, expiring (with the token).
    session = writer_browser.cookie("inkwell_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == "/" and session.get("expiry")
    assert writer_browser.driver.execute_script("return document.cookie") == "", "no cookie is readable by scripts"

    # A taken name: the service's 422 message, next to the field it concerns.
    other = browsers()
    other.open("/register")
    other.fill({"username": writer["username"], "email": unique("other") + "@example.com", "password": "correct horse battery"})
    other.submit()
    assert other.heading() == "Sign up"
    errors = other.text("#field-username-errors")
    assert "Username" in errors and "taken" in errors, errors
    assert other.find("#field-username").get_attribute("aria-invalid") == "true"
    assert "field-username-errors" in other.find("#field-username").get_attribute("aria-describedby")
    audit(other, "the sign-up page with an error")

    # Writing an article in Markdown.
    writer_browser.driver.find_element(By.LINK_TEXT, "New article").click()
    writer_browser.wait_loaded()
    assert writer_browser.heading() == "New article"
    title = "Training dragons " + unique("")
    writer_browser.fill({"title": title, "description": "A gentle guide", "body": ARTICLE_BODY, "tagList": "dragons, training"})
    writer_browser.screenshot("editor")
    audit(writer_browser, "the editor")
    writer_browser.submit()
    assert writer_browser.path.startswith("/article/"), writer_browser.path
    article_path = writer_browser.path

    # Rendered: Markdown's elements, raw HTML as text, only http(s) links.
    body = writer_browser.find(".article-body")
    assert writer_browser.heading() == title
    assert body.find_element(By.CSS_SELECTOR, "h2").text == "How dragons learn"
    assert body.find_element(By.CSS_SELECTOR, "strong").text == "patient"
    assert [item.text for item in body.find_elements(By.CSS_SELECTOR, "ul li")] == ["fly", "breathe fire", "land gently"]
    assert 'let dragons = ["Toothless"]' in body.find_element(By.CSS_SELECTOR, "pre code").text
    links = {link.text: link.get_attribute("href") for link in body.find_elements(By.CSS_SELECTOR, "a")}
    assert links == {"the manual": "https://example.com/manual"}, links
    assert '<script>alert("not run")</script>' in body.text
    assert [tag.text for tag in writer_browser.find_all(".article .tag-list li")] == ["dragons", "training"]
    audit(writer_browser, "the article")
    writer_browser.open("/")
    writer_browser.screenshot("home")

    # The reader finds it on the home page (its tag's list), reads it, comments, favorites, follows.
    reader_browser.open("/")
    reader_browser.driver.find_element(By.LINK_TEXT, "dragons").click()
    reader_browser.wait_loaded()
    assert reader_browser.find('.tabs a[aria-current="page"]').text == "#dragons"
    reader_browser.driver.find_element(By.LINK_TEXT, title).click()
    reader_browser.wait_loaded()
    assert reader_browser.path == article_path
    reader_browser.fill({"body": "Great article!\nThank you."})
    reader_browser.submit(".comment-form button")
    assert reader_browser.path == article_path + "#comments"
    assert reader_browser.text(".comment-list .comment-text") == "Great article!\nThank you."

    reader_browser.submit(".article-header button.favorite")
    assert "is-on" in reader_browser.find(".article-header button.favorite").get_attribute("class")
    assert reader_browser.text(".article-header button.favorite").endswith("1")
    reader_browser.submit(text="Follow " + writer["username"])
    assert reader_browser.find_all("button.follow.is-on"), "the button now unfollows"
    reader_browser.screenshot("article")
    audit(reader_browser, "the article, as a reader")

    # An empty comment: the service's 422, next to the comment field, the page still whole.
    reader_browser.fill({"body": " "})
    reader_browser.submit(".comment-form button")
    assert "Comment" in reader_browser.text("#field-body-errors")
    assert reader_browser.heading() == title
    audit(reader_browser, "the article with a comment error")

    # The writer is told: follow, comment, favorite.
    def notified():
        text = writer_browser.text("main")
        return all(f"{reader['username']} {what}" in text for what in ["started following you", "commented on", "favorited"])

    until(writer_browser, notified, "/notifications", "the reader's follow, comment and favorite in the writer's notifications")
    writer_browser.screenshot("notifications")
    audit(writer_browser, "the notifications")

    # The reader's own feed has the article of the author they follow.
    until(reader_browser, lambda: title in reader_browser.text("main"), "/?feed=following", "the followed author's article in the reader's feed")
    assert reader_browser.find('.tabs a[aria-current="page"]').text == "Your feed"
    audit(reader_browser, "the reader's feed")

    # Profiles: the writer's articles; the reader's favorites.
    reader_browser.open("/profile/" + writer["username"])
    assert reader_browser.heading() == writer["username"]
    assert title in reader_browser.text("main")
    audit(reader_browser, "the writer's profile")
    reader_browser.open(f"/profile/{reader['username']}/favorites")
    assert title in reader_browser.text("main")

    # The writer edits the article.
    writer_browser.open(article_path)
    writer_browser.driver.find_element(By.LINK_TEXT, "Edit article").click()
    writer_browser.wait_loaded()
    assert writer_browser.heading() == "Edit article"
    assert writer_browser.find("#field-body").get_attribute("value") == ARTICLE_BODY
    audit(writer_browser, "the editor of an article")
    new_title = title + " (revised)"
    writer_browser.fill({"title": new_title})
    writer_browser.submit()
    assert writer_browser.heading() == new_title
    edited_path = writer_browser.path

    # The reader deletes their comment.
    reader_browser.open(edited_path)
    reader_browser.submit(text="Delete comment")
    assert not reader_browser.find_all(".comment-list .comment")
    assert "No comments yet." in reader_browser.text("#comments")

    # Settings: a bio, shown on the profile.
    writer_browser.open("/settings")
    assert writer_browser.heading() == "Your settings"
    writer_browser.fill({"bio": "I train dragons."})
    writer_browser.screenshot("settings")
    audit(writer_browser, "the settings")
    writer_browser.submit(text="Update settings")
    assert writer_browser.path == "/profile/" + writer["username"]
    assert writer_browser.text(".bio") == "I train dragons."
    writer_browser.screenshot("profile")
    audit(writer_browser, "the writer's own profile")

    # Deleting the article.
    writer_browser.open(edited_path)
    writer_browser.submit(text="Delete article")
    assert writer_browser.path == "/"
    writer_browser.open(edited_path)
    assert writer_browser.heading() == "Page not found"

    # Signing out clears the session.
    writer_browser.open("/settings")
    writer_browser.submit(text="Sign out")
    assert writer_browser.path == "/"
    assert writer_browser.cookie("inkwell_session") is None
    assert "Sign in" in writer_browser.text("header nav")
    writer_browser.open("/editor")
    assert writer_browser.path == "/login"

    # No email, sent past the browser's own check (`required`): the service's message, next to the field.
    writer_browser.driver.execute_script("document.querySelector('main form').noValidate = true")
    writer_browser.fill({"email": "", "password": "not the password"})
    writer_browser.submit()
    assert writer_browser.heading() == "Sign in"
    assert "Email" in writer_browser.text("#field-email-errors")
    assert writer_browser.find("#field-email").get_attribute("aria-invalid") == "true"
    assert writer_browser.cookie("inkwell_session") is None
    writer_browser.screenshot("sign-in-error")

    # A wrong password: a message, and no session; the right one signs in again.
    writer_browser.fill({"email": writer["email"], "password": "not the password"})
    writer_browser.submit()
    assert "Email or password is invalid" in writer_browser.text(".form-errors")
    assert writer_browser.cookie("inkwell_session") is None
    sign_in(writer_browser, writer)


def test_pages_have_a_visible_focus_and_fit_a_phone(browsers, api):
    desktop = browsers()
    desktop.open("/")
    desktop.find("body").send_keys(Keys.TAB)
    outline = desktop.driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [document.activeElement.textContent.trim(), s.outlineStyle, s.outlineWidth]"
    )
    assert outline[0] == "Skip to content" and outline[1] != "none" and outline[2] != "0px", outline

    writer = api.register(unique("phone"))
    api.article(writer["token"], "A rather long title to wrap on a small screen " + unique(""), "Short", "Body **text**", ["phones"])
    phone = browsers(width=390, height=844)
    phone.open("/")
    phone.screenshot("home-phone")
    for path in ["/", "/login", "/register", "/profile/" + writer["username"], "/?tag=phones"]:
        phone.open(path)
        audit(phone, f"{path} at phone width")
    sign_in(phone, writer)
    for path in ["/editor", "/settings", "/notifications"]:
        phone.open(path)
        audit(phone, f"{path} at phone width")


def test_the_home_page_pages_through_the_articles(browsers, api):
    writer = api.register(unique("pager"))
    tag = unique("paging")
    for number in range(12):
        api.article(writer["token"], f"Paged article {number} {tag}", "About paging", "Body", [tag])
    browser = browsers()
    browser.open("/?tag=" + tag)
    assert len(browser.find_all(".preview")) == 10
    assert browser.find('.pagination a[aria-current="page"]').text.endswith("1")
    browser.driver.find_element(By.CSS_SELECTOR, '.pagination a[rel="next"]').click()
    browser.wait_loaded()
    assert browser.path == f"/?tag={tag}&page=2"
    assert len(browser.find_all(".preview")) == 2
    audit(browser, "a second page")
    browser.open("/")
    audit(browser, "the home page")
