"""Two-factor sign-in in a real browser: enrol from Settings, then sign in with a code; and an
organization requiring it sends a member without it to enrol first."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from support.api import PASSWORD, add_user, create_org

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _password_step(page: Page, web_url: str, email: str) -> None:
    page.goto(web_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _enrol(page: Page) -> pyotp.TOTP:
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    totp = pyotp.TOTP(page.locator("#tf-secret").inner_text().strip())
    assert page.locator("#tf-uri").inner_text().startswith("otpauth://totp/")
    page.get_by_label("The 6-digit code the app shows").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    return totp


def test_enrol_then_sign_in_with_a_code(page: Page, web_url: str, unique_slug: str, shot) -> None:
    email = create_org(unique_slug)
    _password_step(page, web_url, email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.goto(web_url + "/settings/two-factor")
    totp = _enrol(page)
    shot("recovery-codes")
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()

    _password_step(page, web_url, email)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#code-error")).to_contain_text("Wrong or already used code")
    # The next time step's code: accepted (clock drift), and not the one spent enrolling.
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    shot("signed-in-with-code")


def test_required_by_the_organization_sends_you_to_enrol(
    page: Page, web_url: str, unique_slug: str
) -> None:
    owner = create_org(unique_slug)
    member = add_user(unique_slug, "analyst")
    _password_step(page, web_url, owner)
    page.goto(web_url + "/settings/two-factor")
    totp = _enrol(page)
    page.get_by_label(re.compile("Require two-factor sign-in")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("requires two-factor sign-in")
    page.context.clear_cookies()

    _password_step(page, web_url, member)
    expect(page).to_have_url(re.compile(r"/settings/two-factor$"))
    expect(page.get_by_role("alert").first).to_contain_text("requires two-factor sign-in")
    member_totp = _enrol(page)
    page.context.clear_cookies()
    _password_step(page, web_url, member)
    page.get_by_label("Code").fill(member_totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert totp.secret != member_totp.secret
