"""A drop-in in a real browser with axe on every page: the INT manager sets up a session at the
library with two staff present; Amina records an anonymous attendee with their needs in a few
clicks and introduces them on the spot to a named debt adviser, then hears they met; the
manager sees the session's counts and the library's month without any attendee's details; the
analyst sees the findings on the dashboard."""

import pytest
from django.utils import timezone

from octopus.community.models import Attendee, Introduction
from tests.community_factories import library

pytestmark = pytest.mark.django_db(transaction=True)


def _click(browser_page, role, name):
    browser_page.page.get_by_role(role, name=name).first.click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def _sign_out(browser_page):
    browser_page.page.context.clear_cookies()


def test_drop_in_with_an_anonymous_attendee_and_an_introduction(browser_page, make_user):
    place = library(make_user)
    page = browser_page.page

    browser_page.sign_in(place["planner"].username)
    browser_page.goto("/community/drop-ins/")
    _click(browser_page, "button", "Set up a drop-in")
    page.get_by_label("Name of the drop-in").fill("Warm space drop-in")
    page.get_by_label("Where").select_option(label="Church Street Library, NW8 8EU")
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Ends at").fill("12:30")
    page.get_by_label("Run by").select_option(label="Westminster City Council")
    page.get_by_label("Citizens Advice Westminster").check()
    page.get_by_label("Amina Hassan").check()
    page.get_by_label("Grace Obi").check()
    _click(browser_page, "button", "Set up")
    assert page.get_by_role("heading", name="Warm space drop-in").is_visible()
    assert page.get_by_text("Amina Hassan, Grace Obi").is_visible()
    assert page.get_by_role("button", name="Record attendee").count() == 0  # the manager was not there
    session_url = page.url
    _sign_out(browser_page)

    browser_page.sign_in(place["chww"].username)
    browser_page.goto("/community/drop-ins/")
    _click(browser_page, "link", "Warm space drop-in")
    page.get_by_label("They would rather not give their name").check()
    page.get_by_label("Debt or arrears").check()
    page.get_by_label("Lonely or isolated").check()
    _click(browser_page, "button", "Record attendee")
    assert page.get_by_text("Attendee recorded.").is_visible()
    assert page.get_by_role("heading", name="1. Anonymous").is_visible()
    attendee = Attendee.objects.get(session__title="Warm space drop-in")
    assert (
        attendee.anonymous
        and attendee.given_name == ""
        and attendee.needs == {"money": ["debt"], "isolation": ["lonely"]}
    )

    _click(browser_page, "link", "Introduce attendee 1 to someone")
    page.get_by_label("Introduce to a named person").select_option(label="Fred Adeyemi, Debt adviser – Debt advice")
    page.get_by_label("For which need").select_option(label="Money and benefits")
    page.get_by_label("What they agreed to share").fill(
        "Behind on rent since March; would like help with a payment plan."
    )
    page.get_by_label("They agreed to the introduction and to what is shared").check()
    _click(browser_page, "button", "Introduce")
    assert page.get_by_text("Introduced to Fred Adeyemi.").is_visible()
    assert page.get_by_text("Introduced to Fred Adeyemi, Debt advice (money and benefits)").is_visible()
    _click(browser_page, "button", "They met")
    assert Introduction.objects.get().completed
    summary = page.locator("#summary")
    assert "1 (1 anonymous)" in summary.inner_text() and "1 made, 1 completed" in summary.inner_text()
    _sign_out(browser_page)

    browser_page.sign_in(place["planner"].username)
    page.goto(session_url)
    browser_page.check_accessibility()
    assert "2: Isolation 1, Money and benefits 1" in page.locator("#summary").inner_text()
    assert "Anonymous" not in page.content() and "Behind on rent" not in page.content()
    month = timezone.localdate().strftime("%Y-%m")
    browser_page.goto(f"/community/drop-ins/locations/{place['location'].pk}/?month={month}")
    assert page.get_by_role("link", name="Warm space drop-in").is_visible()
    _sign_out(browser_page)

    browser_page.sign_in(place["analyst"].username)
    browser_page.goto("/community/findings/")
    assert page.get_by_role("heading", name="What frontline staff find").is_visible()
    assert page.get_by_role("heading", name="Needs found, by LSOA").is_visible()
    # Every figure is drawn (two needs are too few to publish, so the bars are empty, but the
    # charts, their tables and the map of the shipped boundaries still render without errors).
    page.locator("[data-chart-drawn] svg").nth(3).wait_for(state="attached", timeout=20_000)
    assert page.locator("[data-chart-error]").count() == 0
    assert "suppressed" in page.locator("#chart-needs-by-kind table").text_content()
