"""Unit tests of the web session object and of how the store names its Redis keys."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from finsight_web import sessions
from finsight_web.sessions import SessionStore, WebSession


def session(session_id: str = "sid-1") -> WebSession:
    return WebSession(id=session_id, csrf="csrf-1")


def test_new_session_is_signed_out() -> None:
    fresh = session()
    assert not fresh.signed_in
    assert fresh.flashes == []
    assert fresh.access_token is None


def test_set_tokens() -> None:
    web = session()
    before = time.time()
    web.set_tokens(
        {
            "access_token": "acc",
            "refresh_token": "ref",
            "expires_in": 900,
            "organization": {"slug": "acme", "name": "Acme"},
        }
    )
    assert (web.access_token, web.refresh_token) == ("acc", "ref")
    assert before + 900 <= web.access_expires_at <= time.time() + 900
    assert web.org_slug == "acme"
    assert web.signed_in


@pytest.mark.parametrize(
    "extra", [{}, {"expires_in": None, "organization": None}, {"expires_in": 0}]
)
def test_set_tokens_without_expiry_or_organization(extra: dict[str, Any]) -> None:
    web = session()
    web.org_slug = "old"
    web.set_tokens({"access_token": "a", "refresh_token": "r", **extra})
    assert web.access_expires_at <= time.time()  # already due for a refresh
    assert web.org_slug is None
    assert web.signed_in


def test_set_tokens_requires_both_tokens() -> None:
    with pytest.raises(KeyError):
        session().set_tokens({"access_token": "a"})


def test_flash_appends_with_default_level() -> None:
    web = session()
    web.flash("Saved.")
    web.flash("Not saved.", level="error")
    assert web.flashes == [("success", "Saved."), ("error", "Not saved.")]


def test_flashes_are_not_shared_between_sessions() -> None:
    first, second = session("a"), session("b")
    first.flash("only mine")
    assert second.flashes == []


def test_redis_key_is_a_hash_of_the_session_id() -> None:
    session_id = "very-secret-cookie-value"
    key = sessions._key(session_id)
    assert session_id not in key
    assert key == "web:session:" + hashlib.sha256(session_id.encode()).hexdigest()
    assert sessions._key("other") != key
    assert sessions._key(session_id) == key  # stable


def test_draft_key_is_bound_to_the_session() -> None:
    mine, theirs = session("session-one"), session("session-two")
    key = SessionStore._draft_key(mine, "draft-1")
    assert key.startswith("web:upload:")
    assert "session-one" not in key
    assert "draft-1" not in key
    assert key != SessionStore._draft_key(theirs, "draft-1")
    assert key != SessionStore._draft_key(mine, "draft-2")
    assert key == SessionStore._draft_key(session("session-one"), "draft-1")


def test_draft_key_separates_session_and_draft_ids() -> None:
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert SessionStore._draft_key(session("ab"), "c") != SessionStore._draft_key(
        session("a"), "bc"
    )


def test_new_sessions_have_fresh_random_ids() -> None:
    store = SessionStore(redis=None, idle_seconds=60)  # type: ignore[arg-type]
    first, second = store.new(), store.new()
    assert first.id != second.id
    assert first.csrf != second.csrf
    assert len(first.id) >= 40
    assert not first.signed_in
