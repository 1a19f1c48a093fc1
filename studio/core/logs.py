"""Logging: a module logger everywhere, and one rotating log file in the studio's data folder that
keeps the traceback of every error that was turned into a message for the user."""
from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_NAME = "studio.log"
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    from ..util import data_home

    return data_home() / "logs"


def log_path() -> Path:
    """The log file (STUDIO_HOME moves it with the rest of the data folder)."""
    return log_dir() / LOG_NAME


def setup_logging(console: bool = False, level: int = logging.INFO) -> Path | None:
    """Send the studio's loggers to the rotating log file (5 × 2 MB), and warnings to stderr when
    `console`. Safe to call more than once (a second call changes nothing). Returns the log file, or
    None when it cannot be written (a read-only home: logging then goes to stderr only)."""
    root = logging.getLogger("studio")
    root.setLevel(level)
    if getattr(root, "_studio_configured", False):
        return log_path()
    path: Path | None = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True)
    except OSError:
        path, handler = None, logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if console and path is not None:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING if not os.environ.get("STUDIO_DEBUG") else logging.DEBUG)
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root._studio_configured = True  # type: ignore[attr-defined]
    return path
