"""Writing report files: each one whole or not at all, and a clear error naming the path.

A report is written to a temporary file beside it and renamed into place, so a full disk or an
interrupted run leaves the previous report as it was, never half of a new one.
"""

from __future__ import annotations

import os
import signal
import struct
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
    """A report being written by a forked child while this process writes the others; a part
    of it may be made here meanwhile and handed over (`hand`)."""

    def __init__(self, pid: int, said: int, handing: int, path: Path,
                 produce: Callable[[TextIO], object]) -> None:
        self.pid, self._said, self.path, self._produce = pid, said, path, produce
        self._handing: int | None = handing
        self._sender: threading.Thread | None = None

    def hand(self, text: str) -> None:
        """Give the child the part it waits for, sent by a thread: the pipe holds only 64 KiB
        until the child reads, and this process has the other reports to write."""
        fd, self._handing = self._handing, None
        if fd is None:
            return
        data = _LENGTH.pack(len(encoded := text.encode("utf-8", "surrogatepass"))) + encoded
        self._sender = threading.Thread(target=_send, args=(fd, data), daemon=True)
        self._sender.start()

    def finish(self) -> OutputError | None:
        """Wait for the child; its refusal, as write_with would raise it (None: written). If
        it ended any other way (the part it waited for never came, say), the report is
        written here after all: nothing is lost."""
        if self._handing is not None:  # nothing to hand: the child stops waiting, and fails
            os.close(self._handing)
            self._handing = None
        _, status = os.waitpid(self.pid, 0)
        if self._sender is not None:
            self._sender.join()
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


_LENGTH = struct.Struct(">Q")


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        pass  # the child has gone: it said why, or the report is written here
    finally:
        os.close(fd)


def _receiver(fd: int) -> Callable[[], str]:
    """In the child: the part the parent hands over (Aside.hand), read when it is asked for."""
    def receive() -> str:
        with os.fdopen(fd, "rb") as pipe:
            head = pipe.read(_LENGTH.size)
            size = _LENGTH.unpack(head)[0] if len(head) == _LENGTH.size else -1
            data = pipe.read(size) if size >= 0 else b""
        if size < 0 or len(data) != size:
            raise EOFError("the part to be handed over never came")
        return data.decode("utf-8", "surrogatepass")
    return receive


def write_aside(path: Path, produce: Callable[[TextIO], object],
                parts: Callable[[TextIO, Callable[[], str]], object] | None = None,
                ) -> Aside | None:
    """write_with in a forked child, so that a large report (the JSON one) is written on
    another core while this process writes the rest; None where forking is not safe (not
    Linux, or another thread running): then the caller writes it itself. With `parts`, the
    child writes with that instead, given a function that returns the part this process
    hands over (Aside.hand); `produce` is what writes it here if the child could not."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return None
    said, tell = os.pipe()
    taken, handing = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: write, say why not if refused, and end without exit handlers
        code = 1
        try:
            os.close(said)
            os.close(handing)
            _die_with(parent)
            receive = _receiver(taken)
            write_with(path, produce if parts is None else lambda out: parts(out, receive))
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
    os.close(taken)
    return Aside(pid, said, handing, path, produce)


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
