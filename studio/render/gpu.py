"""Composition of the heavy layer (the zooming photo) through torch, on a CUDA GPU when there is one.

The numpy/Pillow path in `compositor` stays the reference and the default on a CPU: torch on a CPU
is slower than Pillow's resize, and importing torch costs a second and a few hundred MB. With
`compose="cuda"` (or "auto" on a machine with a usable CUDA GPU), each photo's Y, U and V planes
go to the GPU once and every frame's zoom is one bilinear `grid_sample` per plane there; only the
finished planes come back. `compose="torch-cpu"` runs the same code on the CPU: that is how the
tests check it against the reference on machines without a GPU.
"""
from __future__ import annotations

import ctypes.util
import logging
import os
from functools import lru_cache

import numpy as np

from ..util import StudioError

log = logging.getLogger(__name__)

COMPOSE_CHOICES = ("auto", "cpu", "cuda", "torch-cpu")


def _cuda_driver_present() -> bool:
    """Cheap test before importing torch: an NVIDIA driver is installed."""
    return os.path.exists("/dev/nvidiactl") or bool(ctypes.util.find_library("cuda") or ctypes.util.find_library("nvcuda"))


@lru_cache(maxsize=4)
def compose_device(choice: str = "auto") -> tuple[str | None, str]:
    """(torch device or None for the numpy path, why). 'auto' takes CUDA only when a driver is
    present and torch sees a GPU; 'cuda' asked for and missing falls back to the CPU, saying why."""
    if choice not in COMPOSE_CHOICES:
        raise StudioError(f"unknown composition device '{choice}' (use {', '.join(COMPOSE_CHOICES)})")
    if choice == "cpu":
        return None, "composition on the CPU (numpy), as chosen"
    if choice == "torch-cpu":
        return "cpu", "composition through torch on the CPU, as chosen (a check of the GPU code)"
    if not _cuda_driver_present():
        why = "no NVIDIA driver found"
    else:
        try:
            import torch

            if torch.cuda.is_available():
                return "cuda", f"composition on the GPU ({torch.cuda.get_device_name(0)}) through torch"
            why = "torch sees no CUDA device"
        except Exception as exc:  # a broken torch install must not stop a render
            log.warning("torch could not be used for GPU composition", exc_info=True)
            why = f"torch could not be used ({exc})"
    return None, (f"cuda was asked for, but {why}; composition on the CPU" if choice == "cuda"
                  else f"composition on the CPU ({why})")


class TorchPlanes:
    """A photo's Y, U, V planes on a torch device, cropped and scaled to output size per frame."""

    def __init__(self, planes: tuple[np.ndarray, np.ndarray, np.ndarray], device: str) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.planes = [torch.from_numpy(np.array(p, np.uint8)).to(self.device, torch.float32)[None, None]
                       for p in planes]

    def crop_resize(self, index: int, box: tuple[float, float, float, float], width: int, height: int) -> np.ndarray:
        """Plane `index`'s region `box` (x0, y0, x1, y1 in source pixels) scaled bilinearly to
        width x height, as uint8 (the same box semantics as Pillow's resize(box=...))."""
        torch = self.torch
        src = self.planes[index]
        src_h, src_w = src.shape[-2:]
        x0, y0, x1, y1 = box
        xs = (torch.arange(width, device=self.device, dtype=torch.float32) + 0.5) * ((x1 - x0) / width) + x0
        ys = (torch.arange(height, device=self.device, dtype=torch.float32) + 0.5) * ((y1 - y0) / height) + y0
        gx = (xs / src_w * 2 - 1).expand(height, width)
        gy = (ys / src_h * 2 - 1)[:, None].expand(height, width)
        grid = torch.stack((gx, gy), dim=-1)[None]
        out = torch.nn.functional.grid_sample(src, grid, mode="bilinear", padding_mode="border", align_corners=False)
        return out[0, 0].round_().clamp_(0, 255).to(torch.uint8).cpu().numpy()
