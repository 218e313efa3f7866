"""A worker process forked as the command starts, before the main process imports the rest.

A run's workers (spread.py) spend their first tenth of a second or so importing the HTTP stack.
One forked when `linkcheck run` starts (`on_start`), before the main process has imported its
parser, rules and reports, read its configuration or found its files, imports it on another
core meanwhile and is ready by the time the first file's URLs are. Only one: the main process
is what the first request waits for, and more children importing at once would take its core
(the run forks the others once it knows it wants them, and they import while the first file
is read). This is a guess made from the command line alone: the run decides later how many
workers it wants and takes this one first (`take`); one that no run takes (an offline run, a
small one checked in the main process) is dismissed (`dismiss`) and exits as soon as its input
closes, having cost a fork and an import on a spare core. Forking is only done where it is safe
(`may_fork`), and this module imports nothing the main process would not.
"""

from __future__ import annotations

import os
import sys
import threading

MAX_WORKERS = 4  # a run's most workers (spread.py): past this, the hosts' latency bounds a run
# Options that make a run check no remote link in worker processes.
_NO_WORKERS = ("--offline", "--changed-since", "--help", "-h")


class Ready:
    """A forked worker, waiting for its first message: its pid and this process's ends of its
    pipes (its input; its output and standard error). A plain class: importing dataclasses
    would cost the fork about 10 ms."""

    __slots__ = ("pid", "into", "out", "errors")

    def __init__(self, pid: int, into: int, out: int, errors: int) -> None:
        self.pid, self.into, self.out, self.errors = pid, into, out, errors


_READY: list[Ready] = []  # forked and not taken yet


def on_start(argv: list[str]) -> None:
    """Fork a worker if `linkcheck` with these arguments is a run that will likely want one."""
    if _may_want_workers(argv):
        start(1)


def _may_want_workers(argv: list[str]) -> bool:
    if "run" not in argv or any(a in _NO_WORKERS or a.startswith("--changed-since=")
                                for a in argv):
        return False
    workers_off = "--workers=1" in argv or _after(argv, "--workers") == "1"  # 0 is automatic
    return not workers_off and cores() >= 2


def _after(argv: list[str], option: str) -> str | None:
    try:
        return argv[argv.index(option) + 1]
    except (ValueError, IndexError):
        return None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def may_fork() -> bool:
    """Whether a child may be forked now: Linux, and no thread that could hold a lock the
    child would inherit locked."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def start(count: int) -> None:
    """Fork `count` workers now (none where forking is not safe)."""
    for _ in range(count):
        if not may_fork():
            return
        try:
            _READY.append(fork_worker(held()))
        except OSError:
            return  # out of processes or descriptors: the run forks (or checks) itself later


def fork_worker(close: list[int]) -> Ready:
    """Fork a worker with pipes of its own; `close`: this process's ends of other workers'
    pipes, which the child closes (a child holding another's input open would keep that one
    from ever stopping)."""
    to_child, into = os.pipe()
    out, from_child = os.pipe()
    errors, error_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (to_child, into, out, from_child, errors, error_end):
            os.close(fd)
        raise
    if pid == 0:
        from .child import become_worker  # the child's own import: it needs asyncio

        become_worker(to_child, from_child, error_end, [into, out, errors, *close])
    for fd in (to_child, from_child, error_end):
        os.close(fd)
    return Ready(pid, into, out, errors)


def take() -> Ready | None:
    """A worker forked at the start, if one is left."""
    return _READY.pop(0) if _READY else None


def available() -> bool:
    return bool(_READY)


def held() -> list[int]:
    """This process's ends of the pipes of the workers not taken yet."""
    return [fd for ready in _READY for fd in (ready.into, ready.out, ready.errors)]


def dismiss() -> None:
    """End the workers no run took: their input closes, and they exit without a word."""
    while _READY:
        ready = _READY.pop()
        for fd in (ready.into, ready.out, ready.errors):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.waitpid(ready.pid, os.WNOHANG)  # reaped now if it has ended already
        except ChildProcessError:
            pass
