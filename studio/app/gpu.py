"""What this machine offers for the GPU paths, in plain words (shown in the settings dialog)."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def detect_gpu() -> str:
    """'CUDA: <device> | none, NVENC: yes | no' (English; the dialog adds its own prefix). Never raises:
    what could not be checked says so and why, and the log keeps the trace."""
    parts = []
    try:
        import torch

        parts.append(f"CUDA: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "CUDA: none")
    except Exception as exc:  # torch missing or broken
        log.warning("CUDA could not be checked", exc_info=True)
        parts.append(f"CUDA: not checked ({type(exc).__name__})")
    try:
        from ..render.encode import probe_nvenc
        from ..util import ffmpeg_exe

        ok, reason = probe_nvenc(ffmpeg_exe())
        if not ok:
            log.info("NVENC test encode: %s", reason)
        parts.append("NVENC: yes" if ok else "NVENC: no")
    except Exception as exc:
        log.warning("NVENC could not be checked", exc_info=True)
        parts.append(f"NVENC: not checked ({type(exc).__name__})")
    return ", ".join(parts)
