"""values.schema.json and values.yaml say the same thing: every key of one is in the other, the
defaults and every ci/ file are valid, and an unknown key anywhere is refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from support.helm import CHART, CI_VALUES, helm

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def closed_objects(
    schema: dict[str, Any], value: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], dict[str, Any]]]:
    """(path, schema, value) of every mapping in the values whose schema lists its keys."""
    schema = resolve(schema)
    if not isinstance(value, dict) or "properties" not in schema:
        return
    yield path, schema, value
    for key, child in value.items():
        if key in schema["properties"]:
            yield from closed_objects(schema["properties"][key], child, (*path, key))


def merged(base: Any, override: Any) -> Any:
    """Helm's coalescing of a values file over the defaults (maps merge, the rest replaces)."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {
            **base,
            **{k: merged(base.get(k), v) if k in base else v for k, v in override.items()},
        }
    return override


def test_every_key_of_values_is_in_the_schema_and_the_reverse():
    checked = 0
    for path, schema, value in closed_objects(SCHEMA, VALUES):
        where = ".".join(path) or "(top)"
        assert schema.get("additionalProperties") is False, f"{where} accepts unknown keys"
        assert set(value) == set(schema["properties"]), (
            f"{where}: only in values.yaml {sorted(set(value) - set(schema['properties']))}, "
            f"only in the schema {sorted(set(schema['properties']) - set(value))}"
        )
        checked += 1
    assert checked > 30


def test_the_defaults_are_valid():
    jsonschema.Draft202012Validator(SCHEMA).validate(VALUES)


@pytest.mark.parametrize("path", CI_VALUES, ids=[p.stem for p in CI_VALUES])
def test_every_ci_file_is_valid_over_the_defaults(path):
    jsonschema.Draft202012Validator(SCHEMA).validate(
        merged(VALUES, yaml.safe_load(path.read_text()))
    )


def test_an_unknown_key_is_refused_at_every_level():
    validator = jsonschema.Draft202012Validator(SCHEMA)
    paths = [path for path, _schema, _value in closed_objects(SCHEMA, VALUES)]
    for path in paths:
        values = copy.deepcopy(VALUES)
        target = values
        for key in path:
            target = target[key]
        target["replica"] = 1  # a plausible typo
        assert not validator.is_valid(values), ".".join(path)


def test_helm_itself_refuses_a_typo_with_its_path():
    result = helm("template", "acme", str(CHART), "--set", "worker.concurency=4", check=False)
    assert result.returncode != 0
    assert "concurency" in result.stderr and "/worker" in result.stderr


@pytest.mark.parametrize(
    "setting",
    [
        "image.pullPolicy=Sometimes",
        "worker.pool=gevent",
        "database.existingSecret=",
        "generatedSecrets={JWT_SECRET}",
        "image.digest=latest",
        "ingress.apiPaths={api}",
    ],
)
def test_bad_values_are_refused(setting):
    assert helm("template", "acme", str(CHART), "--set", setting, check=False).returncode != 0
