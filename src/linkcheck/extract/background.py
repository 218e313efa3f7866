"""The files read by a thread of lower priority while the event loop waits on worker processes.

When remote checks run in worker processes (check/remote/spread.py), the main process only
reads the files and hands their links over; but reading is CPU work, and on a machine with as
many workers as cores it takes CPU from the workers, whose requests then wait longer for their
answers to be read. So the reading runs in a thread with a higher nice value (Linux lets a
thread have its own): it still gets every idle cycle, and yields to the workers when they need
the CPU. The first file is read at the process's own priority: until its links arrive the
workers have nothing to check, and they load their HTTP stack meanwhile (spread.py), which
must not delay it. The event loop's thread keeps its priority, and with it the rest of the run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from ..models import Document
from .cache import extract_each

NICER_BY = 8  # nice steps the reading thread gives up (on Linux): about a tenth of the weight


async def documents_read_aside(files: Iterable[str], cache_file: Path | None
                               ) -> AsyncIterator[Document]:
    """extract_each's documents, read in a thread of lower priority, as each file is read.
    Stopping early (an interrupted run) stops the thread after the file it is reading."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Document | None, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: tuple[Document | None, BaseException | None]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        try:
            for count, document in enumerate(extract_each(files, cache_file)):
                if stop.is_set():
                    return
                put((document, None))
                if count == 0:  # the first file's links are what the workers wait for
                    _lower_this_threads_priority()
        except BaseException as exc:  # noqa: BLE001 - handed to the loop's thread, raised there
            put((None, exc))
        else:
            put((None, None))

    thread = threading.Thread(target=read, name="linkcheck-read", daemon=True)
    thread.start()
    try:
        while True:
            document, error = await queue.get()
            if error is not None:
                raise error
            if document is None:
                return
            yield document
    finally:
        stop.set()


def _lower_this_threads_priority() -> None:
    if sys.platform != "linux":  # elsewhere the call would lower the whole process
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid)
                                                 + NICER_BY))
    except OSError:
        pass  # not allowed here: the thread reads at the process's priority
