"""A creator's own MoviePy clips in a timeline, from a local plug-in folder.

A plug-in is a Python file in `~/.local/share/aigc-studio/plugins/` (moved with STUDIO_HOME) or in a
folder listed in STUDIO_PLUGINS. It registers clip makers by name:

    from studio.render.plugins import clip_plugin
    from moviepy import ColorClip

    @clip_plugin("flash")
    def flash(params, duration, size):
        return ColorClip(size, color=tuple(params.get("color", (255, 255, 255)))).with_duration(duration)

and a timeline places one with a `PluginClip` layer (`PluginClip(start=..., end=..., name="flash",
params={"color": [255, 0, 0]})`), drawn over the pictures through its mask (opaque without one), in
the preview, the render and `to_moviepy` alike. Plug-ins are code the merchant installed on purpose:
they are never read from a template folder or an imported template package (those stay data only),
and each frame of a plug-in clip is drawn by its Python code (the fast path's speed does not hold
while one shows).
"""
from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Callable

from ..util import StudioError, data_home

log = logging.getLogger(__name__)

PLUGINS: dict[str, Callable] = {}
_loaded: set[str] = set()
_lock = threading.Lock()


def clip_plugin(name: str):
    """Register a clip maker `(params: dict, duration: float, size: (w, h)) -> MoviePy clip` (a decorator)."""
    def register(func: Callable) -> Callable:
        if not name or not isinstance(name, str):
            raise ValueError("a clip plug-in needs a name")
        PLUGINS[name] = func
        return func
    return register


def plugin_dirs() -> list[Path]:
    """Where plug-ins are read from: the studio's plugins folder, then STUDIO_PLUGINS (os.pathsep-separated)."""
    dirs = [data_home() / "plugins"]
    dirs += [Path(p) for p in os.environ.get("STUDIO_PLUGINS", "").split(os.pathsep) if p]
    return dirs


def load_plugins() -> dict[str, Callable]:
    """Run every plug-in file once (a broken one is an error naming the file)."""
    from ..script.templates import template_dirs

    templates = [d.resolve() for d in template_dirs() if d.exists()]
    with _lock:
        for folder in plugin_dirs():
            if not folder.is_dir():
                continue
            if any(folder.resolve() == t or t in folder.resolve().parents for t in templates):
                raise StudioError(f"plug-in folder {folder} lies inside a templates folder: templates are data only, "
                                  "keep plug-ins in their own folder")
            for path in sorted(folder.glob("*.py")):
                key = str(path.resolve())
                if key in _loaded:
                    continue
                spec = importlib.util.spec_from_file_location(f"studio_plugin_{path.stem}", path)
                try:
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                except Exception as exc:
                    log.exception("plug-in %s failed to load", path)
                    raise StudioError(f"plug-in {path} failed to load: {exc}") from exc
                _loaded.add(key)
    return PLUGINS


def plugin_clip(name: str, params: dict, duration: float, size: tuple[int, int]):
    """The clip plug-in `name` makes for these params, length and frame size."""
    makers = load_plugins()
    maker = makers.get(name)
    if maker is None:
        where = ", ".join(str(d) for d in plugin_dirs())
        raise StudioError(f"no clip plug-in named '{name}' (installed: {', '.join(sorted(makers)) or 'none'}; "
                          f"plug-ins are read from {where})")
    try:
        return maker(dict(params), duration, size)
    except Exception as exc:
        log.exception("clip plug-in %s failed", name)
        raise StudioError(f"clip plug-in '{name}' failed: {exc}") from exc
