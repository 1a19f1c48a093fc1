"""Server-side template injection: templates come from strangers, so every known Jinja2 payload must
either stop with a clear template error or render harmlessly, and never run a command, read a file or
leak the environment. Resource abuse (huge ranges, strings, numbers, output, loops, recursion) is cut
off by the sandbox's limits (studio/script/sandbox.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.script import generate_script, load_template
from studio.script.sandbox import MAX_OUTPUT, MAX_RANGE
from studio.types import Product
from studio.util import StudioError

pytestmark = pytest.mark.unit

CANARY = "ssti-canary-7f3a91"

PAYLOADS = {
    # object graph walks to subclasses / builtins
    "mro_subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "base_subclasses": "{{ ''.__class__.__base__.__subclasses__() }}",
    "tuple_bases": "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "subclass_loop": "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
                     "{{ c()._module.__builtins__['__import__']('os').system('touch MARKER') }}{% endif %}{% endfor %}",
    "func_globals_py2": "{{ ().__class__.__bases__[0].__subclasses__()[59].__init__.func_globals.linecache.os.popen('id').read() }}",
    # globals of the functions and helpers templates can reach
    "pick_globals_os": "{{ pick.__globals__['os'].system('touch MARKER') }}",
    "pick_builtins_open": "{{ pick.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "pick_code": "{{ pick.__code__.co_consts }}",
    "pick_closure": "{{ pick.__closure__ }}",
    "cycler_globals": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "joiner_globals": "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "joiner_call_globals": "{{ joiner().__call__.__globals__ }}",
    "namespace_globals": "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "lipsum_globals": "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "lipsum_call": "{{ lipsum(n=5) }}",
    "request_flask": "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "config_flask": "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
    "config_items": "{{ config.items() }}",
    "self_globals": "{{ self.__init__.__globals__.__builtins__ }}",
    "self_context": "{{ self._TemplateReference__context }}",
    "getattr_builtin": "{{ getattr('', '__class__') }}",
    "environ": "{{ extra.__class__.__init__.__globals__ }}{{ os.environ }}",
    # attr() filter and subscript tricks that spell dunder names indirectly
    "attr_filter": "{{ ''|attr('__class__')|attr('__mro__') }}",
    "attr_hex_escape": "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "attr_joined_name": "{{ ''|attr(['_', '_', 'class', '_', '_']|join) }}",
    "subscript_concat": "{{ ''['__cla' ~ 'ss__'] }}",
    "subscript_plus": "{{ ''['__cla' + 'ss__']['__mro__'] }}",
    "subscript_unicode_escape": "{{ ''['\\u005f\\u005fclass\\u005f\\u005f'] }}",
    "format_attr_walk": "{{ '{0.__class__.__mro__}'.format('') }}",
    "format_globals": "{{ '{0.__globals__}'.format(pick) }}",
    "format_map": "{{ '{x.__class__}'.format_map({'x': points}) }}",
    "percent_format_globals": "{{ '%s'|format(pick.__globals__) }}",
    "map_attribute": "{{ points|map(attribute='__class__')|list }}",
    "map_dotted_attribute": "{{ points|map(attribute='__class__.__mro__')|list }}",
    "selectattr": "{{ points|selectattr('__class__')|list }}",
    "sort_attribute": "{{ points|sort(attribute='__class__.__init__.__globals__')|list }}",
    # mutation of the context (immutable sandbox)
    "list_append": "{{ points.append('x') }}",
    "dict_update": "{{ extra.update({'a': 1}) }}",
    "dict_setitem": "{{ extra.__setitem__('a', 1) }}",
    # files through the loader
    "include_passwd": "{% include '/etc/passwd' %}",
    "include_parent": "{% include '../../../../../../etc/passwd' %}",
    "extends_passwd": "{% extends '/etc/passwd' %}",
    "import_os": "{% import 'os' as os %}{{ os.system('id') }}",
    # resource abuse
    "range_huge": "{{ range(10**9)|list|length }}",
    "range_over_limit": "{{ range(" + str(MAX_RANGE + 1) + ")|list|length }}",
    "string_multiply": "{{ 'x' * 10**9 }}",
    "list_multiply": "{{ ([1] * 10**8)|length }}",
    "power_tower": "{{ 9 ** 9 ** 9 }}",
    "power_big": "{{ 10 ** 100000 }}",
    "center_method": "{{ 'x'.center(10**9) }}",
    "center_filter": "{{ 'x'|center(10**9) }}",
    "indent_filter": "{{ 'x\\ny'|indent(10**9) }}",
    "format_width": "{{ '{:>999999999}'.format(1) }}",
    "percent_width": "{{ '%999999999d' % 1 }}",
    "format_filter_width": "{{ '%999999999d'|format(1) }}",
    "output_flood": "{% for i in range(10000) %}{{ 'x' * 1000 }}{% endfor %}",
    "nested_loops_no_output": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "join_big": "{{ 'a'.join(['b'] * 10**6) }}",
    # building big values by doubling or amplifying small ones (each stays cheap here, just over the limit)
    "concat_doubling": "{% set a = 'x' * 10000 %}" + "{% set a = a ~ a %}" * 5 + "{{ a|length }}",
    "plus_string_doubling": "{% set a = 'x' * 10000 %}" + "{% set a = a + a %}" * 5 + "{{ a|length }}",
    "plus_list_doubling": "{% set l = [1] * 10000 %}{% set l = l + l %}{{ l|length }}",
    "nested_literal_doubling": "{% set l = ['x' * 10000] %}" + "{% set l = [l, l] %}" * 5 + "{{ l|length }}",
    "replace_empty_filter": "{{ ('x' * 1000)|replace('', 'y' * 1000)|length }}",
    "replace_empty_method": "{{ ('x' * 1000).replace('', 'y' * 1000)|length }}",
    "wordwrap_wrapstring": "{{ ('x ' * 5000)|wordwrap(1, wrapstring='y' * 1000)|length }}",
    "expandtabs": "{{ ('\t' * 1000).expandtabs(1000)|length }}",
    "format_repeated_field": "{{ ('{0}' * 3000).format('x' * 1000)|length }}",
    "percent_repeated_field": "{{ (('%s' * 3000) % (('x' * 1000,) * 3000))|length }}",
    "string_of_shared_list": "{% set l = ['x' * 10000] * 100 %}{{ (l|string)|length }}",
}

HARMLESS = {  # payloads that may render, as plain text that leaks nothing
    "float_inf": "{{ 1e308 * 10 }}",
    "dict_global": "{{ dict(a=1) }}",
    "range_small": "{{ range(3)|list|join(',') }}",
    "format_plain": "{{ '{0} {1}'.format(short_name, price_display) }}",
    "concat_small": "{{ name ~ ' ' ~ price_display ~ currency }}",
    "list_plus_small": "{{ (points + ['x'])|join('、') }}",
    "literal_small": "{{ [name, price, {'a': points}]|length }}",
}


def _product() -> Product:
    return Product(name="小熊保温杯", price=59.9, selling_points=["保温12小时", "316不锈钢"], language="zh",
                   images=[Path("a.jpg")])


def _folder(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: t\nlanguage: zh\n", encoding="utf-8")
    (folder / "script.j2").write_text("[hook]\n你好。\n" + body + "\n", encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def canary(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_SSTI_CANARY", CANARY)
    monkeypatch.chdir(tmp_path)  # where 'touch MARKER' would land


def _no_escape(tmp_path: Path, text: str) -> None:
    assert not (tmp_path / "MARKER").exists(), "a command ran"
    assert "root:" not in text and CANARY not in text, "a file or the environment leaked"
    assert "<class" not in text and "<function" not in text and "__builtins__" not in text


def test_corpus_is_big_enough():
    assert len(PAYLOADS) + len(HARMLESS) >= 30


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_is_stopped_with_a_clear_error(tmp_path: Path, name: str):
    body = PAYLOADS[name].replace("MARKER", str(tmp_path / "MARKER"))
    folder = _folder(tmp_path, body)
    with pytest.raises(StudioError) as err:
        generate_script(_product(), load_template(folder))
    message = str(err.value)
    assert message.startswith("template 't'"), message
    assert len(message) < 2000, "the error should be readable, not a dump"
    _no_escape(tmp_path, message)


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_harmless_expressions_render(tmp_path: Path, name: str):
    script = generate_script(_product(), load_template(_folder(tmp_path, HARMLESS[name])))
    _no_escape(tmp_path, script.text)


def test_limits_are_stated():
    assert MAX_OUTPUT <= 1_000_000 and MAX_RANGE <= 100_000
    assert os.environ.get("STUDIO_SSTI_CANARY") == CANARY
