"""The forked child's side of a worker (prefork.py forks it): it becomes the worker."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import traceback

_KEPT: list[object] = []  # a forked child's inherited stdio objects: never flushed or closed


def become_worker(stdin: int, stdout: int, stderr: int, close: list[int]) -> None:
    """In the forked child: drop the parent's event loop and pipes, take the worker's stdio,
    run the worker, and end without the parent's exit handlers or buffered output."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)  # the parent's loop's: a signal here must not wake it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        asyncio.events._set_running_loop(None)  # the parent's loop is not this process's
        for fd in close:
            try:
                os.close(fd)
            except OSError:
                pass  # already closed
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        _KEPT.append((sys.stdin, sys.stdout, sys.stderr))  # the parent's unwritten output stays
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own, for its life
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
        random.seed()
        from .worker import main

        code = main()
    except BaseException:  # noqa: BLE001 - whatever it was, the parent reads it and goes on
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)
