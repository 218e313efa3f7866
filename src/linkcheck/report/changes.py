"""The change since the last report: new, still broken and fixed problems against a baseline JSON.

A problem is a failing link (broken or new failure) identified by its file and resolved target,
so moving a line does not make an old problem look new. Only the result store knows how long a
remote link has failed; local problems carry no run count, so an unchanged curriculum gives the
same report run after run. A problem of the baseline counts as
fixed only when this run looked at its file and either verified the link or found it gone;
a file outside this run, or a link that could not be verified now, proves nothing.

Reading a big report back costs more than the rest of a report's work, so the run that writes
one also keeps its failing entries beside the result store, under the SHA-256 of the report's
bytes: a baseline with those very bytes is read from there (any other is parsed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..models import Change, Changes, Link, RunResult, Status
from .json_report import link_entry
from .output import OutputError, write_text
from .problems import sorted_links

FAILING = (Status.BROKEN, Status.NEW_FAILURE)
_VERIFIED = (Status.OK, Status.REDIRECTED)
_FAILING_VALUES = tuple(str(s) for s in FAILING)  # a tuple: an entry's status may be a list
INDEX_NAME = "baseline-index.json"  # beside the result store
_INDEX_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Baseline:
    """The failing links of a previous report."""

    name: str
    problems: dict[tuple[str, str], dict[str, Any]]  # (file, target) -> link entry


def load_baseline(path: Path, required: bool = False,
                  index: Path | None = None) -> tuple[Baseline | None, tuple[str, ...]]:
    """Read a previous JSON report; a missing or unreadable one gives None and says why.

    The default baseline may well be missing (a first run); a `required` one, named by the
    user, is worth a note when it is. `index`: where the run that wrote the report kept its
    failing entries (`remember_baseline`), used when they belong to these very bytes.
    """
    if not path.exists():
        note = f"{path}: baseline report not found; every problem is listed as new"
        return None, (note,) if required else ()
    try:
        indexed = _indexed(index, _digest(path)) if index is not None else None
        if indexed is not None:
            return Baseline(str(path), indexed), ()
        text = path.read_bytes().decode("utf-8")
        if "\r" in text:  # as reading the file as text would give it
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, (f"{path}: cannot read the previous report ({exc}); "
                      "every problem is listed as new",)
    return _baseline(path, data)


def _baseline(path: Path, data: Any) -> tuple[Baseline | None, tuple[str, ...]]:
    links = data.get("links") if isinstance(data, dict) else None
    if not isinstance(links, list):
        return None, (f"{path}: not a linkcheck JSON report (no 'links' list); "
                      "every problem is listed as new",)
    problems: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in links:
        if _is_failing_entry(entry):
            problems.setdefault((entry["file"], entry["resolved_url"]), entry)
    return Baseline(str(path), problems), ()


def remember_baseline(report: Path, run: RunResult, index: Path) -> None:
    """Keep the failing entries of the JSON report just written to `report` in `index`, under
    the digest of its bytes: what `load_baseline` would read from that report, without
    parsing it. A cache: when it cannot be written, the next run parses the report."""
    problems: dict[tuple[str, str], dict[str, Any]] = {}
    results = run.results
    failing = {target for target, result in results.items() if result.status in FAILING}
    for link in sorted_links(run, failing):  # the report's order: the first entry is kept
        entry = link_entry(link, results[link.resolved_url])
        problems.setdefault((entry["file"], entry["resolved_url"]), entry)
    try:
        document = {"format": _INDEX_FORMAT, "sha256": _digest(report),
                    "entries": list(problems.values())}
        write_text(index, json.dumps(document, ensure_ascii=False))
    except (OSError, OutputError):
        pass  # an index left from before names another report's digest: never used for this one


def _digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks (a report of 100,000 links is ~90 MB)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _indexed(index: Path, digest: str) -> dict[tuple[str, str], dict[str, Any]] | None:
    """The failing entries `index` keeps for the report whose bytes have this digest."""
    try:
        document = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if (not isinstance(document, dict) or document.get("format") != _INDEX_FORMAT
            or document.get("sha256") != digest
            or not isinstance(document.get("entries"), list)):
        return None
    entries = document["entries"]
    if not all(_is_failing_entry(entry) for entry in entries):
        return None
    return {(entry["file"], entry["resolved_url"]): entry for entry in entries}


def _is_failing_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("file"), str)
        and isinstance(entry.get("resolved_url"), str)
        and entry.get("status") in _FAILING_VALUES
    )


def compare(run: RunResult, baseline: Baseline | None) -> Changes:
    first: dict[tuple[str, str], Link] = {}
    for link in sorted(run.links, key=_PLACE):
        first.setdefault((link.file, link.resolved_url), link)
    failing = {key: link for key, link in first.items() if _status(run, link) in FAILING}
    before = baseline.problems if baseline else {}
    new = [_change(run, link) for key, link in failing.items() if key not in before]
    still = [_change(run, link, before[key]) for key, link in failing.items() if key in before]
    scanned = {doc.file for doc in run.documents}
    fixed = []
    for key, entry in before.items():
        if key in failing or key[0] not in scanned:
            continue
        link = first.get(key)
        if link is None:
            fixed.append(_gone(entry))
        elif _status(run, link) in _VERIFIED:
            fixed.append(_change(run, link, entry))
    order = _order
    return Changes(
        baseline.name if baseline else None,
        tuple(sorted(new, key=order)), tuple(sorted(still, key=order)),
        tuple(sorted(fixed, key=order)),
    )


_PLACE = attrgetter("file", "line", "column")


def _status(run: RunResult, link: Link) -> Status:
    return run.result_for(link).status


def _order(change: Change) -> tuple:
    return (change.file, change.line, change.target)


def _change(run: RunResult, link: Link, previous: dict[str, Any] | None = None) -> Change:
    result = run.result_for(link)
    return Change(
        file=link.file, line=link.line, url=link.url, target=link.resolved_url,
        status=str(result.status), reason=result.reason,
        previous_status=str(previous.get("status")) if previous else None,
        since=result.first_failed_at, failed_runs=result.failed_runs,
    )


def _gone(entry: dict[str, Any]) -> Change:
    line = entry.get("line")
    return Change(
        file=entry["file"], line=line if isinstance(line, int) else 0,
        url=str(entry.get("url", entry["resolved_url"])), target=entry["resolved_url"],
        status="removed", reason="the link is no longer in the file",
        previous_status=str(entry.get("status")),
    )
