"""Unit tests of ApiError built from real httpx responses, and of the forwarded headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from finsight_web.client import ApiError, CallContext

PROBLEM = "application/problem+json"


def problem(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"content-type": PROBLEM, **headers})


def test_from_problem_document() -> None:
    error = ApiError.from_response(
        problem(
            422,
            {
                "type": "about:blank",
                "title": "Unprocessable Entity",
                "detail": "The mapping is not valid.",
                "code": "validation_failed",
                "errors": [
                    {"field": "date_column", "message": "no such column"},
                    {"field": "skip_rows", "message": "must be at least 0"},
                    {"message": "something about the whole body"},
                    {"field": "", "message": "unnamed"},
                ],
                "request_id": "req-123",
            },
        )
    )
    assert error.status == 422
    assert error.detail == "The mapping is not valid."
    assert error.code == "validation_failed"
    assert len(error.errors) == 4
    assert error.request_id == "req-123"
    assert error.retry_after is None
    assert error.field_errors() == {
        "date_column": "no such column",
        "skip_rows": "must be at least 0",
    }
    assert str(error) == "422: The mapping is not valid."
    assert isinstance(error, Exception)


def test_minimal_problem_document() -> None:
    error = ApiError.from_response(problem(404, {"detail": "No such account."}))
    assert (error.status, error.detail) == (404, "No such account.")
    assert error.code is None
    assert error.errors == []
    assert error.field_errors() == {}
    assert error.request_id is None


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        (httpx.Response(502, text="<html>Bad gateway</html>"), "Bad Gateway"),
        (httpx.Response(500, content=b""), "Internal Server Error"),
        (httpx.Response(503, content=b"\xff\xfe not json"), "Service Unavailable"),
        (httpx.Response(400, json=["a", "list"]), "Bad Request"),
        (httpx.Response(409, json={"detail": {"not": "a string"}}), "Conflict"),
        (httpx.Response(418, json="just a string"), "I'm a teapot"),
    ],
)
def test_without_a_usable_detail_the_reason_phrase_is_shown(
    response: httpx.Response, detail: str
) -> None:
    error = ApiError.from_response(response)
    assert error.status == response.status_code
    assert error.detail == detail
    assert error.code is None
    assert error.errors == []


def test_unknown_status_without_reason_phrase() -> None:
    error = ApiError.from_response(httpx.Response(599, text="oops"))
    assert error.detail == "the API refused the request"


def test_request_id_from_the_header_when_the_body_has_none() -> None:
    response = httpx.Response(500, text="boom", headers={"X-Request-ID": "hdr-1"})
    assert ApiError.from_response(response).request_id == "hdr-1"


def test_request_id_of_the_body_wins_over_the_header() -> None:
    response = problem(500, {"detail": "x", "request_id": "body-1"}, **{"X-Request-ID": "hdr-1"})
    assert ApiError.from_response(response).request_id == "body-1"


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("30", 30), ("0", 0), ("Wed, 21 Oct 2015 07:28:00 GMT", None), ("-5", None), ("", None)],
)
def test_retry_after_header(retry_after: str, expected: int | None) -> None:
    response = problem(429, {"detail": "Slow down."}, **{"Retry-After": retry_after})
    error = ApiError.from_response(response)
    assert error.status == 429
    assert error.retry_after == expected


def test_field_errors_stringify_field_and_message() -> None:
    error = ApiError(status=422, detail="bad", errors=[{"field": 3, "message": 4}])
    assert error.field_errors() == {"3": "4"}


@pytest.mark.parametrize(
    ("context", "token", "expected"),
    [
        (CallContext(), None, {}),
        (CallContext(), "", {}),
        (CallContext(), "tok", {"Authorization": "Bearer tok"}),
        (
            CallContext(client_ip="203.0.113.7", request_id="req-9"),
            "tok",
            {
                "Authorization": "Bearer tok",
                "X-Forwarded-For": "203.0.113.7",
                "X-Request-ID": "req-9",
            },
        ),
        (
            CallContext(client_ip="203.0.113.7"),
            None,
            {"X-Forwarded-For": "203.0.113.7"},
        ),
        (CallContext(request_id="req-9"), None, {"X-Request-ID": "req-9"}),
    ],
)
def test_call_context_headers(
    context: CallContext, token: str | None, expected: dict[str, str]
) -> None:
    assert context.headers(token) == expected
