"""Plan a simulated web shaped like a real curriculum at 10x, and write its markdown and truth.

The curriculum in curriculum/ links ~180 URLs on ~90 hosts, almost all https, a tenth of them on
one code host. At 10x: ~2,000 URLs, mostly https; a few big hosts (the biggest carries a quarter
of the URLs and answers 429 with Retry-After while more than 4 of its requests are in flight);
a long tail of small hosts; a host that refuses connections and one that accepts them and never
answers (tens of URLs each); ~3 % 404, ~5 % permanent redirects; lognormal latency (median
~80 ms, p99 ~1.5 s) and page sizes. Hosts are loopback addresses 127.77.x.y on ports 443 and
80, so URLs look like real ones (`https://127.77.0.5/guide/...`, no port).

The truth file is the single description of this web: simweb_tls.py serves it, the harness
scores each tool's verdicts against it. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from statistics import NormalDist

from corpus import Truth

DEFAULT_SEED = 20261201
LATENCY_MEDIAN = 0.080  # seconds
LATENCY_SIGMA = math.log(1.5 / LATENCY_MEDIAN) / 2.326  # p99 = 1.5 s
LATENCY_MAX = 6.0  # below any per-request timeout the benchmark uses
NORMAL = NormalDist()
PAGE_MEDIAN = 32 * 1024  # bytes
PAGE_SIGMA = 0.8
PAGE_MIN, PAGE_MAX = 2 * 1024, 1536 * 1024
WORDS = ("model", "training", "pipeline", "feature", "deploy", "monitor", "docker", "python",
         "kubernetes", "tutorial", "guide", "course", "notebook", "dataset", "metrics", "api")


class Role(StrEnum):
    """How a host behaves."""

    RATE_LIMITED = "rate-limited"  # https; 429 + Retry-After past the limit in flight
    BIG = "big"  # https, many URLs
    TAIL = "tail"  # https, a few URLs; some linked as http:// (answering 301 to https)
    HTTP_ONLY = "http-only"  # port 80 only: the https:// twin is refused
    REFUSING = "refusing"  # nothing listens: every connection is refused
    HANGING = "hanging"  # accepts connections on 443 and never answers (TLS never completes)


@dataclass(frozen=True, slots=True)
class WebSpec:
    urls: int = 2000
    files: int = 50
    tail_hosts: int = 112
    big_shares: tuple[float, ...] = (0.25, 0.08, 0.06, 0.04)  # the first is rate-limited
    dead_urls: int = 30  # on the refusing host, and again on the hanging host
    http_only_hosts: int = 3
    http_only_urls: int = 15  # per http-only host
    http_share_on_tail: float = 0.06  # tail URLs written http:// (the host redirects to https)
    broken_share: float = 0.03
    moved_share: float = 0.025  # path moves (301/308); with the http -> https ones about 5 %
    fragment_share: float = 0.02
    repeat_share: float = 0.15  # URLs linked two or three times
    net: str = "127.77"
    seed: int = DEFAULT_SEED


@dataclass(frozen=True, slots=True)
class Host:
    address: str
    role: Role
    rate_limited: bool = False

    @property
    def https(self) -> bool:
        return self.role in (Role.RATE_LIMITED, Role.BIG, Role.TAIL)

    @property
    def http(self) -> bool:
        return self.role in (Role.TAIL, Role.HTTP_ONLY, Role.BIG)


@dataclass(frozen=True, slots=True)
class WebTarget:
    """One unique URL as written, and what its host answers at (scheme, path)."""

    url: str
    host: str
    scheme: str
    path: str
    truth: Truth
    status: int  # 0 on a dead host
    location: str | None = None  # absolute URL of a redirect's target (which answers 200)
    fragment: str = ""


@dataclass(frozen=True, slots=True)
class Web:
    spec: WebSpec
    hosts: tuple[Host, ...]
    targets: tuple[WebTarget, ...]
    markdown_dir: Path = Path()
    truth_path: Path = Path()
    extra: dict = field(default_factory=dict)

    @property
    def truth(self) -> dict[str, Truth]:
        return {t.url: t.truth for t in self.targets}


def _unit(key: str, salt: int) -> float:
    """A deterministic uniform draw in (0, 1) for a key: the same answer on every request."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


def _lognormal(key: str, salt: int, median: float, sigma: float) -> float:
    return median * math.exp(sigma * NORMAL.inv_cdf(_unit(key, salt)))


def latency_for(host: str, path: str) -> float:
    """Seconds before the answer starts: lognormal, median 80 ms, p99 1.5 s."""
    value = _lognormal(host + path, 1, LATENCY_MEDIAN, LATENCY_SIGMA)
    return min(max(value, 0.005), LATENCY_MAX)


def page_size_for(host: str, path: str) -> int:
    value = _lognormal(host + path, 2, PAGE_MEDIAN, PAGE_SIGMA)
    return int(min(max(value, PAGE_MIN), PAGE_MAX))


def plan_hosts(spec: WebSpec) -> list[Host]:
    roles = ([Role.RATE_LIMITED] + [Role.BIG] * (len(spec.big_shares) - 1)
             + [Role.REFUSING, Role.HANGING] + [Role.HTTP_ONLY] * spec.http_only_hosts
             + [Role.TAIL] * spec.tail_hosts)
    if len(roles) > 250 * 250:
        raise ValueError("too many hosts")
    return [Host(f"{spec.net}.{i // 250}.{2 + i % 250}", role, role is Role.RATE_LIMITED)
            for i, role in enumerate(roles)]


