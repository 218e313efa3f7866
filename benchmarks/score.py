"""Read each tool's JSON report into one verdict per URL, and score it against the truth.

A false alarm is a URL reported failing whose truth is ok or redirected (a permanent redirect to
a working page is not broken). A miss is a broken URL not reported failing, a redirected URL not
reported redirected, or a URL on a dead host (refusing, hanging) reported as working. Failing is
`broken`, or `new-failure`: linkcheck's verdict for a first failure while its result store is on
(reported, though the run does not fail on it until the failure repeats).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus import Truth

BROKEN = "broken"
REDIRECTED = "redirected"
OK = "ok"
NOT_REPORTED = "not-reported"
NEW_FAILURE = "new-failure"
FAILING = frozenset({BROKEN, NEW_FAILURE})


@dataclass(frozen=True, slots=True)
class Score:
    false_alarms: tuple[str, ...]
    misses: tuple[str, ...]
    reported: dict[str, int] = field(default_factory=dict)  # verdict -> number of URLs

    def summary(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.reported.items()))
        return f"{len(self.false_alarms)} false alarms, {len(self.misses)} misses ({counts})"


def score(truth: dict[str, Truth], reported: dict[str, str]) -> Score:
    """Compare one verdict per URL with the truth; URLs outside the truth are ignored."""
    false_alarms, misses = [], []
    counts: Counter[str] = Counter()
    for url, expected in truth.items():
        verdict = reported.get(url, NOT_REPORTED)
        counts[verdict] += 1
        if expected is Truth.DEAD:  # any failing or unverifiable verdict is right
            if verdict in (OK, REDIRECTED, NOT_REPORTED):
                misses.append(url)
        elif verdict in FAILING and expected is not Truth.BROKEN:
            false_alarms.append(url)
        elif expected is Truth.BROKEN and verdict not in FAILING:
            misses.append(url)
        elif expected is Truth.REDIRECTED and verdict != REDIRECTED:
            misses.append(url)
    return Score(tuple(false_alarms), tuple(misses), dict(counts))


def read_linkcheck(report_path: Path) -> dict[str, str]:
    """linkcheck's JSON report: `links` entries with `resolved_url` and `status`."""
    document = json.loads(report_path.read_text("utf-8"))
    verdicts: dict[str, str] = {}
    for link in document.get("links", []):
        url, status = link.get("resolved_url"), link.get("status")
        if isinstance(url, str) and isinstance(status, str):
            verdicts[url] = status
    return verdicts


def read_lychee(report_path: Path) -> dict[str, str]:
    """lychee's `--format json` report, written with `-vv` so successes and redirects are listed.

    Errors and timeouts both fail a lychee run, so both count as reported broken.
    """
    document = json.loads(report_path.read_text("utf-8"))
    verdicts: dict[str, str] = {}
    for name, verdict in (("success_map", OK), ("excluded_map", "excluded"),
                          ("timeout_map", BROKEN), ("error_map", BROKEN)):
        for entries in (document.get(name) or {}).values():
            for entry in entries:
                verdicts[entry["url"]] = verdict
    for entries in (document.get("redirect_map") or {}).values():
        for chain in entries:
            hops = chain.get("redirects") or []
            permanent = bool(hops) and hops[0].get("code") in (301, 308)
            if permanent and verdicts.get(chain["origin"]) != BROKEN:
                verdicts[chain["origin"]] = REDIRECTED
    return verdicts
