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
from operator import itemgetter
from typing import Any, TextIO

from .batches import batched

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
    """A list written a batch at a time from an iterable, so it is never held whole.

    With `keys`, the items are dicts of these keys, each written with its keys in this order;
    their values are scalars, but at the `nested` keys, which may also hold empty containers
    and lists of dicts of scalars (a link's redirects). A batch of them is written faster; an
    item of another shape only sends its batch the general way.

    With `rows`, each item is given as the tuple of its values in the order of `keys` instead
    of a dict; with `shared` keys too, the tuple's last value is the tuple of the values of
    these keys, which come last: items that share that tuple (the same object: a link's
    verdict) share its text, made once."""

    __slots__ = ("items", "keys", "nested", "rows", "shared")

    def __init__(self, items: Iterable[Any], keys: tuple[str, ...] = (),
                 nested: tuple[str, ...] = (), rows: bool = False,
                 shared: tuple[str, ...] = ()) -> None:
        self.items = items
        self.keys = keys
        self.nested = nested
        self.rows = rows
        self.shared = shared

    def entries(self, items: Iterable[Any] | None = None) -> Iterator[Any]:
        """The items (or these of them) as the dicts they stand for."""
        items = self.items if items is None else items
        if not self.rows:
            return iter(items)
        if not self.shared:
            return (dict(zip(self.keys, row, strict=True)) for row in items)
        keys = self.keys + self.shared
        return (dict(zip(keys, (*row[:-1], *row[-1]), strict=True)) for row in items)


class Written:
    """A value's text made elsewhere, asked for when the writer gets to it."""

    __slots__ = ("text",)

    def __init__(self, text: Callable[[], str]) -> None:
        self.text = text


# items rendered at once (and values in their nested lists, batches.py): the C encoder's
# speed, a bounded buffer
STREAM_BATCH = 500
SHARED_TEXTS = 8192  # texts of shared values kept at once (a verdict's: ~600 bytes)


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
            _write_streamed(value, out, inner, step)
        elif isinstance(value, Written):
            out.write(value.text())
        else:
            pieces: list[str] = []
            _write(value, pieces, inner, step)
            out.write("".join(pieces))
    out.write("{}" if first else "\n}")


def _write_streamed(streamed: Streamed, out: TextIO, newline: str, step: str) -> None:
    inner = newline + step
    shape = _Shape.of(streamed)
    started = False
    keys = streamed.keys  # an item's own nested lists, not a shared tuple's (items share it)
    places = tuple(map(keys.index, set(streamed.nested) & set(keys))) if streamed.rows \
        else streamed.nested
    for batch in batched(streamed.items, STREAM_BATCH, places):
        body = shape.items_text(batch, inner, step) if shape else None
        if body is None:
            pieces: list[str] = []
            _write_list(list(streamed.entries(batch)), pieces, newline, step)
            body = "".join(pieces)[1 + len(inner):-1 - len(newline)]  # "[" inner ... newline "]"
        out.write(("," if started else "[") + inner + body)
        started = True
    out.write(newline + "]" if started else "[]")


