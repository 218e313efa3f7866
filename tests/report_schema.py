"""The report's JSON Schema, as the tests validate reports against it."""

from __future__ import annotations

import functools
import json
from importlib import resources

import jsonschema


@functools.cache
def report_schema() -> jsonschema.Draft202012Validator:
    text = (resources.files("linkcheck.report") / "linkcheck.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def schema_errors(report: dict) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in report_schema().iter_errors(report)]
