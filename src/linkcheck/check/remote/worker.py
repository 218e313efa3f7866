"""A worker process of a run's remote check: `python -m linkcheck.check.remote.worker`.

Started by spread.py with pipes for standard input and output. It reads ("begin", config,
origins, whether progress is wanted), then ("add", urls) and ("extras", urls) as the main
process finds them, and ("close", origins) when there are no more (wire.py); it checks them
with the same session as the main process would, and writes back progress now and then, its
verdicts as they are made ("verdicts", results, every quarter second: the main process reads
them while the checks go on, and no one large message is made at the end) and its outcome
("result", with the verdicts not sent yet) at the end. Its writes never block its checks: a
busy main process reads them later. What its network watch sees goes to the main process ("up",
"silent"), and what the others saw comes in the same way. Standard input closing early means
the main process has gone: the worker stops at once. It never writes to a terminal: the main
process reports for it (its standard error only ever carries a crash, which the main process
reads and names).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import BinaryIO

from ...models import CheckResult
from ...progress import ProgressEvent
from .network import WatchPeers
from .session import RemoteSession
from .wire import WireError, frame, read_message

PROGRESS_INTERVAL = 0.2  # seconds between progress messages
VERDICTS_INTERVAL = 0.25  # seconds between batches of verdicts


def main() -> int:
    # Ctrl-C reaches the whole process group: the main process decides, and ends this one
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()  # what a forked worker shares with the main process is not walked again,
    gc.enable()  # but the cycles checking makes are collected (the command pauses that)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot corrupt a message
    return asyncio.run(_serve(out))


async def _serve(out: BinaryIO) -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    writer, written = await loop.connect_write_pipe(_Written, out)

    def send(message: object) -> None:
        writer.write(frame(message))  # buffered here when the pipe is full: never blocks

    try:
        return await _check(reader, send)
    finally:
        writer.close()
        await written.closed  # everything written (or the main process gone)


async def _check(reader: asyncio.StreamReader, send: Callable[[object], None]) -> int:
    try:
        kind, config, origins, wants_progress = await read_message(reader)
    except EOFError:
        return 0  # forked at the start and dismissed before its first message (prefork.py)
    if kind != "begin":
        raise WireError(f"expected to begin, got {kind!r}")
    peers = WatchPeers(origins, lambda what, origin: send((what, origin)))
    last = [0.0]

    def progress(event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.finished or now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            send(("progress", event))

    made: list[CheckResult] = []  # verdicts not sent yet
    session = RemoteSession(config, progress=progress if wants_progress else None, peers=peers,
                            origins=origins, on_record=made.append)
    handing = asyncio.create_task(_hand_over(made, send))
    try:
        if not await _fed(reader, session, peers):
            await session.abandon()  # the main process has gone: nobody wants the outcome
            return 1
        listening = asyncio.create_task(_listen(reader, peers))
        checking = asyncio.create_task(session.outcome())
        await asyncio.wait({checking, listening}, return_when=asyncio.FIRST_COMPLETED)
        if not checking.done():
            checking.cancel()
            await session.abandon()
            return 1
        listening.cancel()
    finally:
        handing.cancel()
    left = {result.target: result for result in made}
    send(("result", dataclasses.replace(checking.result(), results=left)))
    return 0


async def _hand_over(made: list[CheckResult], send: Callable[[object], None]) -> None:
    """The verdicts made so far, every VERDICTS_INTERVAL."""
    while True:
        await asyncio.sleep(VERDICTS_INTERVAL)
        if made:
            send(("verdicts", tuple(made)))
            made.clear()


class _Written(asyncio.Protocol):
    """The pipe to the main process; `closed` once all that was written is out."""

    def __init__(self) -> None:
        self.closed = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _fed(reader: asyncio.StreamReader, session: RemoteSession, peers: WatchPeers) -> bool:
    """Take URLs until "close"; False when the main process went away first."""
    while True:
        try:
            kind, body = await read_message(reader)
        except EOFError:
            return False
        if kind == "add":
            session.add(body)
        elif kind == "extras":
            session.add_extras(body)
        elif kind == "close":
            session.close(body)
            return True
        else:
            peers.receive(kind, body)


async def _listen(reader: asyncio.StreamReader, peers: WatchPeers) -> None:
    """What the other processes saw, until the main process closes the pipe."""
    while True:
        try:
            kind, origin = await read_message(reader)
        except EOFError:
            return
        peers.receive(kind, origin)


if __name__ == "__main__":
    sys.exit(main())
