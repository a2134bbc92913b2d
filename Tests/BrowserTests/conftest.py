"""The web pages in a real browser: headless Chromium (Debian's chromium and chromium-driver), driven
by Selenium, against the stack that scripts/test starts (INKWELL_GATEWAY_URL). Waits have generous
deadlines and nothing is timed: a slow machine is slower, never failing."""
import json
import os
import pathlib
import secrets
import time

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

GATEWAY = os.environ.get("INKWELL_GATEWAY_URL", "http://127.0.0.1:8080").rstrip("/")
SCREENSHOTS = pathlib.Path(os.environ.get("INKWELL_SCREENSHOTS", "screenshots"))
# Every deadline: far longer than anything takes, so that a verdict never depends on speed.
PATIENCE = 60
RUN = secrets.token_hex(3)


def unique(name):
    """A name of this run's own (the test database may hold earlier runs' users)."""
    return f"{name}{RUN}"


class Browser:
    """One browser profile (its own cookies): one visitor."""

    def __init__(self, width=1280, height=800):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        arguments = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars", f"--window-size={width},{height}"]
        for argument in arguments:
            options.add_argument(argument)
        # Dialogs are left open, so that a test can see that none was opened.
        options.set_capability("unhandledPromptBehavior", "ignore")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        self.driver.set_page_load_timeout(PATIENCE)
        # The page's own size, exactly: a window's includes the browser's frame, and headless
        # Chromium makes no window narrower than 500 pixels. Below 600, a phone's (the page's
        # viewport meta tag applies).
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        )

    def open(self, path):
        self.driver.get(GATEWAY + path)
        self.wait_loaded()

    def wait_loaded(self):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "the page did not finish loading")

    def wait(self, condition, message=""):
        # While a page is being replaced, chromedriver can answer a question about the old one with
        # an "unknown error" (such as "unhandled inspector error: Cannot find context") instead of
        # a stale element: that is "not yet", asked again until PATIENCE runs out.
        return WebDriverWait(self.driver, PATIENCE, ignored_exceptions=(WebDriverException,)).until(condition, message)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css="body"):
        return self.find(css).text

    @property
    def path(self):
        return self.driver.current_url[len(GATEWAY):]

    def fill(self, fields):
        for name, value in fields.items():
            element = self.find(f'[name="{name}"]')
            element.clear()
            element.send_keys(value)

    def submit(self, css="main form button[type=submit]", text=None):
        """Clicks a form's button (the one `css` selects, or the one whose text is `text`) and waits
        for the page that answers."""
        old = self.find("html")
        if text:
            button = self.driver.find_element(By.XPATH, f'//button[normalize-space()="{text}"]')
        else:
            button = self.find(css)
        button.click()
        self.wait(expected_conditions.staleness_of(old), "the form's answer did not load")
        self.wait_loaded()

    def heading(self):
        return self.text("h1")

    def screenshot(self, name):
        """The top of the page, nothing focused."""
        self.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def alert_text(self):
        try:
            return self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def console(self):
        return self.driver.get_log("browser")

    def cookie(self, name):
        return self.driver.get_cookie(name)

    def quit(self):
        self.driver.quit()


@pytest.fixture
def browsers():
    """Makes browsers (each a visitor of its own) and closes them all at the end."""
    made = []

    def make(**size):
        browser = Browser(**size)
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.quit()


class API:
    """The Conduit API through the gateway, for what a test prepares without the pages."""

    def __init__(self):
        self.http = requests.Session()

    def call(self, method, path, token=None, body=None, expect=(200, 201)):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        deadline = time.monotonic() + PATIENCE
        while True:
            response = self.http.request(method, GATEWAY + path, headers=headers, data=json.dumps(body) if body is not None else None, timeout=PATIENCE)
            # The gateway's per-address limit on registrations: wait as it says.
            if response.status_code == 429 and time.monotonic() < deadline:
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            break
        if expect and response.status_code not in expect:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response

    def register(self, username, password="correct horse battery"):
        email = f"{username.lower()}@example.com"
        user = self.call("POST", "/api/users", body={"user": {"username": username, "email": email, "password": password}}).json()["user"]
        user["password"] = password
        return user

    def article(self, token, title, description, body, tags):
        article = {"title": title, "description": description, "body": body, "tagList": tags}
        return self.call("POST", "/api/articles", token, {"article": article}).json()["article"]


@pytest.fixture(scope="session")
def api():
    return API()


def sign_in(browser, user):
    browser.open("/login")
    browser.fill({"email": user["email"], "password": user["password"]})
    browser.submit()
    assert browser.path == "/", f"signing in as {user['username']} ended at {browser.path}: {browser.heading()}"
