"""The errors a user meets: each message says what went wrong and what to do."""
from __future__ import annotations

import errno


class StudioError(Exception):
    """An error a user can act on: the message says what went wrong and what to do."""


class DiskFull(StudioError):
    """A write failed because the disk is full (ENOSPC): later jobs would fail the same way."""


class Cancelled(StudioError):
    """The user cancelled the job."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)


def is_disk_full(exc: BaseException | None) -> bool:
    """True for a DiskFull error or an OSError with errno ENOSPC (anywhere in its cause chain)."""
    while exc is not None:
        if isinstance(exc, DiskFull) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            return True
        exc = exc.__cause__
    return False
