"""JSON text exactly as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, faster.

With `indent` set, the standard library encodes in pure Python through nested generators, and a
report of ten thousand links spends most of its rendering time there. Without `indent` it uses
its C encoder, whose item separator may be any string: a container holding only scalars (a
link's entry, say) is written by that encoder with `,` plus the line break and indent of its
level as the separator, which is exactly the indented text. Only containers nesting others are
walked here. A test holds the output equal to json's.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from json.encoder import (
    c_make_encoder,  # None where the C accelerator is missing
    encode_basestring,  # the ensure_ascii=False string escaper
)
from typing import Any, TextIO

# Exact types only: a subclass (an enum, an OrderedDict) takes json's own path.
_SCALAR_TEXT: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}
_SCALARS = frozenset({*_SCALAR_TEXT, float})
_CONTAINERS = frozenset({dict, list, tuple})


def dumps_indented(value: Any, indent: int = 2) -> str:
    """`json.dumps(value, indent=indent, ensure_ascii=False)`."""
    out: list[str] = []
    _write(value, out, "\n", " " * indent)
    return "".join(out)


class Streamed:
    """A list written a batch at a time from an iterable, so it is never held whole."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


STREAM_BATCH = 500  # items rendered at once: the C encoder's speed, a bounded buffer


def dump_indented(items: Iterable[tuple[str, Any]], out: TextIO, indent: int = 2) -> None:
    """Write the dict of these (key, value) items to `out` as `dumps_indented` would, one item
    (and one batch of a Streamed list) at a time."""
    step = " " * indent
    inner = "\n" + step
    first = True
    for key, value in items:
        out.write(("{" if first else ",") + inner + encode_basestring(key) + ": ")
        first = False
        if isinstance(value, Streamed):
            _write_streamed(value.items, out, inner, step)
        else:
            pieces: list[str] = []
            _write(value, pieces, inner, step)
            out.write("".join(pieces))
    out.write("{}" if first else "\n}")


def _write_streamed(items: Iterable[Any], out: TextIO, newline: str, step: str) -> None:
    inner = newline + step
    started = False
    for batch in _batched(items):
        pieces: list[str] = []
        _write_list(batch, pieces, newline, step)  # "[" inner ... newline "]"
        body = "".join(pieces)[1 + len(inner):-1 - len(newline)]
        out.write(("," if started else "[") + inner + body)
        started = True
    out.write(newline + "]" if started else "[]")


def _batched(items: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    iterator = iter(items)
    while batch := tuple(itertools.islice(iterator, STREAM_BATCH)):
        yield batch


def _write(value: Any, out: list[str], newline: str, step: str) -> None:
    kind = type(value)
    scalar = _SCALAR_TEXT.get(kind)
    if scalar is not None:
        out.append(scalar(value))
    elif kind is dict and value:
        _write_dict(value, out, newline, step)
    elif kind in _CONTAINERS and value and _SCALARS.issuperset(map(type, value)):
        inner = newline + step
        out.append("[" + inner + _run(value, inner) + newline + "]")
    elif isinstance(value, (list, tuple)) and value:
        _write_list(value, out, newline, step)
    elif isinstance(value, dict) and value:
        _write_dict(value, out, newline, step)
    else:  # floats, subclasses of scalars, empty containers: json's own text
        out.append(json.dumps(value, ensure_ascii=False))


def _write_list(value: list | tuple, out: list[str], newline: str, step: str) -> None:
    """Consecutive flat dicts (most of the report's links) go to the C encoder together."""
    inner = newline + step
    out.append("[" + inner)
    first = True
    flat: list[dict] = []
    for item in value:
        if _flat_dict(item):
            flat.append(item)
            continue
        if flat:
            out.append(("" if first else "," + inner) + _flat_dicts(flat, inner, step))
            flat, first = [], False
        if not first:
            out.append("," + inner)
        first = False
        _write(item, out, inner, step)
    if flat:
        out.append(("" if first else "," + inner) + _flat_dicts(flat, inner, step))
    out.append(newline + "]")


def _write_dict(value: dict, out: list[str], newline: str, step: str) -> None:
    """Runs of items the C encoder can write (scalars, empty containers) go to it whole."""
    inner = newline + step
    items = list(value.items())
    nested = [i for i, (_, item) in enumerate(items) if not _writable(item)]
    if not nested:  # the usual case
        out.append("{" + inner + _run(value, inner) + newline + "}")
        return
    out.append("{" + inner)
    start = 0
    for index in (*nested, len(items)):
        separator = "," + inner if start else ""  # something of this dict is written
        if index > start:
            out.append(separator + _run(dict(items[start:index]), inner))
            separator = "," + inner
        if index == len(items):
            break
        key, item = items[index]
        out.append(separator + encode_basestring(key if isinstance(key, str) else _key(key)) + ": ")
        _write(item, out, inner, step)
        start = index + 1
    out.append(newline + "}")


def _writable(item: Any) -> bool:
    """What the C encoder writes the same at any indent: a scalar or an empty container."""
    kind = type(item)
    return kind in _SCALARS or (kind in _CONTAINERS and not item)


def _flat_dict(value: Any) -> bool:
    """A non-empty dict of scalars and empty containers only."""
    if type(value) is not dict or not value:
        return False
    others = [item for item in value.values() if type(item) not in _SCALARS]
    return all(type(item) in _CONTAINERS and not item for item in others)


def _flat_dicts(items: list[dict], inner: str, step: str) -> str:
    """Flat dicts as list items at `inner`, in one encoder call with the dicts' items as
    separator. A raw line break only ever comes from a separator (strings escape theirs), and
    only the one between two dicts is followed by `{` (inside a dict, a key follows): those
    are the places that get the dicts' own line breaks and indent."""
    deeper = inner + step
    text = _encoder("," + deeper)(items)  # [{"a": 1,<deeper>"b": 2},<deeper>{...}]
    body = text[2:-2].replace("}," + deeper + "{", inner + "}," + inner + "{" + deeper)
    return "{" + deeper + body + inner + "}"


def _run(items: dict | list | tuple, inner: str) -> str:
    """The items of a container of scalars, each on its own line at `inner`, brackets off."""
    return _encoder("," + inner)(items)[1:-1]


def _key(key: Any) -> str:
    """A dict key as json writes it: a few scalars become their JSON text."""
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


@lru_cache(maxsize=64)
def _encoder(item_separator: str) -> Callable[[Any], str]:
    """json's compact encoder with this item separator, built once (building it each call
    would cost about what it saves); the callers never pass it a circular structure."""
    if c_make_encoder is None:
        return json.JSONEncoder(ensure_ascii=False, separators=(item_separator, ": ")).encode
    encode = c_make_encoder(
        None, None, encode_basestring, None, ": ", item_separator, False, False, True
    )
    return lambda value: "".join(encode(value, 0))
