"""Progress of remote checking: the event the library emits, and the renderer the CLI uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    done: int  # targets with a verdict
    total: int
    broken: int
    unverifiable: int
    requests: int  # HTTP requests sent so far
    elapsed: float  # seconds since checking started
    finished: bool = False


class ProgressRenderer:
    """Renders events to a stream: a redrawn bar on a terminal, a status line every few
    seconds otherwise (CI logs), and always a last line when checking finishes."""

    def __init__(
        self,
        stream: TextIO,
        is_tty: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._tty = stream.isatty() if is_tty is None else is_tty
        self._interval = interval if interval is not None else (0.1 if self._tty else 5.0)
        self._clock = clock
        self._last: float | None = None

    def __call__(self, event: ProgressEvent) -> None:
        now = self._clock()
        if not event.finished and self._last is not None and now - self._last < self._interval:
            return
        if self._last is None and not event.finished and not self._tty:
            self._last = now  # the first line comes after one interval: short runs stay quiet
            return
        self._last = now
        if self._tty:
            end = "\n" if event.finished else ""
            self._stream.write(f"\r{format_bar(event)}\x1b[K{end}")
        else:
            self._stream.write(format_line(event) + "\n")
        self._stream.flush()


def format_line(event: ProgressEvent) -> str:
    rate = event.done / event.elapsed if event.elapsed > 0 else 0.0
    return (
        f"checked {event.done}/{event.total} links, {event.broken} broken, "
        f"{event.unverifiable} unverifiable, {rate:.1f} links/s"
    )


def format_bar(event: ProgressEvent, width: int = 24) -> str:
    filled = width * event.done // event.total if event.total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {format_line(event)}"
