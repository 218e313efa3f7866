"""The run as a handful of calls: discover, extract, check, apply rules; the CLI reports."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .check.local import check_local
from .config import Config
from .discover import discover
from .extract import extract_file
from .models import CheckResult, Document, Finding, Link, Status
from .rules import apply_rules


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run found, ready for the reporters."""

    documents: tuple[Document, ...]
    results: dict[str, CheckResult]  # verdict per target (Link.resolved_url)
    findings: tuple[Finding, ...] = ()
    offline: bool = False
    network_down: bool = False
    notes: tuple[str, ...] = field(default=())  # run-level messages for the reports

    @property
    def links(self) -> list[Link]:
        return [link for doc in self.documents for link in doc.links]

    def result_for(self, link: Link) -> CheckResult:
        return self.results[link.resolved_url]

    def count(self, status: Status) -> int:
        return sum(1 for link in self.links if self.result_for(link).status == status)


def run(config: Config, paths: list[str] | None = None) -> RunResult:
    """Discover, extract, check and apply rules."""
    files = discover(paths or list(config.paths), config.exclude_paths)
    documents = tuple(extract_file(path) for path in files)
    results = check_local(documents)
    remote_targets = sorted(
        {link.resolved_url for doc in documents for link in doc.links if link.is_remote}
    )
    results.update(_classify_without_fetch(remote_targets, config))
    to_fetch = [t for t in remote_targets if t not in results]
    network_down = False
    if config.offline:
        results.update(
            {t: CheckResult(t, Status.UNCHECKED, "not checked (--offline)") for t in to_fetch}
        )
    elif to_fetch:
        from .check.remote import check_remote

        outcome = asyncio.run(check_remote(to_fetch, config))
        results.update(outcome.results)
        network_down = outcome.network_down
    findings = tuple(apply_rules(documents, results, config))
    return RunResult(documents, results, findings, config.offline, network_down)


def _classify_without_fetch(targets: list[str], config: Config) -> dict[str, CheckResult]:
    return {
        t: CheckResult(t, Status.EXCLUDED, "excluded by configuration")
        for t in targets
        if config.is_excluded(t)
    }


