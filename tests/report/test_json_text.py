"""The fast indented JSON writer must write exactly what json.dumps(indent=2) writes."""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from enum import IntEnum, StrEnum

import pytest

from linkcheck.report.json_text import dumps_indented


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


SAMPLES = [
    {},
    [],
    "plain",
    None,
    {"a": 1, "b": [], "c": None, "d": {}, "e": True, "f": 1.5, "g": "é \u2028 \x00 \"q\" \\"},
    {"nested": {"inner": [1, 2, {"x": [], "y": [[]]}], "after": 0}, "tail": "t"},
    [1, "two", [3, [4, {"five": 5}]], {}, [], None],
    {"status": Colour.RED, "level": Level.HIGH, "order": OrderedDict([("z", 1), ("a", [2])])},
    {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
    {"nan": float("nan"), "inf": float("inf"), "big": 10**30, "neg": -0.0},
    ("tuple", ("inside", {"k": ()})),
    {"related": [{"file": "a.md", "line": 3}, {"file": "b.md", "line": 7}], "rule": "x"},
    [{"a": 1, "b": [], "c": {}}, {"s": "},\n    {"}, {"k": "{"}],
    [{"a": 1}, {}, {"b": 2}],
    [{"a": 1}, {"b": {"c": 1}}],
    {"links": [{"url": "u", "redirects": []}, {"url": "v", "redirects": [{"url": "w"}]}]},
]


@pytest.mark.parametrize("value", SAMPLES, ids=range(len(SAMPLES)))
def test_same_text_as_json_dumps(value):
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def _random_value(rng: random.Random, depth: int):
    scalars = [
        lambda: rng.choice(["", "a", "ü\n\t", "</a>", "\u00e9\u0000", "x" * 50]),
        lambda: rng.randint(-(10**6), 10**6),
        lambda: rng.random() * 1000,
        lambda: rng.choice([True, False, None]),
    ]
    if depth == 0 or rng.random() < 0.4:
        return rng.choice(scalars)()
    size = rng.randint(0, 5)
    if rng.random() < 0.5:
        return [_random_value(rng, depth - 1) for _ in range(size)]
    return {f"k{i}{rng.choice('abc')}": _random_value(rng, depth - 1) for i in range(size)}


def test_same_text_on_random_structures():
    rng = random.Random(20261125)
    for _ in range(300):
        value = _random_value(rng, 4)
        assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_unserialisable_values_are_refused_like_json():
    with pytest.raises(TypeError):
        dumps_indented({"when": object()})
    with pytest.raises(TypeError):
        dumps_indented({("tuple", "key"): 1})
