"""The Jinja2 sandbox templates run in, with resource limits.

Templates come from strangers. Jinja2's ImmutableSandboxedEnvironment already blocks private and
internal attributes (`__class__`, `__globals__`, `func_code` ...), unsafe callables and changes to
lists and dicts. On top of it this environment limits what a template can cost:

- output: at most MAX_OUTPUT characters per render (a script is a few hundred);
- `range()`: at most MAX_RANGE items;
- `*` and `**`: no string, list or number bigger than MAX_SEQUENCE items / MAX_POWER_BITS bits;
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
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT = 100_000  # characters of rendered text
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


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_SEQUENCE:
        raise TemplateLimitError(f"a value of {len(value)} items; templates may build at most {MAX_SEQUENCE}")
    return value


def _safe_mul(left: Any, right: Any) -> Any:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_SEQUENCE:
            raise TemplateLimitError(f"repeating {len(seq)} items {n} times; templates may build at most "
                                     f"{MAX_SEQUENCE}")
    return operator.mul(left, right)


def _safe_pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        if right * max(abs(left).bit_length(), 1) > MAX_POWER_BITS:
            raise TemplateLimitError(f"{left} ** {right} is too big a number for a template")
    return operator.pow(left, right)


def _safe_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str) and _FORMAT_WIDTH.search(left):
        raise TemplateLimitError("a format width of 100000 or more")
    return _check_size(operator.mod(left, right))


def _check_args(args: tuple, kwargs: dict, what: str) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_NUMBER_ARG:
            raise TemplateLimitError(f"{what} with the number {value}; templates may pass at most {MAX_NUMBER_ARG}")
        if isinstance(value, float) and abs(value) > MAX_NUMBER_ARG:
            raise TemplateLimitError(f"{what} with the number {value:g}; templates may pass at most {MAX_NUMBER_ARG}")


def _checked_filter(name: str, func):
    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_args(args, kwargs, f"the filter '{name}'")
        if name == "format" and any(isinstance(a, str) and _FORMAT_WIDTH.search(a) for a in args):
            raise TemplateLimitError("a format width of 100000 or more")
        return _check_size(func(*args, **kwargs)) if name in _SIZE_CHECKED_FILTERS else func(*args, **kwargs)

    return checked


# filters whose result may be a long string or list built from small inputs
_SIZE_CHECKED_FILTERS = {"center", "indent", "format", "join", "replace", "wordwrap", "list", "batch", "slice", "string",
                         "pprint", "tojson", "xmlattr", "urlize"}


class StudioSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with the limits described in the module docstring."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _limited_range
        self.globals.pop("lipsum", None)
        self.binop_table["*"] = _safe_mul
        self.binop_table["**"] = _safe_pow
        self.binop_table["%"] = _safe_mod
        # compiled templates call filters directly (not through call_filter), so check their arguments
        # by wrapping each one; functools.wraps keeps Jinja's pass_context/pass_environment marks
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        _check_args(args, kwargs, f"a call to {getattr(__obj, '__name__', type(__obj).__name__)}")
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
            return _check_size(wrapped(*args, **kwargs)) if len(fmt) < MAX_SEQUENCE else wrapped(*args, **kwargs)

        return checked


class _StrictUndefined(jinja2.StrictUndefined):
    """StrictUndefined that also fails when shown inside a list (`points|map(attribute='__class__')`),
    so a blocked attribute is reported as blocked instead of printing 'Undefined'."""

    __repr__ = jinja2.StrictUndefined._fail_with_undefined_error


def environment(folder: Path) -> StudioSandbox:
    env = StudioSandbox(
        loader=jinja2.FileSystemLoader(str(folder)),
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


__all__ = ["MAX_OUTPUT", "MAX_RANGE", "MAX_SECONDS", "StudioSandbox", "TemplateLimitError", "environment",
           "render_limited"]
