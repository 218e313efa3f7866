"""A report written by a forked child (report/output.py write_aside): what it wrote, what it was
refused, and a child that fails loses nothing."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from linkcheck.report import output

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forked on Linux only")


@pytest.fixture(autouse=True)
def _single_threaded():
    if threading.active_count() != 1:
        pytest.skip("another thread runs here: write_aside does not fork")


def test_the_child_writes_the_report(tmp_path):
    parent = os.getpid()
    aside = output.write_aside(tmp_path / "r.json", lambda f: f.write(f"{os.getpid()}\n"))
    assert aside is not None
    assert aside.finish() is None
    assert int((tmp_path / "r.json").read_text()) != parent
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_refusal_comes_back_naming_the_path(tmp_path):
    target = tmp_path / "missing" / "r.json"
    aside = output.write_aside(target, lambda f: f.write("x"))
    refused = aside.finish()
    assert isinstance(refused, output.OutputError)
    assert str(refused).startswith(f"{target}: cannot write the report: ")
    assert "No such file or directory" in str(refused)


def test_a_child_that_fails_otherwise_is_replaced_by_the_parent(tmp_path):
    parent = os.getpid()

    def produce(handle):
        if os.getpid() != parent:
            raise RuntimeError("the child's bug")
        handle.write("written here\n")

    aside = output.write_aside(tmp_path / "r.json", produce)
    assert aside.finish() is None
    assert (tmp_path / "r.json").read_text() == "written here\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_part_made_here_is_handed_to_the_child(tmp_path):
    """The child writes its part and the one this process made meanwhile (more than a pipe
    holds, unicode and a lone surrogate included): the parent is never held up by the pipe."""
    part = "é\udcff" + "x" * 300_000

    def parts(out, handed):
        out.write(f"{os.getpid()}:")
        out.write(handed().encode("utf-8", "surrogatepass").decode("utf-8", "replace"))

    aside = output.write_aside(tmp_path / "r.txt", lambda f: f.write("here"), parts)
    aside.hand(part)
    assert aside.finish() is None
    pid, _, text = (tmp_path / "r.txt").read_text("utf-8").partition(":")
    assert int(pid) != os.getpid()
    assert text == part.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def test_a_part_never_handed_over_leaves_the_report_to_the_parent(tmp_path):
    """The child stops waiting when this process finishes without handing its part (its own
    work failed): the report is written here, whole, with the writer that needs no part."""
    aside = output.write_aside(tmp_path / "r.txt", lambda f: f.write("written here"),
                               lambda out, handed: out.write("child " + handed()))
    assert aside.finish() is None
    assert (tmp_path / "r.txt").read_text("utf-8") == "written here"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]
