"""Control characters are refused at the door, for every route, in one place.

PostgreSQL cannot store NUL in text (a NUL reaching a query is a 500), and control characters in
names, emails, slugs or filters are never meant. This module is an app-wide dependency
(`create_app` installs it), so it runs for every route before the route's own dependencies
(sign-in included, before authentication) and before anything is streamed: a refused export
never sends its headers.

What is refused, as a 422 naming the field:
- query and path parameters, and the headers we read: every C0 character (and DEL);
- JSON bodies and form fields: NUL and every other C0 character except tab, line feed and
  carriage return (free text may have lines); keys that name single-line values (`name`,
  `*_name`, `email`, `slug`, `organization`, ...) refuse those three too. Object keys are
  checked like values.
Uploaded files are not text fields and are left to their parsers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from finsight.errors import InvalidInput

# C0 controls and DEL; free text keeps \t \n \r.
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SINGLE_LINE_KEYS = frozenset(
    {"name", "email", "slug", "organization", "code", "currency", "format"}
)
SINGLE_LINE_SUFFIXES = ("_name", "_email", "_slug", "_id", "_ids")
HEADERS_READ = ("authorization", "user-agent", "x-request-id", "x-forwarded-for")
JSON_TYPES = ("application/json", "+json")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _describe(char: str) -> str:
    return "NUL" if char == "\x00" else f"U+{ord(char):04X}"


def _refuse(field: str, char: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: control character {_describe(char)} is not allowed here", field=field
    )


def _single_line(key: str) -> bool:
    return key in SINGLE_LINE_KEYS or key.endswith(SINGLE_LINE_SUFFIXES)


def check_text(value: str, field: str, *, single_line: bool) -> None:
    """InvalidInput naming `field` when `value` holds a control character it may not."""
    found = (_ANY_CONTROL if single_line else _TEXT_CONTROL).search(value)
    if found:
        raise _refuse(field, found.group())


def check_json(value: Any, path: str = "", *, single_line: bool = False) -> None:
    """Every string in a decoded JSON document, keys included; `path` is the dotted field."""
    if isinstance(value, str):
        check_text(value, path or "body", single_line=single_line)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}.{index}" if path else str(index), single_line=single_line)
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            check_text(str(key), field, single_line=True)
            check_json(item, field, single_line=single_line or _single_line(str(key)))


async def refuse_control_characters(request: Request) -> None:
    """The app-wide dependency: query, path, headers read, then a JSON or form body."""
    for name, value in request.query_params.multi_items():
        check_text(name, name, single_line=True)
        check_text(value, name, single_line=True)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(value, name, single_line=True)
    for header in HEADERS_READ:
        offered = request.headers.get(header)
        if offered is not None:
            check_text(offered, header, single_line=True)
    if getattr(request.scope.get("route"), "body_field", None) is None:
        return  # the route takes no body: it is never read, so it is not parsed here either
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith(JSON_TYPES):
        raw = await request.body()  # FastAPI has read it already for a route with a body
        try:
            document = json.loads(raw) if raw else None
        except ValueError:
            return  # malformed JSON is the route's 4xx to give
        check_json(document)
    elif content_type in FORM_TYPES:
        form = await request.form()  # parsed once: FastAPI's own parse is cached on the request
        for name, field in form.multi_items():
            if isinstance(field, str):  # uploaded files are left to their parsers
                check_text(name, name, single_line=True)
                check_text(field, name, single_line=_single_line(name))
