"""The Jinja2 sandbox templates run in, with resource limits.

Templates come from strangers. Jinja2's ImmutableSandboxedEnvironment already blocks private and
internal attributes (`__class__`, `__globals__`, `func_code` ...), unsafe callables and changes to
lists and dicts. On top of it this environment limits what a template can cost:

- output: at most MAX_OUTPUT characters per render (a script is a few hundred);
- `range()`: at most MAX_RANGE items;
- `*` and `**`: no string, list or number bigger than MAX_SEQUENCE items / MAX_POWER_BITS bits;
- everything else that builds a value (`~`, `+`, `%`, list, tuple and dict literals, filters and
  string methods such as replace, join, wordwrap, expandtabs, format): no string longer than MAX_TEXT
  characters, no list longer than MAX_SEQUENCE items, and no container that would print as more than
  MAX_TEXT characters. The size is worked out from the operands *before* the value is built (a
  `replace('', s)` or a doubled nested list never exists in memory), by a walk that stops as soon as
  the limit is passed; printing a value (`{{ x }}`) is checked the same way before `str()` runs;
- any number passed to a call or filter (center(10**9), lipsum(n=...), indent(width=...)) and any
  width in a format string ("{:>999999999}", "%999999999d") at most MAX_NUMBER_ARG;
- time: at most MAX_SECONDS of template code per render (checked on every template line, so a
  nested loop that prints nothing is stopped too);
- `lipsum` is removed (no template needs it); `cycler`, `joiner`, `namespace`, `dict` stay.

Every breach raises `TemplateLimitError` (a SecurityError) with a plain message.
"""
from __future__ import annotations

import functools
import operator
import re
import sys
import time
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace

from ..util import is_inside

MAX_OUTPUT = 100_000  # characters of rendered text
MAX_TEXT = MAX_OUTPUT  # characters in one value a template builds (a longer one could never be printed)
MAX_RANGE = 10_000
MAX_SEQUENCE = 10_000  # items in a string or list built with *
MAX_POWER_BITS = 256
MAX_NUMBER_ARG = 100_000
MAX_SECONDS = 2.0

_FORMAT_WIDTH = re.compile(r"\d{6,}")  # a width or precision of 100000 or more in a format string


class TemplateLimitError(SecurityError):
    """A template went over one of the sandbox's resource limits."""


def _limited_range(*args: Any) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimitError(f"range() of {len(rng)} items; templates may use at most {MAX_RANGE}")
    return rng


_limited_range.__name__ = "range"


