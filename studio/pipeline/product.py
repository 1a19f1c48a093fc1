"""One product, one video: the plan, then the named steps (voice, captions, timeline, encode, finish).

    1. plan        checked first and cheaply: options, photos, script, compliance, style, voice, caps
    2. imagery     AI backgrounds, only when the plan asks for them
    3. voice       the narration
    4. subtitles   caption pages of the script's words, timed; SRT/VTT/ASS
    5. compose     the timeline
    6. render      frames + audio -> MP4 (atomic)
    7. finish      captions and cover beside the video, then the manifest
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ..core.errors import Cancelled, StudioError, is_disk_full
from ..core.progress import CancelToken, ProgressCallback, StepTracker, no_progress
from ..types import Problem, Product, RenderResult, Scene
from . import steps
from .manifest import build_manifest, finished_render, write_json_atomic
from .plan import RenderPlan, plan as make_plan

log = logging.getLogger(__name__)


def render_product(
    product: Product,
    options,
    variant: int = 0,
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    notes: list[Problem] | None = None,
    script: list[Scene] | None = None,
) -> RenderResult:
    """Render one product (one variant) into options.out_dir. Never raises for a bad product or
    option: the result says what failed; only `Cancelled` (and KeyboardInterrupt) propagate, so
    callers can stop a batch. `script`: scenes the merchant edited, spoken instead of the template's."""
    try:
        the_plan = make_plan(product, options, variant, script)
    except StudioError as exc:
        return RenderResult(product.name, None, ok=False, error=str(exc))
    except Exception as exc:  # a bug in planning must not stop a batch; the log keeps the trace
        log.exception("planning %s failed", product.name)
        return RenderResult(product.name, None, ok=False, error=f"internal error: {exc} (details in the log file)")
    return render_plan(the_plan, on_progress, cancel, notes)


def render_plan(plan: RenderPlan, on_progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
                notes: list[Problem] | None = None) -> RenderResult:
    """Carry out a checked plan (see render_product)."""
    cancel = cancel or CancelToken()
    tracker = StepTracker(on_progress, cancel, plan.product.name, plan.weights)
    out_dir = plan.out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return _run_steps(plan, tracker, notes or [])
    except Cancelled:
        steps.remove_partials(out_dir, plan.stem)
        raise
    except StudioError as exc:
        steps.remove_partials(out_dir, plan.stem)
        log.info("render of %s failed: %s", plan.stem, exc, exc_info=exc.__cause__ is not None)
        return RenderResult(plan.product.name, None, ok=False, error=str(exc), timings=tracker.timings,
                            disk_full=is_disk_full(exc))
    except OSError as exc:
        steps.remove_partials(out_dir, plan.stem)
        full = is_disk_full(exc)
        log.warning("render of %s failed: %s", plan.stem, exc, exc_info=not full)
        hint = " (the disk is full: free some space or choose another output folder)" if full else ""
        return RenderResult(plan.product.name, None, ok=False, error=f"{exc}{hint}", timings=tracker.timings,
                            disk_full=full)
    except Exception as exc:  # an unexpected bug must not stop the batch; the log keeps the trace
        steps.remove_partials(out_dir, plan.stem)
        log.exception("render of %s failed with an internal error", plan.stem)
        return RenderResult(plan.product.name, None, ok=False, timings=tracker.timings,
                            error=f"internal error: {type(exc).__name__}: {exc} (details in the log file)")
    except BaseException:  # KeyboardInterrupt, SystemExit: clean up, then let it through
        steps.remove_partials(out_dir, plan.stem)
        raise


def kept_render(plan: RenderPlan) -> RenderResult | None:
    """The finished earlier render of this plan's video, when the options keep unchanged videos."""
    if not plan.options.skip_unchanged:
        return None
    return finished_render(plan.out_dir, plan.stem, plan.fingerprint)


def _run_steps(plan: RenderPlan, tracker: StepTracker, notes: list[Problem]) -> RenderResult:
    tracker.begin("script")
    kept = kept_render(plan)
    if kept is not None:
        tracker.end()
        return kept
    if plan.blocked:
        raise StudioError(plan.blocked_message())
    work = plan.out_dir / ".work" / plan.stem
    work.mkdir(parents=True, exist_ok=True)
    ctx = steps.RenderContext(plan, work, tracker, warnings=list(plan.warnings))
    tracker.end()

    backgrounds = None
    if plan.ai_backgrounds:
        with tracker.step("imagery"):
            backgrounds = steps.paint_backgrounds(ctx)
    with tracker.step("voice"):
        voice_step = steps.make_voice(ctx)
    with tracker.step("subtitles"):
        caption_step = steps.make_captions(ctx, voice_step)
        ctx.warnings += caption_step.warnings
    with tracker.step("compose"):
        timeline = steps.make_timeline(ctx, voice_step, caption_step, backgrounds)
    with tracker.step("render"):
        encoded = steps.encode(ctx, timeline)
        ctx.warnings += encoded.warnings
    with tracker.step("finish"):
        outputs = steps.finish(ctx, timeline, caption_step)
        manifest = build_manifest(plan, voice_step=voice_step, caption_step=caption_step, timeline=timeline,
                                  encoded=encoded, outputs=outputs, backgrounds=backgrounds, timings=tracker.timings,
                                  notes=notes, warnings=ctx.warnings)
    manifest["timings_s"] = tracker.timings
    write_json_atomic(outputs.manifest, manifest)
    shutil.rmtree(work, ignore_errors=True)
    return steps.result_of(plan, outputs, tracker, ctx.warnings)
