"""The dashboard's sign-in, session and form protections over HTTP (no browser needed)."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
import redis

from finsight.config import get_settings

from support.api import PASSWORD, add_user, create_org
from support.web import COOKIE, WebClient

pytestmark = pytest.mark.integration


def _stored_session(session_id: str) -> dict:
    store = redis.Redis.from_url(str(get_settings().redis_url))
    raw = store.get("web:session:" + hashlib.sha256(session_id.encode()).hexdigest())
    assert raw is not None
    return dict(json.loads(raw))


def _store_session(session_id: str, data: dict) -> None:
    store = redis.Redis.from_url(str(get_settings().redis_url))
    store.set("web:session:" + hashlib.sha256(session_id.encode()).hexdigest(), json.dumps(data))


def test_pages_need_sign_in_and_come_back_after_it(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    first = web.get("/transactions?q=coffee")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Ftransactions%3Fq%3Dcoffee"
    form = web.get(first.headers["location"])
    assert 'name="next" value="/transactions?q=coffee"' in form.text
    signed_in = web.post(
        "/login",
        {"email": email, "password": PASSWORD, "next": "/transactions?q=coffee"},
        csrf_from="/login",
    )
    assert signed_in.headers["location"] == "/transactions?q=coffee"
    assert web.get("/transactions?q=coffee").status_code == 200


def test_headers_and_cookie_flags(web: WebClient, unique_slug: str):
    page = web.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in cookie, cookie
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline


def test_sign_in_rotates_the_session_and_keeps_tokens_server_side(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    web.get("/login")
    anonymous = web.session_id
    web.sign_in(email)
    assert web.session_id and web.session_id != anonymous  # no session fixation
    stored = _stored_session(web.session_id)
    assert stored["refresh_token"] and stored["access_token"]
    overview = web.get("/")
    assert stored["access_token"] not in overview.text
    assert stored["refresh_token"] not in overview.text


def test_wrong_password_and_open_redirects(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    wrong = web.post("/login", {"email": email, "password": "nope"}, csrf_from="/login")
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        response = web.post(
            "/login", {"email": email, "password": PASSWORD, "next": target}, csrf_from="/login"
        )
        assert response.headers["location"] == "/", target
        web.session_id = None


def test_forms_without_the_sessions_csrf_token_are_refused(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    web.sign_in(email)
    forged = web.request(
        "POST", "/accounts/new", data={"name": "Forged", "type": "checking", "csrf_token": "x"}
    )
    assert forged.status_code == 403 and "This form has expired" in forged.text
    missing = web.request("POST", "/logout", data={})
    assert missing.status_code == 403
    assert "Forged" not in web.get("/accounts").text
    # A login form posted without the pre-session's token signs nobody in.
    other = WebClient(web.http.base_url.__str__())
    refused = other.request("POST", "/login", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 200 and "The form expired" in refused.text
    other.close()


def test_an_expired_access_token_is_refreshed_without_the_user_noticing(
    web: WebClient, unique_slug: str
):
    email = create_org(unique_slug)
    web.sign_in(email)
    assert web.session_id
    stored = _stored_session(web.session_id)
    spent_refresh = stored["refresh_token"]
    # The access token expired long ago (and is garbage): the next page must still work.
    _store_session(web.session_id, {**stored, "access_token": "expired", "access_expires_at": 0})
    page = web.get("/accounts")
    assert page.status_code == 200 and "Accounts" in page.text
    refreshed = _stored_session(web.session_id)
    assert refreshed["refresh_token"] != spent_refresh
    assert refreshed["access_expires_at"] > 0
    # A 401 for a token the API no longer takes (say, forged) is retried after a refresh too.
    _store_session(web.session_id, {**refreshed, "access_token": "forged"})
    assert web.get("/transactions").status_code == 200


def test_sign_out_ends_the_session_here_and_in_the_api(
    web: WebClient, unique_slug: str, api_url: str
):
    email = create_org(unique_slug)
    web.sign_in(email)
    assert web.session_id
    session_id = web.session_id
    refresh_token = _stored_session(session_id)["refresh_token"]
    out = web.post("/logout", csrf_from="/")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    web.session_id = session_id  # a stolen cookie is worth nothing now
    assert web.get("/").status_code == 303
    spent = httpx.post(api_url + "/api/auth/refresh", json={"refresh_token": refresh_token})
    assert spent.status_code == 401


def test_password_change_and_organization_switch(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    other_slug = unique_slug + "x"
    create_org(other_slug)
    add_user(other_slug, "viewer", email=email)
    web.sign_in(email, org=unique_slug)
    overview = web.get("/")
    assert 'name="organization"' in overview.text  # the switcher: two organizations
    switched = web.post("/switch", {"organization": other_slug}, csrf_from="/")
    assert switched.status_code == 303
    after = web.follow(switched)
    assert "Switched to" in after.text and "viewer" in after.text

    mismatch = web.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_again": "another one",
        },
    )
    assert mismatch.status_code == 422 and "The two new passwords differ" in mismatch.text
    wrong = web.post(
        "/account/password",
        {
            "current_password": "not it",
            "new_password": "a brand new passphrase",
            "new_password_again": "a brand new passphrase",
        },
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text


def test_unknown_pages_and_api_errors_get_friendly_pages(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    web.sign_in(email)
    missing = web.get("/no-such-page")
    assert missing.status_code == 404 and "Not found" in missing.text
    bad_id = web.get("/imports/00000000-0000-7000-8000-000000000000")
    assert bad_id.status_code == 404
    bad_filter = web.get("/transactions?date_from=2026-03-01&date_to=2026-01-01")
    assert bad_filter.status_code == 422 and "date_from is after date_to" in bad_filter.text


def test_accounts_create_edit_and_field_errors(web: WebClient, unique_slug: str):
    email = create_org(unique_slug)
    web.sign_in(email)
    invalid = web.post(
        "/accounts/new",
        {"name": "Card", "type": "credit_card", "currency": "XYZ", "opening_balance": "0"},
    )
    assert invalid.status_code == 422 and 'id="currency-error"' in invalid.text
    created = web.post(
        "/accounts/new",
        {"name": "Card", "type": "credit_card", "currency": "usd", "opening_balance": "10.5"},
    )
    assert created.status_code == 303
    listing = web.follow(created)
    assert "Account Card created" in listing.text and "$10.50" in listing.text
    edit_link = listing.text.split('href="/accounts/')[1].split('"')[0]
    renamed = web.post(
        f"/accounts/{edit_link}",
        {"name": "Sapphire", "type": "credit_card", "currency": "USD", "opening_balance": "10.50"},
    )
    assert renamed.status_code == 303
    assert "Sapphire" in web.follow(renamed).text
