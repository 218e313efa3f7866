"""`linkcheck fix`: apply fixable findings, changing only the bytes of the URL or text at fault.

Fixes are applied in passes over the text held in memory: each pass re-extracts the links and
re-runs the rules, applies the fixes that do not overlap (the most important first), and the
next pass picks up what an overlapping fix left (tracking parameters in a URL that also moved).
A rule only offers a rewritten URL that a check verified (this run's, or the result store's),
so offline nothing is rewritten to an unchecked address.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, ConfigError
from .extract import extract_text
from .models import CheckResult, Document, Finding, Severity, Status
from .rules import RULES, apply_rules, build_context, extra_targets, find_rule
from .rules.base import url_sites
from .rules.source import Source

if TYPE_CHECKING:  # only named in annotations
    from .http.pool import PoolFactory

MAX_PASSES = 5
# When two fixes touch the same text, the one earlier here goes first; the other waits a pass.
ARCHIVED_COPY = "archived-copy"  # `--use-archive`: a dead link to its verified snapshot
OFFLINE_ARCHIVE = ("--use-archive changed nothing offline: a link is only pointed at its archived "
                   "copy once this run found it broken")
PRIORITY = (ARCHIVED_COPY, "moved-permanently", "insecure-http", "mojibake", "tracking-params",
            "bare-url")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] (which reads `original`) with `replacement`."""

    file: str
    start: int
    end: int
    original: str
    replacement: str
    rule: str
    line: int


@dataclass(frozen=True, slots=True)
class FileFix:
    """One file's text before and after, and the edits that made the difference."""

    file: str
    before: str
    after: str
    edits: tuple[Edit, ...]

    def diff(self) -> str:
        return unified_diff(self.file, self.before, self.after)


@dataclass(frozen=True, slots=True)
class FixOutcome:
    files: tuple[FileFix, ...]
    notes: tuple[str, ...] = ()  # fixes that could not be applied, and why

    @property
    def edit_count(self) -> int:
        return sum(len(f.edits) for f in self.files)