class _Shape:
    """A Streamed's keys, ready to write its batches: one template of the keys per indent,
    filled with the values' JSON text from one encoder call per batch; with shared values,
    the text of each distinct tuple of them, made once for the stream."""

    __slots__ = ("keys", "width", "values", "nested", "rows", "tail", "tails", "templates")

    def __init__(self, keys: tuple[str, ...], nested: tuple[str, ...], rows: bool = False,
                 shared: tuple[str, ...] = ()) -> None:
        self.keys = keys
        self.rows = rows
        self.tail = _Shape(shared, nested, rows=True) if shared else None
        self.width = len(keys) + (1 if shared else 0)  # values per item, in the encoder's list
        self.values = itemgetter(*keys) if len(keys) > 1 else None
        self.nested = tuple(keys.index(key) for key in nested if key in keys)
        self.tails: dict[int, tuple[tuple, str]] = {}  # id of a shared tuple -> (it, its text)
        self.templates: dict[str, str] = {}

    @classmethod
    def of(cls, streamed: Streamed) -> _Shape | None:
        if len(streamed.keys) < 2 or (streamed.shared and not streamed.rows):
            return None
        return cls(streamed.keys, streamed.nested, streamed.rows, streamed.shared)

    def items_text(self, batch: tuple[Any, ...], inner: str, step: str) -> str | None:
        """The batch as list items at `inner` (what _write_list writes between its brackets),
        or None when an item is not a dict (a row) of these keys or holds what the shape does
        not."""
        width = self.width
        if self.rows:
            if not all(type(item) is tuple and len(item) == width for item in batch):
                return None
            values: list[Any] = list(itertools.chain.from_iterable(batch))
        else:
            if not all(type(item) is dict and len(item) == width for item in batch):
                return None
            try:
                values = list(itertools.chain.from_iterable(map(self.values, batch)))
            except KeyError:
                return None
        texts = self.texts(values, inner + step, step)
        if texts is None:
            return None
        return ("," + inner).join([self._template(inner, step)] * len(batch)) % tuple(texts)

    def texts(self, values: list[Any], members: str, step: str) -> list[str] | None:
        """The JSON text of each of these values (the items' values one after the other) as
        members at `members`, or None when one is not what the shape holds.

        The values are encoded as one flat list whose item separator is a NUL: the encoder
        escapes a NUL inside a string, so splitting at each raw one gives each value's text.
        Nested lists and shared tuples are taken out first and written apart."""
        width = self.width
        shared: list[str] | None = None
        if self.tail is not None:  # the last value of each item
            shared = self._shared_texts(values[width - 1::width], members, step)
            if shared is None:
                return None
            values[width - 1::width] = [None] * len(shared)
        apart = self._take_nested(values, members, step)
        if apart is None or not _SCALARS.issuperset(map(type, values)):
            return None
        texts = _encoder("\0")(values)[1:-1].split("\0")
        for place, text in apart.items():
            texts[place] = text
        if shared is not None:
            texts[width - 1::width] = shared
        return texts

    def _shared_texts(self, tails: list[Any], members: str, step: str) -> list[str] | None:
        """The text of each shared tuple: `,` then its members, as it follows the others."""
        assert self.tail is not None
        known = self.tails
        width = self.tail.width
        new = {id(tail): tail for tail in tails if id(tail) not in known}
        if new:
            if len(known) + len(new) > SHARED_TEXTS:  # bounded, as the stream is
                known.clear()
                new = {id(tail): tail for tail in tails}
            if not all(type(tail) is tuple and len(tail) == width for tail in new.values()):
                return None
            texts = self.tail.texts(list(itertools.chain.from_iterable(new.values())),
                                    members, step)
            if texts is None:
                return None
            template = "," + members + self.tail._members(members)
            for index, (key, tail) in enumerate(new.items()):
                known[key] = (tail, template % tuple(texts[index * width:(index + 1) * width]))
        return [known[id(tail)][1] for tail in tails]

    def _take_nested(self, flat: list[Any], members: str, step: str) -> dict[int, str] | None:
        """Replace the containers at the nested keys in `flat` by null; their JSON text by
        place. None when one is not a list of flat dicts."""
        texts: dict[int, str] = {}
        if not self.nested:
            return texts
        lists: list[tuple[int, Any]] = []
        width = self.width
        for index in self.nested:
            for row, value in enumerate(flat[index::width]):
                kind = type(value)
                if kind in _SCALARS:
                    continue
                if kind not in _CONTAINERS:
                    return None
                place = row * width + index
                flat[place] = None
                if not value:
                    texts[place] = "{}" if kind is dict else "[]"
                elif kind is dict or not all(map(_flat_dict, value)):
                    return None
                else:
                    lists.append((place, value))
        written = _flat_dict_lists([value for _, value in lists], members, step)
        texts.update(zip((place for place, _ in lists), written, strict=True))
        return texts

    def _template(self, inner: str, step: str) -> str:
        """A dict of these keys as a list item at `inner`, a `%s` for each value (and one for
        the text of the shared values)."""
        template = self.templates.get(inner)
        if template is None:
            members = inner + step
            template = self.templates[inner] = (
                "{" + members + self._members(members) + ("%s" if self.tail else "")
                + inner + "}")
        return template

    def _members(self, members: str) -> str:
        """The keys as members at `members`, a `%s` for each value."""
        return ("," + members).join(
            encode_basestring(key).replace("%", "%%") + ": %s" for key in self.keys)


def _flat_dict_lists(lists: list[list], newline: str, step: str) -> list[str]:
    """Each list of flat dicts as `_write` writes it at `newline`, with one encoder call: the
    lists go through it as one, a null between two (after a separator, only a list item can
    be `null`: in a dict a key follows), and are cut apart at the nulls."""
    inner = newline + step
    deeper = inner + step
    if not lists:
        return []
    items: list[Any] = []
    for value in lists:
        items.extend(value)
        items.append(None)
    text = _encoder("," + deeper)(items[:-1])[1:-1]
    between = "}," + deeper + "{"
    indented = inner + "}," + inner + "{" + deeper
    return [
        "[" + inner + "{" + deeper + piece[1:-1].replace(between, indented) + inner + "}"
        + newline + "]"
        for piece in text.split("," + deeper + "null," + deeper)
    ]


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
    if _SCALARS.issuperset(map(type, value.values())):  # the usual case, told at C speed
        return True
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