def _url_counts(spec: WebSpec, hosts: list[Host]) -> list[int]:
    """URLs per host: the big shares, the fixed dead and http-only counts, a Zipf-like tail."""
    counts = [round(spec.urls * share) for share in spec.big_shares]
    counts += [spec.dead_urls, spec.dead_urls] + [spec.http_only_urls] * spec.http_only_hosts
    left = spec.urls - sum(counts)
    weights = [1 / (k + 1) ** 0.9 for k in range(spec.tail_hosts)]
    tail = [max(1, math.floor(left * w / sum(weights))) for w in weights]
    tail[0] += left - sum(tail)
    return counts + tail


def plan_targets(spec: WebSpec, hosts: list[Host]) -> list[WebTarget]:
    rng = random.Random(spec.seed)
    targets: list[WebTarget] = []
    for host, count in zip(hosts, _url_counts(spec, hosts), strict=True):
        for n in range(count):
            targets.append(_plan_one(spec, rng, host, n))
    return targets


def _plan_one(spec: WebSpec, rng: random.Random, host: Host, n: int) -> WebTarget:
    words = "-".join(rng.sample(WORDS, 2))
    path = f"/{rng.choice(('docs', 'blog', 'guide', 'course', 'wiki'))}/{words}-{n:04d}"
    if host.role in (Role.REFUSING, Role.HANGING):
        return WebTarget(f"https://{host.address}{path}", host.address, "https", path,
                         Truth.DEAD, 0)
    scheme = "http" if host.role is Role.HTTP_ONLY else "https"
    base = f"{scheme}://{host.address}"
    draw = rng.random()
    if host.role is Role.TAIL and draw < spec.http_share_on_tail:
        # linked as http://, the host answers a permanent redirect to its https:// form
        return WebTarget(f"http://{host.address}{path}", host.address, "http", path,
                         Truth.REDIRECTED, 301, f"https://{host.address}{path}")
    draw = rng.random()
    if draw < spec.broken_share:
        return WebTarget(base + path, host.address, scheme, path, Truth.BROKEN, 404)
    if draw < spec.broken_share + spec.moved_share:
        status = rng.choice((301, 308))
        return WebTarget(base + path, host.address, scheme, path, Truth.REDIRECTED, status,
                         f"{base}/moved{path}")
    fragment = f"section-{rng.randrange(1, 9)}" if rng.random() < spec.fragment_share else ""
    url = base + path + (f"#{fragment}" if fragment else "")
    return WebTarget(url, host.address, scheme, path, Truth.OK, 200, None, fragment)


def build_web(root: Path, spec: WebSpec) -> Web:
    """Write the markdown under root/corpus and the truth to root/truth.json."""
    hosts = plan_hosts(spec)
    targets = plan_targets(spec, hosts)
    markdown_dir = root / "corpus"
    markdown_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed + 1)
    occurrences = []
    for t in targets:
        repeats = rng.choice((2, 3)) if rng.random() < spec.repeat_share else 1
        occurrences += [t] * repeats
    rng.shuffle(occurrences)
    per_file = -(-len(occurrences) // spec.files)
    for n in range(spec.files):
        chunk = occurrences[n * per_file : (n + 1) * per_file]
        (markdown_dir / f"module-{n + 1:02d}.md").write_text(_render(n + 1, chunk, rng), "utf-8")
    truth_path = root / "truth.json"
    document = {"spec": asdict(spec), "hosts": [asdict(h) for h in hosts],
                "targets": [asdict(t) for t in targets], "links": len(occurrences)}
    truth_path.write_text(json.dumps(document, indent=1), "utf-8")
    return Web(spec, tuple(hosts), tuple(targets), markdown_dir, truth_path,
               {"links": len(occurrences)})


def load_web(truth_path: Path) -> tuple[list[Host], list[WebTarget]]:
    document = json.loads(truth_path.read_text("utf-8"))
    hosts = [Host(h["address"], Role(h["role"]), h["rate_limited"]) for h in document["hosts"]]
    targets = [WebTarget(**{**t, "truth": Truth(t["truth"])}) for t in document["targets"]]
    return hosts, targets


def _render(number: int, targets: list[WebTarget], rng: random.Random) -> str:
    """A module page: sections of resources, as inline links, autolinks and reference links."""
    lines = [f"# Module {number}", "", "Resources for this module, grouped by topic.", ""]
    references: list[str] = []
    for i, target in enumerate(targets):
        if i % 12 == 0:
            lines += ["", f"## Topic {number}.{i // 12 + 1}", ""]
        name = target.path.rsplit("/", 1)[-1].replace("-", " ")
        form = rng.random()
        if form < 0.1:
            lines.append(f"- Also see <{target.url}>")
        elif form < 0.2:
            label = f"ref-{number}-{i}"
            lines.append(f"- [{name.title()}][{label}], a longer read")
            references.append(f"[{label}]: {target.url}")
        else:
            lines.append(f"- [{name.title()}]({target.url}) for background reading")
    return "\n".join(lines + [""] + references) + "\n"
