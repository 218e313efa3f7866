"""One worker process of a spread run (spread.py): starting it, the pipes, its outcome."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any, Protocol

from ...config import Config
from ...http.outcome import Failure, FailureKind
from ...models import CheckResult
from ...progress import ProgressEvent
from . import processes
from .outcome import RemoteOutcome
from .processes import Child
from .wire import WireError, frame, read_message

DEADLINE_GRACE = 30.0  # seconds past the deadline a worker may take to hand in its outcome
STOP_WAIT = 2.0  # seconds a worker gets to exit once told to, before it is killed


class Listener(Protocol):
    """Who hears what a worker says besides its outcome (spread.SpreadSession)."""

    def progressed(self, index: int, event: ProgressEvent) -> None: ...

    def heard(self, index: int, kind: str, origin: str) -> None: ...


class Worker:
    """A worker process and the pipes to it; its outcome, or why there is none."""

    def __init__(self, index: int, spread: Listener) -> None:
        self.index, self.spread = index, spread
        self.urls: list[str] = []  # every URL sent to it, extras included
        self.extras: set[str] = set()
        self.process: Child | None = None
        self.failed: str | None = None
        self.deadline: float | None = None
        self._tasks: list[asyncio.Task] = []
        self._errors = b""
        self._verdicts: dict[str, CheckResult] = {}  # handed over while it checks

    async def start(self, config: Config, origins: frozenset[str], pipes: list[int],
                    progress: bool = True) -> None:
        """Start it (forked where processes.can_fork allows); `pipes`: the descriptors of the
        workers forked before it, which a forked one closes (and adds its own to); without
        `progress` (nobody shows it) it sends none."""
        self.deadline = config.check.deadline
        self._began = time.monotonic()
        try:
            self.process = await (processes.forked(pipes) if processes.can_fork()
                                  else processes.spawned())
        except (OSError, ValueError) as exc:
            self.failed = f"could not start ({type(exc).__name__}: {exc})"
            return
        self.send(("begin", config, origins, progress))
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._stderr())]

    def send(self, message: Any) -> None:
        process = self.process
        if self.failed is None and process is not None and process.input_open():
            process.write(frame(message))

    async def _read(self) -> RemoteOutcome:
        while True:
            kind, body = await read_message(self.process.stdout)
            if kind == "result":  # with the verdicts it has not handed over yet
                return dataclasses.replace(body, results={**self._verdicts, **body.results})
            if kind == "verdicts":
                self._verdicts.update((result.target, result) for result in body)
            elif kind == "progress":
                self.spread.progressed(self.index, body)
            else:
                self.spread.heard(self.index, kind, body)

    async def _stderr(self) -> None:
        while chunk := await self.process.stderr.read(65536):
            self._errors = (self._errors + chunk)[-4096:]  # the end of a traceback says what

    async def outcome(self) -> RemoteOutcome | str:
        """Its outcome; or why there is none (its URLs are then to be checked elsewhere)."""
        if self.failed is not None:
            return self.failed
        wait = None
        if self.deadline:  # counted from its start, as its own deadline is
            wait = max(0.0, self._began + self.deadline + DEADLINE_GRACE - time.monotonic())
        try:
            return await asyncio.wait_for(asyncio.shield(self._tasks[0]), wait)
        except TimeoutError:  # past the deadline: its pages are unverifiable, as a run's are
            await self.stop(kill=True)
            from .verdict import Chain, PageRules, classify  # the HTTP stack: only now

            why = Failure(FailureKind.DEADLINE)
            results = {url: classify(Chain(url, why), PageRules()) for url in self.urls}
            return RemoteOutcome(results, False,
                                 notes=("a checking process did not finish by the deadline",))
        except (EOFError, WireError, OSError) as exc:
            await self.stop()
            return self._why_ended(exc)
        finally:
            await self.stop()

    def _why_ended(self, exc: BaseException) -> str:
        code = self.process.returncode if self.process else None
        last = self._errors.decode("utf-8", "replace").strip().splitlines()[-1:]
        said = f": {last[0][:200]}" if last else ""
        if isinstance(exc, EOFError):
            return f"ended without its outcome (exit {code}{said})"
        return f"sent {exc} (exit {code}{said})"

    async def stop(self, kill: bool = False) -> None:
        """Close its standard input (the sign to stop) and wait for it to exit; killed if it
        does not within STOP_WAIT, or at once with `kill`."""
        process = self.process
        if process is None:
            return
        if process.input_open():
            process.close_input()
        if kill and process.returncode is None:
            process.kill()
        if process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), STOP_WAIT)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(*self._tasks, return_exceptions=True)
