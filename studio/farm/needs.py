"""What one render needs from the machine it runs on, and how that maps onto what a farm's workers
declare. Engine-agnostic: the runner turns `task_resources` into its engine's resource requests.

Resource names a worker may declare (any subset; see README *Render farm*):

    CPU     cores it lends to one render at a time (x264 threads)
    MEMORY  bytes of memory for one render
    GPU     1 when a CUDA GPU is there (AI backgrounds, the CUDA photo zoom)
    NVENC   1 when a real NVENC test encode works (the GPU video encoder)

A render only asks for the resources that some worker declares, so a farm whose workers declare
nothing runs every render anywhere; a render that *requires* a GPU or NVENC (the settings force
it) fails at once with what to do when no worker has one, instead of waiting all night.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ..pipeline.plan import RenderPlan

RESOURCE_NAMES = ("CPU", "MEMORY", "GPU", "NVENC")
RENDER_MEMORY = 1_500_000_000  # a 1080x1920 render: frame buffers, the voice and Whisper (measured peak ~1.2 GB)
PAINT_MEMORY = 3_000_000_000  # a Stable Diffusion 1.5 pipeline on top of that
NVENC_ENCODERS = ("h264_nvenc", "hevc_nvenc")


@dataclass(frozen=True)
class RenderNeeds:
    """What a render asks of its worker. `gpu`/`nvenc`: "required" (the settings force it),
    "preferred" (it runs faster there but also runs without) or "" (not used)."""

    cpu: int
    memory: int
    gpu: str = ""
    nvenc: str = ""

    def describe(self) -> str:
        parts = [f"{self.cpu} CPU thread(s)", f"{self.memory / 1e9:.1f} GB memory"]
        parts += [f"a GPU ({self.gpu})"] if self.gpu else []
        parts += [f"NVENC ({self.nvenc})"] if self.nvenc else []
        return ", ".join(parts)


def needs_of(plan: RenderPlan) -> RenderNeeds:
    """The needs of one checked render plan."""
    o = plan.options
    cpu = o.encoder_threads or (2 if o.quality == "draft" else 4)
    memory = RENDER_MEMORY + (PAINT_MEMORY if plan.ai_backgrounds else 0)
    if o.compose == "cuda":
        gpu = "required"
    elif plan.ai_backgrounds and o.compose == "auto":
        gpu = "preferred"  # painting on a CPU takes minutes per picture
    else:
        gpu = ""
    nvenc = "required" if o.encoder in NVENC_ENCODERS else ""  # auto falls back to x264 on any worker
    return RenderNeeds(cpu=cpu, memory=memory, gpu=gpu, nvenc=nvenc)


@dataclass(frozen=True)
class Placement:
    """The resource request for the engine (empty: any worker), or why no worker can take it."""

    resources: dict
    refused: str = ""


def task_resources(needs: RenderNeeds, declared: Sequence[Mapping[str, float]]) -> Placement:
    """Map a render's needs onto the resources the farm's workers declare (one mapping per worker).
    Amounts are capped at the largest any worker declares, so a big render still runs on the
    biggest worker; a requirement no worker declares is refused with what to do."""
    declared = [dict(d or {}) for d in declared]
    most = {name: max((d.get(name, 0) for d in declared), default=0) for name in RESOURCE_NAMES}
    wanted: dict[str, float] = {}
    if most["CPU"]:
        wanted["CPU"] = min(needs.cpu, most["CPU"])
    if most["MEMORY"]:
        wanted["MEMORY"] = min(needs.memory, most["MEMORY"])
    for name, level in (("GPU", needs.gpu), ("NVENC", needs.nvenc)):
        if level == "required" and not most[name]:
            what = ("a CUDA GPU (the GPU setting is on)" if name == "GPU"
                    else "an NVENC encoder (the encoder is set to NVENC)")
            return Placement({}, f"this video needs {what}, and no worker of the farm declares {name}: start a "
                                 f"worker on a PC that has one with --resources {name}=1 (main.py farm-worker "
                                 "finds it by itself), or set the GPU setting to auto or off")
        if level == "required" or (level == "preferred" and most[name]):
            wanted[name] = 1  # a preferred GPU still restricts: painting on a CPU takes many times longer
    return Placement(wanted)


__all__ = ["NVENC_ENCODERS", "Placement", "RESOURCE_NAMES", "RenderNeeds", "needs_of", "task_resources"]
