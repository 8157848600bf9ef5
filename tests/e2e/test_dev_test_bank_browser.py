"""`make dev` with no Plaid credentials offers "Connect a test bank" (its local Plaid): in a
real browser, a person connects one, its first sync lands, and Sync now works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from finsight.embedded import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_make_dev_connects_a_test_bank_in_the_browser(
    page: Page, tmp_path, monkeypatch, csp_violations, shot
):
    from e2e.test_make_dev import Dev

    for key in [k for k in __import__("os").environ if k.startswith("PLAID_")]:
        monkeypatch.delenv(key)  # no credentials: the local Plaid
    port, web_port = free_port(), free_port()
    dev = Dev(tmp_path / "data", port, tmp_path / "dev.log", web_port)
    try:
        dev.wait_ready()
        banner = dev.output()
        assert "local Plaid on http://127.0.0.1:" in banner, banner
        password = re.search(r"demo@example\.com / (\S+) \(shown once\)", banner)
        assert password, banner
        web = f"http://127.0.0.1:{web_port}"
        page.goto(web + "/connections")
        page.get_by_label("Email").fill("demo@example.com")
        page.get_by_label("Password").fill(password.group(1))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Connections", level=1)).to_be_visible()
        expect(page.get_by_text("No banks connected")).to_be_visible()

        page.get_by_role("button", name="Connect a test bank").click()
        expect(page.get_by_text("Test bank connected")).to_be_visible()
        section = page.locator("section.connection")
        expect(section.get_by_role("heading", name="First Platypus Bank")).to_be_visible()
        expect(section.get_by_role("link", name=re.compile("Plaid Checking"))).to_be_visible()
        # The worker syncs it: reload until the first sync shows.
        for _ in range(120):
            if "last synced just now" in section.inner_text() or "minute" in section.inner_text():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(section.locator(".sync-state")).to_have_text("Synced")
        expect(section.locator("time")).to_have_text("just now")
        expect(section.get_by_text(re.compile(r"\d+ added"))).to_be_visible()
        shot("connected")

        section.get_by_role("button", name=re.compile("Sync now")).click()
        expect(page.get_by_text("Sync queued.")).to_be_visible()
        page.get_by_role("link", name=re.compile("Plaid Checking")).first.click()
        expect(page.locator("table").first).to_be_visible()
        assert csp_violations == []
    finally:
        dev.kill()
