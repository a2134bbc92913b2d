"""The stats page: an author's numbers as charts (SVG drawn by the server, each with a title, a
description and its numbers in a table beside it) and their most read articles, for them alone."""
import time

import requests

from audits import audit
from conftest import GATEWAY, PATIENCE, sign_in, unique


def read(path, token=None, user_agent="stats-test"):
    headers = {"User-Agent": user_agent}
    if token:
        headers["Authorization"] = f"Token {token}"
    response = requests.get(GATEWAY + path, headers=headers, timeout=PATIENCE)
    assert response.status_code == 200, f"{path}: {response.status_code}"


def totals(browser):
    return {
        term.text: int(value.text)
        for term, value in zip(browser.find_all(".stat-totals dt"), browser.find_all(".stat-totals dd"))
    }


def test_an_author_sees_their_numbers_as_charts_and_tables(browsers, api):
    writer = api.register(unique("statswriter"))
    reader = api.register(unique("statsreader"))
    dragons = api.article(writer["token"], "Dragons " + unique(""), "About dragons", "Body", ["stats"])
    griffins = api.article(writer["token"], "Griffins " + unique(""), "About griffins", "Body", ["stats"])
    # 5 reads of Dragons by 2 readers (a visitor's browser and the signed-in reader), 1 of Griffins.
    for _ in range(3):
        read("/api/articles/" + dragons["slug"])
    read("/article/" + dragons["slug"], token=None)
    read("/api/articles/" + dragons["slug"], token=reader["token"])
    read("/article/" + griffins["slug"], user_agent="another browser")
    api.call("POST", f"/api/articles/{dragons['slug']}/favorite", reader["token"])
    api.call("POST", f"/api/articles/{dragons['slug']}/comments", reader["token"], {"comment": {"body": "Lovely"}})
    api.call("POST", f"/api/profiles/{writer['username']}/follow", reader["token"])

    browser = browsers()
    sign_in(browser, writer)
    browser.find('header nav a[href="/stats"]').click()
    browser.wait_loaded()
    assert browser.path == "/stats" and browser.heading() == "Your stats"
    expected = {"Reads": 6, "Unique readers": 3, "Favorites": 1, "Comments": 1, "New followers": 1}
    deadline = time.monotonic() + PATIENCE
    while totals(browser) != expected:
        assert time.monotonic() < deadline, f"the totals never became {expected}: {totals(browser)}"
        time.sleep(0.5)
        browser.open("/stats")
    assert browser.find('header nav a[href="/stats"]').get_attribute("aria-current") == "page"

    charts = browser.find_all(".chart-frame > svg.chart")
    assert len(charts) == 2
    for chart in charts:
        assert chart.get_attribute("role") == "img"
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        assert browser.driver.execute_script(f"return document.getElementById('{title_id}').textContent")
        description = browser.driver.execute_script(f"return document.getElementById('{desc_id}').textContent")
        assert "in total" in description, description
        assert chart.size["width"] > 300 and chart.size["height"] > 100
    reads_chart = browser.driver.execute_script("return document.querySelector('#reads-chart-desc').textContent")
    assert "Reads: 6 in total" in reads_chart and "Favorites: 1 in total" in reads_chart, reads_chart
    community = browser.driver.execute_script("return document.querySelector('#community-chart-desc').textContent")
    assert "Comments: 1 in total" in community and "New followers: 1 in total" in community, community

    # The numbers beside each chart: a row per day (30 by default), today's last.
    tables = browser.find_all(".chart-and-table table")
    assert len(tables) == 2
    rows = tables[0].find_elements("css selector", "tbody tr")
    assert len(rows) == 30
    assert [cell.text for cell in rows[-1].find_elements("css selector", "td")] == ["6", "3", "1"]
    top = browser.find_all(".top-articles tbody tr")
    assert [row.find_element("css selector", "a").text for row in top] == [dragons["title"], griffins["title"]]
    assert top[0].find_element("css selector", "a").get_attribute("href").endswith("/article/" + dragons["slug"])
    assert [cell.text for cell in top[0].find_elements("css selector", "td")] == ["5", "2", "1", "1"]
    audit(browser, "the stats page")
    browser.screenshot("stats")

    browser.find('.period-nav a[href="/stats?days=7"]').click()
    browser.wait_loaded()
    assert len(browser.find_all(".chart-and-table table")[0].find_elements("css selector", "tbody tr")) == 7
    assert totals(browser) == expected
    audit(browser, "the stats page, 7 days")

    phone = browsers(width=390, height=844)
    sign_in(phone, writer)
    phone.open("/stats")
    audit(phone, "the stats page at phone width")

    # The reader sees their own numbers (none), nothing of the writer's.
    reader_browser = browsers()
    sign_in(reader_browser, reader)
    reader_browser.open("/stats")
    assert totals(reader_browser) == {"Reads": 0, "Unique readers": 0, "Favorites": 0, "Comments": 0, "New followers": 0}
    assert dragons["title"] not in reader_browser.text("main")
    assert not reader_browser.find_all(".top-articles")
    audit(reader_browser, "the stats page of someone with no articles")


def test_the_stats_page_is_for_signed_in_authors(browsers):
    browser = browsers()
    browser.open("/stats")
    assert browser.path == "/login"
