"""The OpenAPI document and the API's behaviour, kept in step in one place.

- `install_contract(app)` post-processes the generated document once: every operation documents
  the problems any request can meet (422 as `application/problem+json`, which is what the
  problem handler sends, not FastAPI's default `application/json`; 400 for a body that is not
  JSON where the operation takes one), and every free string says which control characters it
  refuses (`finsight.api.control_chars` enforces it).
- `refuse_lax_dates` is an app-wide dependency: pydantic takes `date_to=0` as 1970-01-01 and
  `until=0.5` as a moment in 1970; a query parameter or top-level JSON body field the document
  calls a date or date-time must be written as one (ISO 8601), or it is a 422 naming it.
- `allowed_methods` answers which methods a path has, over every route: a 405's `Allow` header
  lists them all (Starlette's names only the first route that matched the path), and a static
  path (`/api/imports/preview`) is never taken for a template's id (`/api/imports/{import_id}`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts

from finsight.api.control_chars import SINGLE_LINE_KEYS, SINGLE_LINE_SUFFIXES
from finsight.api.problems import Problem
from finsight.errors import InvalidInput

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_CONTENT = {"application/problem+json": {"schema": PROBLEM_REF}}
# JSON Schema patterns are searched, not matched: anchored, over the whole value.
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f]*$"
FREE_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(
    # A day alone is midnight (pydantic reads it so); numbers (epoch seconds) are refused.
    r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$"
)
_TEMPORAL = {"date": (_ISO_DATE, "YYYY-MM-DD"), "date-time": (_ISO_DATE_TIME, "ISO 8601")}
_STATE_TEMPORAL = "finsight_temporal_params"
_STATE_PATHS = "finsight_route_paths"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": PROBLEM_CONTENT}


def _document_problems(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    described = responses.get("422", {}).get("description", "Invalid input")
    if described == "Validation Error":
        described = "Invalid input: the problem's `errors` name each offending field"
    responses["422"] = _problem(described)
    if "requestBody" in operation:
        responses.setdefault("400", _problem("The body could not be parsed"))
    responses.setdefault(
        "503", _problem("A service the API needs (the database, the task queue) is unavailable")
    )
    for status, response in responses.items():
        if status.startswith(("4", "5")) and "content" in response:
            # Problems are sent as application/problem+json, whatever a route declared.
            response["content"] = PROBLEM_CONTENT


def _single_line(name: str) -> bool:
    return name in SINGLE_LINE_KEYS or name.endswith(SINGLE_LINE_SUFFIXES)


def _constrain_strings(schema: dict[str, Any], name: str, *, single_line: bool) -> None:
    """Say which control characters a plain string refuses (strings with a format, an enum or a
    pattern of their own already exclude them)."""
    plain = not {"format", "enum", "pattern", "const", "contentMediaType"} & set(schema)
    if schema.get("type") == "string" and plain:
        single = single_line or _single_line(name)
        schema["pattern"] = SINGLE_LINE_PATTERN if single else FREE_TEXT_PATTERN
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            _constrain_strings(option, name, single_line=single_line)
    if isinstance(schema.get("items"), dict):
        _constrain_strings(schema["items"], name, single_line=single_line)
    for prop, sub in schema.get("properties", {}).items():
        _constrain_strings(sub, prop, single_line=single_line)
    if isinstance(schema.get("additionalProperties"), dict):
        _constrain_strings(schema["additionalProperties"], name, single_line=single_line)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Components that request bodies use (responses echo what they are sent, so theirs stay
    open: a problem names the refused field, control characters and all)."""
    components = document.get("components", {}).get("schemas", {})
    pending = set()
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            pending |= _refs(operation.get("requestBody", {}))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        pending |= _refs(components[name])
    return seen


def post_process(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for schema_name in _request_schemas(document):
        _constrain_strings(components[schema_name], schema_name, single_line=False)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _document_problems(operation)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("query", "path"):
                    _constrain_strings(parameter.get("schema", {}), "", single_line=True)
    return document


def install_contract(app: FastAPI) -> None:
    """Post-process the generated document once, when it is first asked for."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = post_process(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _temporal(schema: dict[str, Any]) -> str | None:
    formats = [option.get("format") for option in schema.get("anyOf", [schema])]
    return next((f for f in formats if f in _TEMPORAL), None)


def _body_temporal(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, str]:
    """Top-level date fields of the operation's JSON body, by name."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    components = document.get("components", {}).get("schemas", {})
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    found = {}
    for name, prop in schema.get("properties", {}).items():
        kind = _temporal(prop)
        if kind:
            found[name] = kind
    return found


def _temporal_fields(app: FastAPI) -> dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]]:
    """Per (METHOD, path): date fields of the query, and of the JSON body."""
    cached = getattr(app.state, _STATE_TEMPORAL, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found = {}
    document = app.openapi()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            query = {
                p["name"]: kind
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and (kind := _temporal(p.get("schema", {})))
            }
            body = _body_temporal(document, operation)
            if query or body:
                found[(method.upper(), path)] = (query, body)
    setattr(app.state, _STATE_TEMPORAL, found)
    return found


def _check_temporal(name: str, kind: str, value: Any) -> None:
    pattern, shape = _TEMPORAL[kind]
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidInput(f"{name}: give a {kind} as {shape}", field=name)


async def refuse_lax_dates(request: Request) -> None:
    """The app-wide dependency: dates in query parameters and in JSON bodies (top-level
    fields) are ISO 8601 text; pydantic alone reads 0 as 1970-01-01."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    fields = _temporal_fields(request.app).get((request.method, path or ""))
    if fields is None:
        return
    query, body = fields
    for name, kind in query.items():
        for value in request.query_params.getlist(name):
            _check_temporal(name, kind, value)
    if body and request.headers.get("content-type", "").startswith("application/json"):
        try:
            document = json.loads(await request.body() or b"null")
        except ValueError:
            return  # malformed JSON is the route's 4xx to give
        if isinstance(document, dict):
            for name, kind in body.items():
                if document.get(name) is not None:
                    _check_temporal(name, kind, document[name])


def _route_paths(app: Any) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    cached = getattr(app.state, _STATE_PATHS, None)
    if cached is not None:
        return list(cached)
    paths = []
    for route in iter_route_contexts(app.routes):
        template, methods = route.path_format, route.methods
        if not template or not methods:
            continue
        regex = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        paths.append((template, regex, frozenset(methods)))
    setattr(app.state, _STATE_PATHS, paths)
    return paths


def allowed_methods(app: Any, path: str) -> tuple[set[str], bool]:
    """The methods `path` is served for, and whether a static route (no template) names it:
    a static route's methods are the path's, templates matching it do not count."""
    static: set[str] = set()
    templated: set[str] = set()
    for template, regex, methods in _route_paths(app):
        if "{" not in template and template == path:
            static |= methods
        elif regex.match(path):
            templated |= methods
    return (static, True) if static else (templated, False)
