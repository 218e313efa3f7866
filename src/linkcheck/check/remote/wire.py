"""Messages between the checking processes of one run: length-prefixed pickles over pipes.

Only ever between a run and the worker processes it started itself (spread.py, worker.py):
nothing from a server or the curriculum is unpickled that was not pickled by this program.

Every message is a tuple whose first item says what it is; worker.py lists them.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

_LENGTH = struct.Struct(">I")
MAX_MESSAGE = 1 << 30  # a frame claiming more is not one of ours


class WireError(Exception):
    """The other end sent something that is not a message of this protocol."""


def frame(message: Any) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


async def read_message(reader: asyncio.StreamReader) -> Any:
    """The next message; EOFError when the other end closed between messages."""
    try:
        head = await reader.readexactly(_LENGTH.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise WireError("a message cut short") from None
        raise EOFError from None
    (length,) = _LENGTH.unpack(head)
    if length > MAX_MESSAGE:
        raise WireError(f"a message of {length} bytes")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise WireError("a message cut short") from None
    try:
        return pickle.loads(body)
    except Exception as exc:  # a corrupt frame: say what, never run on with it
        raise WireError(f"an unreadable message ({type(exc).__name__})") from None
