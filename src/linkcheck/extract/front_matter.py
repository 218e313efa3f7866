"""YAML front matter: parsed with PyYAML's safe loader, bounded, and its URL values found."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from ..models import Diagnostic

MAX_FRONT_MATTER_NODES = 100_000  # YAML nodes with aliases expanded; front matter is small


def parse_yaml(text: str, first_line: int) -> tuple[object, yaml.Node | None] | Diagnostic:
    """The data and the node tree (for value positions), or a Diagnostic (file left blank)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and not _bounded(root, MAX_FRONT_MATTER_NODES):
            # `&a [*a]`, or aliases of aliases ("billion laughs"): walking it never ends
            message = "front matter aliases refer to themselves or expand too far"
            return Diagnostic("", first_line, message, "front-matter")
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line - 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Diagnostic("", line, f"invalid YAML front matter: {problem}", "front-matter")
    except RecursionError:  # PyYAML recurses once per nesting level
        return Diagnostic("", first_line, "front matter nested too deeply", "front-matter")
    finally:
        loader.dispose()


def _bounded(root: yaml.Node, limit: int) -> bool:
    """Whether the node tree, with every alias expanded, is finite and at most `limit` nodes."""
    sizes: dict[int, int] = {}  # id(node) -> expanded size; -1 while its children are counted

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known if known >= 0 else limit + 1  # -1: a node that contains itself
        sizes[id(node)] = -1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        sizes[id(node)] = total = min(total, limit + 1)
        return total

    return size(root) <= limit


def url_scalars(node: yaml.Node | None, path: str) -> Iterator[tuple[str, yaml.ScalarNode]]:
    """Every scalar holding an http(s) URL, with its dotted key path (list items by index)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            yield from url_scalars(value_node, f"{path}.{key}" if path else key)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from url_scalars(item, f"{path}.{index}" if path else str(index))
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        if node.value.strip().lower().startswith(("http://", "https://")):
            yield path, node