def printed_size(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters `str(value)` has (a string: its length; a container: its items' sizes
    plus separators), counted only until `limit` is passed: the walk costs at most `limit` steps
    however large the value (a list nesting itself 40 times over stands for 2**40 items)."""
    if isinstance(value, str):
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2  # quoted inside a container
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)  # brackets, and ", " between items
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            for key, sub in item.items():
                stack += (key, sub)
        elif isinstance(item, Namespace):  # prints as <Namespace {...its attributes...}>
            total += 12
            stack.append(object.__getattribute__(item, "_Namespace__attrs"))
        elif isinstance(item, (int, float)):  # ints are small: ** is limited to MAX_POWER_BITS
            total += len(repr(item))
        else:
            total += 8
    return total


def _too_big(size: int, what: str = "a value") -> TemplateLimitError:
    return TemplateLimitError(f"{what} of more than {MAX_TEXT} characters; templates may build at most {MAX_TEXT}")


def _check_built(*parts: Any, what: str = "a value", extra: int = 0) -> None:
    """Refuse, before building it, a value made of `parts` (plus `extra` characters) that would print
    as more than MAX_TEXT characters."""
    total = extra
    for part in parts:
        total += printed_size(part, MAX_TEXT - total)
        if total > MAX_TEXT:
            raise _too_big(total, what)
    if total > MAX_TEXT:
        raise _too_big(total, what)


def _check_size(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) > MAX_SEQUENCE:
        raise TemplateLimitError(f"a value of {len(value)} items; templates may build at most {MAX_SEQUENCE}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _too_big(len(value))
    return value


def _safe_mul(left: Any, right: Any) -> Any:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
            if len(seq) * max(n, 0) > MAX_SEQUENCE:
                raise TemplateLimitError(f"repeating {len(seq)} items {n} times; templates may build at most "
                                         f"{MAX_SEQUENCE}")
            if not isinstance(seq, str) and printed_size(seq) * max(n, 0) > MAX_TEXT:
                raise _too_big(printed_size(seq) * n, f"repeating a list {n} times makes a value")
    return operator.mul(left, right)


def _safe_add(left: Any, right: Any) -> Any:
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) and len(left) + len(right) > MAX_SEQUENCE:
        raise TemplateLimitError(f"joining lists of {len(left)} and {len(right)} items; templates may build at "
                                 f"most {MAX_SEQUENCE}")
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        _check_built(left, right, what="joining them makes a value")
    return operator.add(left, right)


def _concat(parts: tuple) -> str:
    """`a ~ b ~ c`: checked before the string is built."""
    _check_built(*parts, what="joining them with ~ makes a string")
    return "".join(str(p) for p in parts)


def _literal(value: Any) -> Any:
    """A list, tuple or dict written in the template: checked so that nesting a list in itself over
    and over ([l, l]) cannot stand for more than MAX_TEXT characters."""
    if printed_size(value) > MAX_TEXT:
        raise _too_big(MAX_TEXT + 1, "a list or dict")
    return value


def _output(value: Any) -> Any:
    """Every `{{ value }}`: its size is checked before it is turned into text."""
    if not isinstance(value, str) and printed_size(value, MAX_OUTPUT) > MAX_OUTPUT:
        raise TemplateLimitError(f"the template printed a value of more than {MAX_OUTPUT} characters")
    return value


def _amplified_size(name: str, args: tuple, kwargs: dict) -> int | None:
    """What a filter or string method that can make its result far bigger than its input would
    build (replace, wordwrap, indent, expandtabs, translate, join, % and format), or None."""
    def arg(i: int, key: str, default: Any = None) -> Any:
        return args[i] if len(args) > i else kwargs.get(key, default)

    s = args[0] if args else None
    if not isinstance(s, str):
        return None
    if name == "replace":
        old, new, count = arg(1, "old", ""), arg(2, "new", ""), arg(3, "count", None)
        if isinstance(old, str) and isinstance(new, str):
            hits = len(s) + 1 if old == "" else s.count(old)
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            return len(s) + hits * max(len(new) - len(old), 0)
    if name == "wordwrap":
        width, wrap = arg(1, "width", 79), arg(4, "wrapstring", None) or "\n"
        return len(s) + (len(s) // max(int(width), 1) + 1) * len(str(wrap))
    if name == "indent":
        width = arg(1, "width", 4)
        prefix = len(width) if isinstance(width, str) else int(width)
        return len(s) + (s.count("\n") + 1) * prefix
    if name == "expandtabs":
        return len(s) + s.count("\t") * int(arg(1, "tabsize", 8))
    if name == "translate":
        table = arg(1, "table", {})
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1) if isinstance(table, dict) else 1
        return len(s) * max(longest, 1)
    if name == "join":  # str.join(items): the separator between every two items
        items = arg(1, "iterable", ())
        if isinstance(items, (list, tuple)):
            return printed_size(items) + len(s) * len(items)
    if name in ("format", "%"):  # every field may repeat the biggest argument
        fields = s.count("%") if name == "%" else s.count("{")
        biggest = max((printed_size(a) for a in (*args[1:], *kwargs.values())), default=0)
        return len(s) + fields * biggest
    return None


def _safe_pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        if right * max(abs(left).bit_length(), 1) > MAX_POWER_BITS:
            raise TemplateLimitError(f"{left} ** {right} is too big a number for a template")
    return operator.pow(left, right)


def _safe_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str) and _FORMAT_WIDTH.search(left):
        raise TemplateLimitError("a format width of 100000 or more")
    if isinstance(left, str):
        values = right if isinstance(right, tuple) else (right,)
        _check_amplified("%", (left, *values), {}, "the % operator")
    return _check_size(operator.mod(left, right))


def _check_args(args: tuple, kwargs: dict, what: str) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_NUMBER_ARG:
            raise TemplateLimitError(f"{what} with the number {value}; templates may pass at most {MAX_NUMBER_ARG}")
        if isinstance(value, float) and abs(value) > MAX_NUMBER_ARG:
            raise TemplateLimitError(f"{what} with the number {value:g}; templates may pass at most {MAX_NUMBER_ARG}")


def _check_amplified(name: str, args: tuple, kwargs: dict, what: str) -> None:
    size = _amplified_size(name, args, kwargs)
    if size is not None and size > MAX_TEXT:
        raise _too_big(size, f"{what} would build a string")


def _checked_filter(name: str, func):
    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_args(args, kwargs, f"the filter '{name}'")
        if name == "format" and any(isinstance(a, str) and _FORMAT_WIDTH.search(a) for a in args):
            raise TemplateLimitError("a format width of 100000 or more")
        if name in _SIZE_CHECKED_FILTERS:
            # pass_context / pass_environment filters get those first: the value is the first plain argument
            plain = tuple(a for a in args if not isinstance(a, (jinja2.runtime.Context, jinja2.Environment,
                                                                 jinja2.nodes.EvalContext)))
            _check_amplified(name, plain, kwargs, f"the filter '{name}'")
            if name in _PRINTING_FILTERS:
                _check_built(*plain[:1], what=f"the filter '{name}' makes text")
            return _check_size(func(*args, **kwargs))
        return func(*args, **kwargs)

    return checked


# filters whose result may be a long string or list built from small inputs
_SIZE_CHECKED_FILTERS = {"center", "indent", "format", "join", "replace", "wordwrap", "list", "batch", "slice", "string",
                         "pprint", "tojson", "xmlattr", "urlize", "sum", "e", "escape", "forceescape", "safe", "trim",
                         "striptags", "upper", "lower", "title", "capitalize", "truncate", "urlencode", "wordcount"}
# filters that turn their value into text first (a nested list would be printed in full)
_PRINTING_FILTERS = {"string", "pprint", "tojson", "join", "e", "escape", "forceescape", "safe", "trim", "striptags",
                     "upper", "lower", "title", "capitalize", "truncate", "urlencode", "wordcount", "xmlattr",
                     "urlize", "sum"}


class StudioSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with the limits described in the module docstring."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _limited_range
        self.globals.pop("lipsum", None)
        self.binop_table["*"] = _safe_mul
        self.binop_table["**"] = _safe_pow
        self.binop_table["%"] = _safe_mod
        self.binop_table["+"] = _safe_add
        self.finalize = _output
        self.checked_concat = _concat
        self.checked_literal = _literal
        # compiled templates call filters directly (not through call_filter), so check their arguments
        # by wrapping each one; functools.wraps keeps Jinja's pass_context/pass_environment marks
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}

    code_generator_class = None  # set below, once the class exists

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        name = getattr(__obj, "__name__", type(__obj).__name__)
        _check_args(args, kwargs, f"a call to {name}")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):  # a string method: 'x'.replace(...), sep.join(...), s.expandtabs(...)
            _check_amplified(name, (owner, *args), kwargs, f"{name}()")
        for value in (*args, *kwargs.values()):
            if not isinstance(value, str):
                _check_built(value, what=f"an argument of {name}()")
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def format_string(self, s, args, kwargs, format_func=None):  # str.format / format_map from a template
        if _FORMAT_WIDTH.search(str(s)):
            raise TemplateLimitError("a format width of 100000 or more")
        return super().format_string(s, args, kwargs, format_func)

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if _FORMAT_WIDTH.search(fmt):
                raise TemplateLimitError("a format width of 100000 or more")
            _check_args(args, kwargs, "str.format")
            _check_amplified("format", (fmt, *args), kwargs, "str.format")
            return _check_size(wrapped(*args, **kwargs)) if len(fmt) < MAX_SEQUENCE else wrapped(*args, **kwargs)

        return checked


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator with `~` and list, tuple and dict literals routed through the
    environment's checks (Jinja compiles them to plain Python, which no sandbox hook sees)."""

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _wrapped(self, visit, node, frame) -> None:
        self.write("environment.checked_literal(")
        visit(node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame) -> None:
        self._wrapped(super().visit_List, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame) -> None:
        self._wrapped(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame) -> None:
        if node.ctx == "load":
            self._wrapped(super().visit_Tuple, node, frame)
        else:  # an assignment target ({% for a, b in ... %}) stays as it is
            super().visit_Tuple(node, frame)


StudioSandbox.code_generator_class = _LimitedCodeGenerator


class _StrictUndefined(jinja2.StrictUndefined):
    """StrictUndefined that also fails when shown inside a list (`points|map(attribute='__class__')`),
    so a blocked attribute is reported as blocked instead of printing 'Undefined'."""

    __repr__ = jinja2.StrictUndefined._fail_with_undefined_error


class ConfinedLoader(jinja2.FileSystemLoader):
    """Loads `include`d and `import`ed files from the template folder only: a name that leads outside
    it, through `..` or through a link placed in the folder, is refused instead of read."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = Path(folder).resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not is_inside(filename, self.folder):
            raise TemplateLimitError(f"'{template}' is outside the template folder (it leads to "
                                     f"{Path(filename).resolve()}); a template may include only its own files")
        return source, filename, uptodate


def environment(folder: Path) -> StudioSandbox:
    """The sandboxed environment a template folder's script renders in."""
    env = StudioSandbox(
        loader=ConfinedLoader(folder),
        undefined=_StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_limited(jt: jinja2.Template, context: dict, filename: str) -> str:
    """Render with the output and time limits. `filename` is the template file: its lines are timed."""
    deadline = time.monotonic() + MAX_SECONDS
    lines = 0

    def local(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
            if lines % 256 == 0 and time.monotonic() > deadline:
                raise TemplateLimitError(f"the template ran longer than {MAX_SECONDS:g} s (a loop too big?)")
        return local

    def tracer(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == filename:
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        out: list[str] = []
        size = 0
        for chunk in jt.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimitError(f"the template wrote more than {MAX_OUTPUT} characters")
            out.append(chunk)
            if time.monotonic() > deadline:
                raise TemplateLimitError(f"the template ran longer than {MAX_SECONDS:g} s")
        return "".join(out)
    finally:
        sys.settrace(previous)


__all__ = ["MAX_OUTPUT", "MAX_RANGE", "MAX_TEXT", "printed_size", "MAX_SECONDS", "StudioSandbox", "TemplateLimitError", "environment",
           "render_limited"]
