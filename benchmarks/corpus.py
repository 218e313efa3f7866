"""Generate the benchmark corpus: markdown files linking to loopback hosts, plus the truth.

The truth file is the single description of the simulated web: the server reads it to decide
what each URL answers, and the harness reads it to score each tool's verdicts.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

FIRST_HOST = 2  # 127.0.0.1 is left alone: hosts are 127.0.0.2, 127.0.0.3, ...
LINKS_PER_SECTION = 25
DEFAULT_SEED = 20241


class Truth(StrEnum):
    """What a correct checker should conclude about a URL."""

    OK = "ok"
    BROKEN = "broken"  # answers 404
    REDIRECTED = "redirected"  # answers 301/308 to a page that answers 200: not broken
    DEAD = "dead"  # its host refuses connections or never answers: failing or unverifiable


@dataclass(frozen=True, slots=True)
class Target:
    """One unique URL of the corpus and how the simulated web answers it."""

    url: str
    host: str
    path: str
    truth: Truth
    status: int  # what the server answers at `path`
    location: str | None = None  # absolute URL of the redirect target (which answers 200)


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    urls: int = 5000
    files: int = 20
    hosts: int = 100
    links_per_url: int = 2
    broken_share: float = 0.05
    redirect_share: float = 0.05
    seed: int = DEFAULT_SEED
    port: int = 0


@dataclass(frozen=True, slots=True)
class Corpus:
    spec: CorpusSpec
    markdown_dir: Path
    truth_path: Path
    targets: tuple[Target, ...] = field(default=())

    @property
    def truth(self) -> dict[str, Truth]:
        return {t.url: t.truth for t in self.targets}


def host_addresses(count: int) -> list[str]:
    """Loopback addresses 127.0.0.2 ... ; at most 253 so they stay in 127.0.0.0/24."""
    if not 1 <= count <= 253:
        raise ValueError(f"hosts must be between 1 and 253, got {count}")
    return [f"127.0.0.{FIRST_HOST + i}" for i in range(count)]


def is_rate_limited(host_index: int) -> bool:
    """Every tenth host answers 429 when too many of its requests are in flight."""
    return host_index % 10 == 9


def plan_targets(spec: CorpusSpec) -> list[Target]:
    """Decide every URL and its behaviour, deterministically from the seed."""
    if spec.port <= 0:
        raise ValueError("the port must be known before the corpus is planned")
    rng = random.Random(spec.seed)
    hosts = host_addresses(spec.hosts)
    n_broken = round(spec.urls * spec.broken_share)
    n_redirect = round(spec.urls * spec.redirect_share)
    verdicts = (
        [Truth.BROKEN] * n_broken
        + [Truth.REDIRECTED] * n_redirect
        + [Truth.OK] * (spec.urls - n_broken - n_redirect)
    )
    rng.shuffle(verdicts)
    targets = []
    for i, truth in enumerate(verdicts):
        host = hosts[i % len(hosts)]
        token = f"{rng.getrandbits(40):010x}"
        path = f"/doc/{i:05d}-{token}"
        base = f"http://{host}:{spec.port}"
        if truth is Truth.REDIRECTED:
            status, location = rng.choice((301, 308)), f"{base}/new/{i:05d}-{token}"
        else:
            status, location = (404 if truth is Truth.BROKEN else 200), None
        targets.append(Target(base + path, host, path, truth, status, location))
    return targets


def build_corpus(root: Path, spec: CorpusSpec) -> Corpus:
    """Write the markdown files under root/corpus and the truth to root/truth.json."""
    targets = plan_targets(spec)
    markdown_dir = root / "corpus"
    markdown_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed + 1)
    occurrences = [t for t in targets for _ in range(spec.links_per_url)]
    rng.shuffle(occurrences)
    per_file = -(-len(occurrences) // spec.files)
    for n in range(spec.files):
        chunk = occurrences[n * per_file : (n + 1) * per_file]
        (markdown_dir / f"topic-{n + 1:02d}.md").write_text(_render(n + 1, chunk), "utf-8")
    truth_path = root / "truth.json"
    document = {"spec": asdict(spec), "targets": [asdict(t) for t in targets]}
    truth_path.write_text(json.dumps(document, indent=1), "utf-8")
    return Corpus(spec, markdown_dir, truth_path, tuple(targets))


def load_targets(truth_path: Path) -> list[Target]:
    document = json.loads(truth_path.read_text("utf-8"))
    return [
        Target(**{**item, "truth": Truth(item["truth"])}) for item in document["targets"]
    ]


def _render(number: int, targets: list[Target]) -> str:
    lines = [f"# Topic {number}", "", "Reading list for this topic.", ""]
    for i, target in enumerate(targets):
        if i % LINKS_PER_SECTION == 0:
            lines += ["", f"## Part {i // LINKS_PER_SECTION + 1}", ""]
        name = target.path.rsplit("/", 1)[-1]
        # A mix of inline links and autolinks, the two forms curricula use most.
        if i % 10 == 9:
            lines.append(f"- Also see <{target.url}>")
        else:
            lines.append(f"- [Resource {name}]({target.url}) for background reading")
    return "\n".join(lines) + "\n"