def selected_rules(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Slugs of the fixable rules named (slug or id); all fixable rules when none is named."""
    if not names:
        return frozenset(rule.slug for rule in RULES if rule.fixable)
    slugs = set()
    for name in names:
        rule = find_rule(name)
        if rule is None or not rule.fixable:
            fixable = ", ".join(r.slug for r in RULES if r.fixable)
            what = "not a fixable rule" if rule else "unknown rule"
            raise ConfigError(f"--rule {name}: {what} (fixable rules: {fixable})")
        slugs.add(rule.slug)
    return frozenset(slugs)


def fix_documents(
    documents: tuple[Document, ...],
    results: Mapping[str, CheckResult],
    config: Config,
    rules: frozenset[str],
    archive: Mapping[str, str] | None = None,
) -> FixOutcome:
    """Compute the fixes in memory; nothing is written. `archive` maps broken targets to the
    verified snapshots that replace them (`--use-archive`)."""
    sources = {d.file: s for d in documents if (s := Source.read(d.file)) is not None}
    originals = dict(sources)
    applied: dict[str, list[Edit]] = {}
    # written back only as the UTF-8 it was read as; an unreadable file is extraction's to name
    notes = [f"{d.file}: not UTF-8, so not fixed (save it as UTF-8 first)"
             for d in documents if d.file not in sources and os.path.isfile(d.file)]
    for _ in range(MAX_PASSES):
        docs = tuple(extract_text(sources[f].body, f) for f in (d.file for d in documents)
                     if f in sources)
        findings = [
            f for f in apply_rules(docs, results, config, sources)
            if f.rule in rules and f.replacement is not None
        ]
        findings += archive_findings(docs, archive or {})
        edits, problems = _plan(findings, sources)
        notes += problems
        if not edits:
            break
        for file, file_edits in edits.items():
            sources[file] = Source(file, apply_edits(sources[file].text, file_edits))
            applied.setdefault(file, []).extend(file_edits)
    files = tuple(
        FileFix(file, originals[file].text, sources[file].text, tuple(applied[file]))
        for file in sorted(applied)
        if sources[file].text != originals[file].text
    )
    return FixOutcome(files, tuple(dict.fromkeys(notes)))


def archive_findings(documents: tuple[Document, ...],
                     archive: Mapping[str, str]) -> list[Finding]:
    """Each place a URL with an archived copy is written, as a fix to that copy."""
    return [
        Finding(ARCHIVED_COPY, "", Severity.INFO, site.file, site.line, site.column,
                f"broken: use the archived copy {archive[site.resolved_url]}", url=site.url,
                original=site.url, replacement=archive[site.resolved_url])
        for document in documents
        for site in url_sites(document)
        if site.resolved_url in archive
    ]


def _plan(findings: list[Finding], sources: Mapping[str, Source]) -> tuple[dict, list[str]]:
    """Non-overlapping edits per file, the most important rule first."""
    order = {slug: i for i, slug in enumerate(PRIORITY)}
    findings = sorted(findings, key=lambda f: (order.get(f.rule, len(order)), f.file, f.line))
    edits: dict[str, list[Edit]] = {}
    problems: list[str] = []
    for finding in findings:
        edit = _edit(finding, sources[finding.file])
        if edit is None:
            problems.append(
                f"{finding.file}:{finding.line}: {finding.rule}: could not find "
                f"{finding.original!r} in the source; not fixed"
            )
            continue
        taken = edits.setdefault(finding.file, [])
        if not any(e.start < edit.end and edit.start < e.end for e in taken):
            taken.append(edit)  # an overlapping fix waits for the next pass
    return edits, problems


def _edit(finding: Finding, source: Source) -> Edit | None:
    original = finding.original or finding.url or ""
    at = source.locate_url(finding.line, finding.column, original)
    if at is None or finding.replacement is None or original == finding.replacement:
        return None
    return Edit(finding.file, at, at + len(original), original, finding.replacement,
                finding.rule, finding.line)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """`text` with non-overlapping edits applied; every other character is kept."""
    out, position = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        if text[edit.start : edit.end] != edit.original:
            raise ValueError(f"{edit.file}: edit at {edit.start} does not match the text")
        out += [text[position : edit.start], edit.replacement]
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def unified_diff(file: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{file}", tofile=f"b/{file}",
    )
    # like git, mark a last line without a line break instead of gluing it to the next one
    missing = "\n\\ No newline at end of file\n"
    return "".join(line if line.endswith(("\n", "\r")) else line + missing for line in lines)


def write(fix: FileFix) -> None:
    """Replace the file atomically with the fixed text, keeping its permissions.

    A symlink is written through: replacing the link itself would turn it into a copy.
    """
    path = Path(fix.file).resolve()
    data = fix.after.encode("utf-8")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def stored_results(
    documents: tuple[Document, ...], config: Config, now: datetime | None = None
) -> dict[str, CheckResult]:
    """Fresh-enough verdicts from the result store for the run's remote targets and the rules'
    extra targets; empty when there is no store. Never creates one."""
    path = Path(config.store.path)
    if not (config.store.enabled and path.is_file()):
        return {}
    from .history.store import StoreError, open_store

    store, _notes = open_store(path)
    if store is None:
        return {}
    targets = {link.resolved_url for d in documents for link in d.links if link.is_remote}
    targets.update(extra_targets(build_context(documents, {}, config)))
    try:
        return store.reusable(sorted(targets), now or datetime.now(UTC), config.store.max_age)
    except StoreError:
        return {}
    finally:
        store.close()


def verified_results(
    documents: tuple[Document, ...], results: Mapping[str, CheckResult], config: Config
) -> dict[str, CheckResult]:
    """This run's results, with stored verdicts standing in for what was not fetched (offline)
    or could not be verified (no network)."""
    merged = dict(results)
    for target, stored in stored_results(documents, config).items():
        current = merged.get(target)
        if current is None or current.status in (Status.UNCHECKED, Status.UNVERIFIABLE):
            merged[target] = stored
    return merged


def fix(
    config: Config,
    paths: list[str] | None = None,
    rules: tuple[str, ...] = (),
    *,
    dry_run: bool,
    pool_factory: PoolFactory | None = None,
    use_archive: bool = False,
) -> FixOutcome:
    """Check the files (offline: use the result store), fix them, and write unless `dry_run`.

    With `use_archive`, broken links with a verified archived copy are pointed at it."""
    from .pipeline import run

    wanted = selected_rules(rules)
    if use_archive and not config.archive.enabled:
        config = dataclasses.replace(config, archive=dataclasses.replace(config.archive,
                                                                         enabled=True))
    result = run(config, paths, pool_factory=pool_factory)
    results = verified_results(result.documents, result.results, config)
    archive = {t: r.suggestion for t, r in result.results.items() if r.suggestion} \
        if use_archive else None
    outcome = fix_documents(result.documents, results, config, wanted, archive)
    if use_archive and config.offline:
        outcome = dataclasses.replace(outcome, notes=(*outcome.notes, OFFLINE_ARCHIVE))
    if not dry_run:
        for file_fix in outcome.files:
            write(file_fix)
    return outcome
