"""The JSON Schema of linkcheck.json: shipped with the package, named by every report, and held
to the reports the tests write (tests/conftest.py validates each one)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from report_schema import schema_errors

from linkcheck import cli
from linkcheck.report import json_report


def test_the_schema_is_a_valid_2020_12_schema_shipped_in_the_package():
    text = (resources.files("linkcheck.report") / "linkcheck.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == json_report.SCHEMA_ID
    assert schema["properties"]["schema_version"] == {"const": json_report.SCHEMA_VERSION}


def test_a_report_names_its_schema_and_matches_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("# A\n\n[gone](b.md) https://docs.python.org/3/\n",
                                   encoding="utf-8")
    assert cli.main(["run", "--offline", "-q", "a.md"]) == cli.EXIT_BROKEN
    report = json.loads((tmp_path / "reports" / "linkcheck.json").read_text(encoding="utf-8"))
    assert next(iter(report)) == "$schema" and report["$schema"] == json_report.SCHEMA_ID
    assert schema_errors(report) == []


def test_a_report_that_drifts_from_the_schema_is_caught(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("[gone](b.md)\n", encoding="utf-8")
    original = json_report.verdict_values
    monkeypatch.setattr(json_report, "VERDICT_KEYS", (*json_report.VERDICT_KEYS, "undocumented"))
    monkeypatch.setattr(json_report, "verdict_values", lambda result: (*original(result), 1))
    from linkcheck.config import load_config
    from linkcheck.pipeline import run

    result = run(load_config(None, {"offline": True}), ["a.md"])
    with pytest.raises(AssertionError, match="undocumented"):
        json_report.render(result)
