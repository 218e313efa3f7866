"""Writing report files: each one whole or not at all, and a clear error naming the path.

A report is written to a temporary file beside it and renamed into place, so a full disk or an
interrupted run leaves the previous report as it was, never half of a new one.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..config import make_dir


class OutputError(Exception):
    """The environment refuses a report (not writable, a file in the way, disk full): exit 2."""

    exit_code = 2

    def __init__(self, path: Path | str, exc: OSError) -> None:
        super().__init__(f"{path}: cannot write the report: {exc.strerror or exc}")
        self.path = str(path)


def prepare(directory: Path) -> None:
    """Create the output directory, or say why it cannot be used."""
    try:
        make_dir(directory)
    except FileExistsError as exc:  # a file where the directory should be
        raise OutputError(directory, OSError(exc.errno, "a file is in the way")) from exc
    except OSError as exc:
        raise OutputError(directory, exc) from exc
    if not directory.is_dir():
        raise OutputError(directory, OSError(20, "not a directory"))
    try:  # a directory that refuses a file (read-only, not ours) is said now, not after checking
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".linkcheck-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise OutputError(directory, exc) from exc


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically, with the permissions a new file gets."""
    write_with(path, lambda out: out.write(text))


def write_with(path: Path, produce: Callable[[TextIO], object]) -> None:
    """Replace `path` atomically with what `produce` writes to the file it is given: a report
    streamed piece by piece is never held whole, and never left half written."""
    temporary: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
            delete=False,
        ) as handle:
            temporary = handle.name
            produce(handle)
        os.chmod(temporary, 0o666 & ~_umask())  # NamedTemporaryFile makes it private
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise OutputError(path, exc) from exc
    finally:  # also on Ctrl-C: no stray temporary file
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Aside:
    """A report being written by a forked child while this process writes the others."""

    def __init__(self, pid: int, said: int, path: Path,
                 produce: Callable[[TextIO], object]) -> None:
        self.pid, self._said, self.path, self._produce = pid, said, path, produce

    def finish(self) -> OutputError | None:
        """Wait for the child; its refusal, as write_with would raise it (None: written). If
        it ended any other way, the report is written here after all: nothing is lost."""
        _, status = os.waitpid(self.pid, 0)
        with os.fdopen(self._said, "rb") as pipe:
            said = pipe.read(4096).decode("utf-8", "replace")
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            return None
        if code == OutputError.exit_code and "\0" in said:
            number, _, why = said.partition("\0")
            return OutputError(self.path, OSError(int(number or 0), why))
        try:
            write_with(self.path, self._produce)
        except OutputError as exc:
            return exc
        return None


def write_aside(path: Path, produce: Callable[[TextIO], object]) -> Aside | None:
    """write_with in a forked child, so that a large report (the JSON one) is written on
    another core while this process writes the rest; None where forking is not safe (not
    Linux, or another thread running): then the caller writes it itself."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return None
    said, tell = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: write, say why not if refused, and end without exit handlers
        code = 1
        try:
            os.close(said)
            _die_with(parent)
            write_with(path, produce)
            code = 0
        except OutputError as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else OSError(0, str(exc))
            os.write(tell, f"{cause.errno or 0}\0{cause.strerror or cause}".encode())
            code = OutputError.exit_code
        except BaseException:  # noqa: BLE001 - the parent writes it instead
            code = 1
        finally:
            os._exit(code)
    os.close(tell)
    return Aside(pid, said, path, produce)


def _die_with(parent: int) -> None:
    """End this child when its parent ends: a run killed while its report was being written
    must not have it written later, over what a newer run wrote (the parent's temporary file
    is then left, as when the parent writes it itself)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # gone already, before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
