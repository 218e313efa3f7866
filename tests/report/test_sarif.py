"""SARIF 2.1.0 output, validated against the OASIS schema vendored in tests/data."""

from __future__ import annotations

import json

import jsonschema
from locations import TESTS

from linkcheck.report import sarif

SCHEMA = json.loads(
    (TESTS / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def test_log_is_valid_sarif(sample_run):
    log = json.loads(sarif.render(sample_run))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["version"] == "2.1.0"


def test_results_point_at_file_and_line_with_stable_rules(sample_run):
    log = json.loads(sarif.render(sample_run))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["LINK000", "LINK001", "LINK003", "LINK002", "LC105"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "warning", "note"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    broken = results[1]
    location = broken["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "docs/a%2C%20b.md"
    assert location["region"] == {"startLine": 4, "startColumn": 7}
    assert broken["message"]["text"].startswith("https://x.test/a,b:c%41")


def test_log_is_deterministic_and_fingerprints_survive_a_moved_line(sample_run):
    first = sarif.render(sample_run)
    assert first == sarif.render(sample_run)
    assert "20" not in [r.get("startTimeUtc") for r in json.loads(first)["runs"]]
    fingerprints = [r["partialFingerprints"]["linkcheck/v1"]
                    for r in json.loads(first)["runs"][0]["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
