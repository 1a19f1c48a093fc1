"""The core API: one product -> one finished video (`render_product`), many -> a batch (`run_batch`,
`render_sheet`), each render a checked plan (`plan`) followed by named steps.

The CLI and the desktop app both call these; neither reaches into the stages.
"""
from ..core.options import RenderOptions
from .batch import (BatchJob, BatchReport, OutputLock, ProcessRunner, Runner, SerialRunner, disk_space_warning,
                    jobs_for, local_runner, plan_jobs, render_sheet, run_batch, write_batch_summary)
from .manifest import finished_render
from .plan import (STEP_WEIGHTS, PlanError, RenderPlan, VoicePlan, delivery_preset, describe_findings, output_stem,
                   plan, render_fingerprint, step_weights)
from .product import kept_render, render_plan, render_product

__all__ = [
    "BatchJob", "BatchReport", "OutputLock", "PlanError", "ProcessRunner", "RenderOptions", "RenderPlan", "Runner",
    "STEP_WEIGHTS", "SerialRunner", "VoicePlan", "delivery_preset", "describe_findings", "disk_space_warning",
    "finished_render", "jobs_for", "kept_render", "local_runner", "output_stem", "plan", "plan_jobs",
    "render_fingerprint", "render_plan", "render_product", "render_sheet", "run_batch", "step_weights",
    "write_batch_summary",
]
