"""A worker process started one of two ways, behind one interface (`Child`).

Forked (`forked`), where that is safe: on Linux, from a main process with no other thread. The
child starts with what the main process has imported (most of the package) instead of the
quarter second a fresh interpreter spends importing; the HTTP stack it alone needs it imports
itself (spread.py does not load it), on its own core while the main process reads the first
file, so that CPU is not on the run's critical path. Otherwise (`spawned`) a fresh interpreter runs
`python -m linkcheck.check.remote.worker`. Either way the worker talks over its standard
input and output (worker.py) and its standard error only ever carries a crash.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Protocol

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # where `linkcheck` is imported from
COMMAND = (sys.executable, "-m", "linkcheck.check.remote.worker")
_KEPT: list[object] = []  # a forked child's inherited stdio objects: never flushed or closed


class Child(Protocol):
    stdout: asyncio.StreamReader
    stderr: asyncio.StreamReader

    @property
    def returncode(self) -> int | None: ...

    def write(self, data: bytes) -> None: ...

    def input_open(self) -> bool: ...

    def close_input(self) -> None: ...

    def kill(self) -> None: ...

    async def wait(self) -> int: ...


def may_fork() -> bool:
    """Whether a child may be forked: Linux, and no thread that could hold a lock the child
    would inherit locked."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


async def spawned() -> Child:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))))}
    process = await asyncio.create_subprocess_exec(
        *COMMAND, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    return _Spawned(process)


class _Spawned:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.stdout, self.stderr = process.stdout, process.stderr

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def write(self, data: bytes) -> None:
        self._process.stdin.write(data)

    def input_open(self) -> bool:
        stdin = self._process.stdin
        return stdin is not None and not stdin.is_closing()

    def close_input(self) -> None:
        self._process.stdin.close()

    def kill(self) -> None:
        try:
            self._process.kill()
        except ProcessLookupError:
            pass

    async def wait(self) -> int:
        return await self._process.wait()


async def forked(inherited: list[int]) -> Child:
    """Fork a worker; `inherited`: descriptors of earlier children's pipes, which this one
    closes (a child holding another's input open would keep that one from ever stopping)."""
    to_child, into = os.pipe()
    out, from_child = os.pipe()
    errors, error_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _become_worker(to_child, from_child, error_end, [into, out, errors, *inherited])
    for fd in (to_child, from_child, error_end):
        os.close(fd)
    inherited += [into, out, errors]
    loop = asyncio.get_running_loop()
    readers = []
    for fd in (out, errors):
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda r=reader: asyncio.StreamReaderProtocol(r),
                                     os.fdopen(fd, "rb", buffering=0))
        readers.append(reader)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol,
                                                 os.fdopen(into, "wb", buffering=0))
    return _Forked(pid, transport, *readers)


class _Forked:
    def __init__(self, pid: int, stdin: asyncio.WriteTransport, stdout: asyncio.StreamReader,
                 stderr: asyncio.StreamReader) -> None:
        self.pid, self._stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        if self._code is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def write(self, data: bytes) -> None:
        self._stdin.write(data)

    def input_open(self) -> bool:
        return not self._stdin.is_closing()

    def close_input(self) -> None:
        self._stdin.close()

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)

    async def wait(self) -> int:
        while (code := self.returncode) is None:
            await asyncio.sleep(0.005)
        return code


def _become_worker(stdin: int, stdout: int, stderr: int, close: list[int]) -> None:
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
