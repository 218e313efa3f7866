"""What a remote check hands back: its verdicts and what it learnt on the way.

A module of its own, light to import: the main process of a run whose checks are made by worker
processes only ever sees outcomes, and need not load the HTTP stack that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models import CheckResult


@dataclass(frozen=True, slots=True)
class RemoteOutcome:
    results: dict[str, CheckResult]  # keyed by the exact URL passed in (fragment included)
    network_down: bool
    requests_sent: int = 0
    notes: tuple[str, ...] = ()  # run-level messages (a site API that stopped helping...)
    # what the extras' probes found: origin -> why it gave no answer at all, None if it answered
    origins_answered: dict[str, str | None] = field(default_factory=dict)
