"""A worker process started one of two ways, behind one interface (`Child`).

Forked (`forked`), where that is safe: on Linux, from a main process with no other thread,
mostly as the command starts (prefork.py). The child starts with what the main process has
imported instead of the quarter second a fresh interpreter spends importing; the HTTP stack it
alone needs it imports itself (spread.py does not load it), on its own core while the main
process gets ready, so that CPU is not on the run's critical path. Otherwise (`spawned`) a
fresh interpreter runs `python -m linkcheck.check.remote.worker`. Either way the worker talks
over its standard input and output (worker.py) and its standard error only ever carries a
crash.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Protocol

from . import prefork

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # where `linkcheck` is imported from
COMMAND = (sys.executable, "-m", "linkcheck.check.remote.worker")


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
    """Whether a child may be forked now: Linux, and no thread that could hold a lock the
    child would inherit locked."""
    return prefork.may_fork()


def can_fork() -> bool:
    """Whether a worker can be had by forking: one forked at the start is left, or forking
    is safe now."""
    return prefork.available() or may_fork()


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
    """A forked worker: one forked as the command started (prefork.py), else forked now.
    `inherited`: descriptors of earlier children's pipes, which a child forked now closes (a
    child holding another's input open would keep that one from ever stopping)."""
    ready = prefork.take() or prefork.fork_worker([*inherited, *prefork.held()])
    inherited += [ready.into, ready.out, ready.errors]
    loop = asyncio.get_running_loop()
    readers = []
    for fd in (ready.out, ready.errors):
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda r=reader: asyncio.StreamReaderProtocol(r),
                                     os.fdopen(fd, "rb", buffering=0))
        readers.append(reader)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol,
                                                 os.fdopen(ready.into, "wb", buffering=0))
    return _Forked(ready.pid, transport, *readers)


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
