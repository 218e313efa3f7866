"""Progress of remote checking: the event the library emits, and the renderer the CLI uses.

Our own renderer rather than a library's (rich, tqdm): it is one line that fits the terminal's
width, redrawn in place and cleared when checking ends, and a plain status line every few
seconds in a CI log; a dependency would bring far more than that and its own start-up cost.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

# Columns left free after the bar: the terminal echoes Ctrl-C as "^C" after it, and writing the
# last column makes some terminals wrap at once; a wrapped line could not be cleared by "\r".
SPARE_COLUMNS = len("^C") + 1


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    done: int  # the curriculum's remote URLs with a verdict (not the rules' extra probes)
    total: int
    broken: int
    unverifiable: int
    requests: int  # HTTP requests sent so far, probes included
    elapsed: float  # seconds since checking started
    finished: bool = False


class ProgressRenderer:
    """Renders events to a stream: a line redrawn in place on a terminal (cleared at the end), a
    status line every few seconds otherwise (CI logs) with a last one when checking finishes."""

    def __init__(
        self,
        stream: TextIO,
        is_tty: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ) -> None:
        self._stream = stream
        self._tty = stream.isatty() if is_tty is None else is_tty
        self._interval = interval if interval is not None else (0.1 if self._tty else 5.0)
        self._clock = clock
        self._width = width or (lambda: shutil.get_terminal_size((80, 24)).columns)
        self._last: float | None = None
        self._drawn = False  # a line is on the terminal and must be cleared

    def __call__(self, event: ProgressEvent) -> None:
        now = self._clock()
        if not event.finished and self._last is not None and now - self._last < self._interval:
            return
        if self._last is None and not event.finished and not self._tty:
            self._last = now  # the first line comes after one interval: short runs stay quiet
            return
        self._last = now
        if not self._tty:
            self._stream.write(format_line(event) + "\n")
        elif event.finished:
            self.clear()
            return
        else:
            self._stream.write("\r" + format_bar(event, self._width() - SPARE_COLUMNS) + "\x1b[K")
            self._drawn = True
        self._stream.flush()

    def clear(self) -> None:
        """Take the progress line off the terminal (before the summary, or on Ctrl-C)."""
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False


def format_line(event: ProgressEvent) -> str:
    rate = event.done / event.elapsed if event.elapsed > 0 else 0.0
    return (
        f"checked {event.done}/{event.total} URLs, {event.broken} broken, "
        f"{event.unverifiable} unverifiable, {rate:.1f}/s"
    )


def format_bar(event: ProgressEvent, width: int = 79) -> str:
    """The bar and the counts in at most `width` columns; the bar shrinks first."""
    text = format_line(event)
    room = width - len(text) - 3  # "[", "] "
    if room < 5:  # a narrow terminal: the counts alone, cut to fit
        return text[: max(width, 0)]
    bar = min(room, 30)
    filled = bar * event.done // event.total if event.total else bar
    return f"[{'#' * filled}{'.' * (bar - filled)}] {text}"
