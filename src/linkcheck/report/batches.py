"""A stream of report entries cut into batches, each written at once: bounded by its items
and by the values in their nested lists (a finding of a resource linked a thousand times
holds a thousand related places, each a dict while its batch is written)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

_END = object()


def batched(items: Iterable[Any], size: int, places: tuple = ()) -> Iterator[tuple[Any, ...]]:
    """Batches of `size` items; a batch ends sooner once the lists (or dicts) at its items'
    `places` (indices of a row, keys of a dict) hold `size` values in all."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, 1 if places else size)):
        held = 1 + nested_size(batch[0], places) if places else size
        while held < size and (item := next(iterator, _END)) is not _END:
            batch.append(item)
            held += 1 + nested_size(item, places)
        yield tuple(batch)


def nested_size(item: Any, places: tuple) -> int:
    """The values in the lists and dicts at the item's `places`; 0 for an item without them."""
    try:
        return sum(len(value) for value in map(item.__getitem__, places)
                   if type(value) in (list, tuple, dict))
    except (LookupError, TypeError, AttributeError):  # not a row or a dict of these keys
        return 0
