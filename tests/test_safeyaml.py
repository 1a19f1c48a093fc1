"""YAML with limits: aliases, nesting and size (studio/safeyaml.py)."""
from __future__ import annotations

import pytest
import yaml

from studio.safeyaml import MAX_DEPTH, YamlLimitError, load_yaml, load_yaml_text

pytestmark = pytest.mark.unit


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built():
    with pytest.raises(YamlLimitError, match="aliases"):
        load_yaml_text(_bomb(8))  # 43 million values


def test_a_few_aliases_still_work():
    data = load_yaml_text("base: &b {size: 62}\nzh: *b\nen: *b\n")
    assert data == {"base": {"size": 62}, "zh": {"size": 62}, "en": {"size": 62}}
    assert load_yaml_text(_bomb(3))["a2"][0][0][0] == "lol"  # 729 values


def test_python_tags_deep_nesting_and_big_files_are_refused(tmp_path):
    with pytest.raises(yaml.YAMLError, match="python/object"):
        load_yaml_text("x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(YamlLimitError, match="levels deep"):
        load_yaml_text("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "y" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(YamlLimitError, match="at most"):
        load_yaml(big, max_bytes=1000)
    assert load_yaml(big, max_bytes=10_000)["x"] == "y" * 2000
