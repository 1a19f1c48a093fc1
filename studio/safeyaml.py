"""YAML read with limits: every YAML file the studio reads (template.yaml, YAML sheets, the
compliance lexicon) goes through `load_yaml`.

`yaml.safe_load` already refuses `!!python` tags, but not an alias bomb: nine anchors of nine
aliases each make a file of a few hundred bytes that stands for 43 million values, and the first
`str()` or loop over it takes gigabytes. Here the document is composed first (anchors stay shared,
so this is cheap), the node graph is walked as it would be expanded, and a document whose aliases
expand to more than `max_alias_expansion` values beyond its own size, or which nests deeper than
MAX_DEPTH, is refused before anything is built from it. Files over `max_bytes` are not read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode

MAX_DEPTH = 100
MAX_ALIAS_EXPANSION = 10_000  # values that aliases may add on top of the ones written out

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(ValueError):
    """A YAML document over one of the limits (size, aliases, nesting); the message says which."""


def _written_nodes(root) -> int:
    """How many nodes the document writes out (each anchored node counted once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack += (key, value)
    return len(seen)


def _check_expansion(root, limit: int) -> None:
    """Walk the nodes as a reader of the data would (aliases followed every time), stopping as soon as
    there are more than `limit` of them or they nest deeper than MAX_DEPTH."""
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limit:
            raise YamlLimitError(f"its aliases (*name) expand to more than {limit:,} values; write the values "
                                 "out instead of repeating them through anchors and aliases")
        if depth > MAX_DEPTH:
            raise YamlLimitError(f"it nests more than {MAX_DEPTH} levels deep")
        if isinstance(node, SequenceNode):
            stack += ((child, depth + 1) for child in node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack += ((key, depth + 1), (value, depth + 1))


def load_yaml_text(text: str, max_alias_expansion: int = MAX_ALIAS_EXPANSION) -> Any:
    """Parse one YAML document with the alias and nesting limits. Raises yaml.YAMLError for bad YAML
    (with its mark) and YamlLimitError for a document over a limit."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, _written_nodes(node) + max_alias_expansion)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(path: str | Path, max_bytes: int, max_alias_expansion: int = MAX_ALIAS_EXPANSION,
              encoding: str = "utf-8-sig") -> Any:
    """Read and parse a YAML file with the limits above; a file over `max_bytes` is refused unread."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlLimitError(f"it is {size / 1e6:.1f} MB; a YAML file here may be at most {max_bytes / 1e6:g} MB")
    return load_yaml_text(path.read_text(encoding=encoding), max_alias_expansion)


__all__ = ["MAX_ALIAS_EXPANSION", "MAX_DEPTH", "YamlLimitError", "load_yaml", "load_yaml_text"]
