"""Count how many conformance expectations hold: spec examples, peers' fixtures, slugger cases.

    python benchmarks/conformance_counts.py            # the code on sys.path (this checkout)
    PYTHONPATH=OLD/src python benchmarks/conformance_counts.py   # an older linkcheck, same data

The tests (tests/extract/test_conformance_spec.py, tests/check/test_conformance_peers.py)
assert that every expectation holds; this script prints how many do, so a change can be
described as "N of M before, M of M after". It reads the expectations from those test modules
and runs offline in temporary folders; nothing asserts and nothing touches the network.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "extract"), str(TESTS / "check")]

import test_conformance_peers as peers  # noqa: E402
import test_conformance_spec as spec  # noqa: E402

from linkcheck import cli  # noqa: E402


def spec_counts() -> None:
    held, total = Counter(), Counter()
    for example in spec.ALL_EXAMPLES:
        if (example.spec, example.number) in spec.EXCLUDED:
            continue
        total[example.spec] += 1
        held[example.spec] += spec.found_targets(example) == spec.expected_targets(example)
    for name in spec.SPECS:
        print(f"spec {name}: {held[name]}/{total[name]} examples")


def peer_counts() -> None:
    cwd = os.getcwd()
    for peer, (folder, files, expected, _unmapped) in sorted(peers.CASES.items()):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(peers.PEERS, Path(tmp) / "peers")
            root = Path(tmp) / "peers" / folder
            if peer == "remark-validate-links":
                for name, text in peers.REMARK_GENERATED.items():
                    (root / name).write_text(text, encoding="utf-8")
            os.chdir(root)
            argv = ["run", "--offline", "-q", "--no-cache", "--output-dir", "_reports", *files]
            quiet = io.StringIO()
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                cli.main(argv)
            links = json.loads((root / "_reports" / "linkcheck.json").read_text("utf-8"))["links"]
            os.chdir(cwd)
        found = {f"{e['file']}:{e['line']} {e['status']} {e['url']}" for e in links}
        missed = [e for e in expected if e not in found]
        print(f"peer {peer}: {len(expected) - len(missed)}/{len(expected)} expectations")
        for entry in missed:
            print(f"    not held: {entry}")


def slugger_counts() -> None:
    fixtures = json.loads((peers.PEERS / "github-slugger" / "fixtures.json").read_text("utf-8"))
    slugger = peers.Slugger()
    held = sum(slugger.slug(f["input"]) == f["expected"] for f in fixtures)
    print(f"github-slugger fixtures: {held}/{len(fixtures)}")


if __name__ == "__main__":
    spec_counts()
    peer_counts()
    slugger_counts()
