"""The open project as the app edits it, with no Qt.

Every edit is a command object (`Command.do` / `Command.undo`) on the undo stack, finds its items by
their stable id (never by row) and changes them in place, so undo, redo and a reorder never lose an
item's identity, its queued jobs or its status. Cells are parsed by the same field parsers as a
sheet's (studio/core/fields.py). After each edit the project is saved through `schedule_save`
(the caller's debounced timer; at once when there is none).

What a row shows comes from the render plan (studio/pipeline/plan.py), never from rules of its own:
`script_view` is the plan's script and findings, `readiness` is the plan's verdict plus the sheet's
problems for that row, and `status` adds the render queue's state of the item's jobs. Plans are
cached by their inputs; `plan_request` / `compute_plan` / `store_plan` let a caller work them out on
a background thread (a big project is checked without freezing the window).
"""
from __future__ import annotations

import copy
import dataclasses
import json
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core.errors import StudioError
from ..core.fields import TABLE_PARSERS, check_visual, parse_money
from ..core.logs import log_path
from ..core.options import RenderOptions
from ..pipeline.plan import RenderPlan, check_product_media, describe_findings, plan
from ..project import Project, ProjectItem, ProjectStyle
from ..settings import Settings
from ..types import Problem, Product, Scene, Sheet
from .queue import ACTIVE, FINISHED, JobInputs, RenderQueue

log = logging.getLogger(__name__)

# Change.kind: what an edit changed
ITEMS = "items"  # products added, removed, reordered or replaced: the list itself
ITEM = "item"  # fields, photos or the script of the named items
STYLE = "style"  # style choices or options: every item's plan
SAVED, SAVE_FAILED = "saved", "save_failed"

# ItemStatus.state
CHECKING, READY, ATTENTION = "checking", "ready", "attention"


@dataclass(frozen=True)
class Change:
    """What an edit (or its undo) changed, for whoever shows the project."""

    kind: str
    item_ids: tuple[str, ...] = ()
    select: str | None = None  # the item to show afterwards (None: keep the selection)
    message: str = ""


@dataclass(frozen=True)
class ScriptView:
    """What the script panel shows for an item: the plan's script and compliance findings, or why
    there is none (a template error)."""

    script: object | None  # studio.types.Script
    template: object | None
    findings: tuple = ()
    edited: bool = False
    error: str = ""


@dataclass(frozen=True)
class ItemStatus:
    """An item's status: checking, ready, attention (with the reason), or its render state."""

    state: str
    reason: str = ""


@dataclass(frozen=True)
class PlanRequest:
    """The inputs of one plan, copied, so it can be worked out on another thread."""

    key: str
    item_id: str
    product: Product
    options: RenderOptions
    script: list[Scene] | None


@dataclass(frozen=True)
class PlanOutcome:
    plan: RenderPlan | None = None
    error: str = ""  # why there is no plan
    render_error: str = ""  # what only a render's own plan refuses (no model folder for AI backgrounds)


def compute_plan(request: PlanRequest) -> PlanOutcome:
    """The plan of a request (any thread): the plan, or the message of why there is none. The plan is
    made without the media checks (the preview draws a product with no photo yet); when it paints AI
    backgrounds, the render's own plan is made too, for what it says of the model folder."""
    try:
        the_plan = plan(request.product, request.options, 0, request.script, check_media=False)
    except StudioError as exc:
        return PlanOutcome(error=str(exc))
    except Exception as exc:  # a bug in a template or a stage: the row says so, the log keeps the trace
        log.exception("planning %s failed with an internal error", request.product.name)
        return PlanOutcome(error=f"internal error: {type(exc).__name__}: {exc} (details in {log_path()})")
    if not the_plan.ai_backgrounds:
        return PlanOutcome(the_plan)
    try:
        plan(request.product, request.options, 0, request.script, check_media=True)
    except StudioError as exc:
        return PlanOutcome(the_plan, render_error=str(exc))
    return PlanOutcome(the_plan)


# ---------------------------------------------------------------- commands


class Command(ABC):
    """One undoable edit. `name` is (Chinese, English), as undo and redo name it."""

    name: tuple[str, str] = ("修改", "Edit")

    @abstractmethod
    def do(self, project: Project) -> Change: ...

    @abstractmethod
    def undo(self, project: Project) -> Change: ...


def find_item(project: Project, item_id: str) -> ProjectItem:
    for item in project.items:
        if item.id == item_id:
            return item
    raise StudioError(f"no product with id {item_id} in {project.folder.name}")


class EditProduct(Command):
    """Set one field of one product (name, price, selling points, language, photos…), and with `also`
    the fields that go with it (a price typed in euros sets the currency too), as one step."""

    def __init__(self, item_id: str, field: str, value, name: tuple[str, str] = ("修改商品", "Edit product"),
                 also: dict | None = None) -> None:
        self.item_id, self.name = item_id, name
        self.changes = {field: value, **(also or {})}
        self.before: dict = {}

    def do(self, project: Project) -> Change:
        product = find_item(project, self.item_id).product
        self.before = {f: copy.deepcopy(getattr(product, f)) for f in self.changes}
        for f, value in self.changes.items():
            setattr(product, f, copy.deepcopy(value))
        return Change(ITEM, (self.item_id,), self.item_id)

    def undo(self, project: Project) -> Change:
        product = find_item(project, self.item_id).product
        for f, value in self.before.items():
            setattr(product, f, copy.deepcopy(value))
        return Change(ITEM, (self.item_id,), self.item_id)


class EditScript(Command):
    """Set (or with None, drop) an item's edited script."""

    def __init__(self, item_id: str, scenes: list[Scene] | None, name: tuple[str, str]) -> None:
        self.item_id, self.scenes, self.name = item_id, copy.deepcopy(scenes), name
        self.before: list[Scene] | None = None

    def do(self, project: Project) -> Change:
        item = find_item(project, self.item_id)
        self.before, item.script = item.script, copy.deepcopy(self.scenes)
        return Change(ITEM, (self.item_id,), self.item_id)

    def undo(self, project: Project) -> Change:
        find_item(project, self.item_id).script = copy.deepcopy(self.before)
        return Change(ITEM, (self.item_id,), self.item_id)


class AddItem(Command):
    name = ("添加商品", "Add product")

    def __init__(self, item: ProjectItem, index: int) -> None:
        self.item, self.index = item, index

    def do(self, project: Project) -> Change:
        project.items.insert(min(self.index, len(project.items)), self.item)
        return Change(ITEMS, (self.item.id,), self.item.id)

    def undo(self, project: Project) -> Change:
        project.items.remove(find_item(project, self.item.id))
        return Change(ITEMS, (self.item.id,), None)


class RemoveItems(Command):
    """Remove products, and the problems of sheet rows that could not be imported."""

    name = ("删除商品", "Remove product")

    def __init__(self, item_ids: list[str], bad_rows: set[int], select: str | None) -> None:
        self.item_ids, self.bad_rows, self.select = list(item_ids), set(bad_rows), select
        self.removed: list[tuple[int, ProjectItem]] = []
        self.problems: list[Problem] = []

    def do(self, project: Project) -> Change:
        self.removed = [(i, it) for i, it in enumerate(project.items) if it.id in self.item_ids]
        project.items = [it for it in project.items if it.id not in self.item_ids]
        self.problems = list(project.sheet_problems)
        project.sheet_problems = [p for p in project.sheet_problems if p.row not in self.bad_rows]
        return Change(ITEMS, tuple(self.item_ids), self.select)

    def undo(self, project: Project) -> Change:
        for index, item in self.removed:
            project.items.insert(index, item)
        project.sheet_problems = list(self.problems)
        return Change(ITEMS, tuple(self.item_ids), self.item_ids[0] if self.item_ids else None)


class MoveItem(Command):
    name = ("调整顺序", "Reorder")

    def __init__(self, item_id: str, step: int) -> None:
        self.item_id, self.step = item_id, step

    def _move(self, project: Project, step: int) -> Change:
        i = project.items.index(find_item(project, self.item_id))
        j = i + step
        project.items[i], project.items[j] = project.items[j], project.items[i]
        return Change(ITEMS, (self.item_id, project.items[i].id), self.item_id)

    def do(self, project: Project) -> Change:
        return self._move(project, self.step)

    def undo(self, project: Project) -> Change:
        return self._move(project, -self.step)


class ChangeStyle(Command):
    name = ("修改样式", "Change style")

    def __init__(self, style: ProjectStyle) -> None:
        self.style = style
        self.before: ProjectStyle | None = None

    def do(self, project: Project) -> Change:
        self.before, project.style = project.style, self.style
        return Change(STYLE)

    def undo(self, project: Project) -> Change:
        project.style = self.before
        return Change(STYLE)


class ReplaceProducts(Command):
    """The products of an imported sheet replace the project's (with the sheet's problems)."""

    name = ("导入表格", "Import sheet")

    def __init__(self, items: list[ProjectItem], problems: list[Problem], source: str) -> None:
        self.after = (list(items), list(problems), source)
        self.before: tuple | None = None

    def do(self, project: Project) -> Change:
        self.before = (project.items, project.sheet_problems, project.source_sheet)
        project.items, project.sheet_problems, project.source_sheet = (list(self.after[0]), list(self.after[1]),
                                                                       self.after[2])
        return Change(ITEMS, (), project.items[0].id if project.items else None)

    def undo(self, project: Project) -> Change:
        project.items, project.sheet_problems, project.source_sheet = self.before
        return Change(ITEMS, (), project.items[0].id if project.items else None)


# ---------------------------------------------------------------- the session


class Session:
    """The open project, its undo history, its render options and what each item's plan says."""

    def __init__(self, project: Project, settings: Settings | None = None, queue: RenderQueue | None = None, *,
                 out_dir: str | Path | None = None,
                 schedule_save: Callable[[Callable[[], None]], None] | None = None) -> None:
        self.project = project
        self.settings = settings if settings is not None else Settings()
        self.queue = queue
        self.saved_at: float | None = None
        self.dirty = False
        self._schedule_save = schedule_save
        self._out_dir = Path(out_dir) if out_dir is not None else None
        self._allow_flagged = False
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._listeners: list[Callable[[Change], None]] = []
        self._plans: OrderedDict[str, PlanOutcome] = OrderedDict()
        self._template_generation = 0
        self._options = self._make_options()

    # ---------------------------------------------------------------- listening
    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def _notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    # ---------------------------------------------------------------- the project
    @property
    def items(self) -> list[ProjectItem]:
        return self.project.items

    def item(self, item_id: str) -> ProjectItem:
        return find_item(self.project, item_id)

    def has_item(self, item_id: str) -> bool:
        return any(it.id == item_id for it in self.project.items)

    def index_of(self, item_id: str) -> int:
        return self.project.items.index(self.item(item_id))

    def problems_for_row(self, row: int | None) -> list[Problem]:
        return [p for p in self.project.sheet_problems if row is not None and p.row == row]

    def bad_rows(self) -> list[int]:
        """Sheet rows that could not be imported (an error and no product): shown after the products."""
        with_products = {it.product.source_row for it in self.project.items if it.product.source_row is not None}
        return sorted({p.row for p in self.project.sheet_problems
                       if p.row is not None and p.severity == "error"} - with_products)

    def open(self, project: Project) -> None:
        """Show another project (the render queue keeps its jobs: they hold their own copies)."""
        self.flush()
        self.project = project
        self._undo.clear()
        self._redo.clear()
        self.dirty = False
        self._refresh_options()
        self._notify(Change(ITEMS, (), project.items[0].id if project.items else None))

    # ---------------------------------------------------------------- options
    @property
    def options(self) -> RenderOptions:
        """The render options of the project now: settings, then style, then the app's own choices."""
        return self._options

    def _make_options(self) -> RenderOptions:
        return self.project.render_options(self.settings, out_dir=self._out_dir,
                                           allow_flagged=True if self._allow_flagged else None)

    def _refresh_options(self) -> None:
        self._options = self._make_options()

    @property
    def allow_flagged(self) -> bool:
        return self._allow_flagged

    def set_allow_flagged(self, on: bool) -> None:
        """Render scripts the compliance check blocks (the manifest records it)."""
        self._allow_flagged = bool(on)
        self._refresh_options()
        self._notify(Change(STYLE))

    def set_output_dir(self, folder: str | Path) -> None:
        self._out_dir = Path(folder)
        self._refresh_options()
        self._notify(Change(STYLE))

    def apply_settings(self, settings: Settings) -> None:
        """New saved settings: an output folder set there replaces one chosen in this session."""
        self.settings = settings
        if settings.output_dir:
            self._out_dir = None
        self._refresh_options()
        self._notify(Change(STYLE))

    # ---------------------------------------------------------------- undo
    def execute(self, command: Command) -> Change:
        """Apply an edit as one undoable step."""
        change = command.do(self.project)
        self._undo.append(command)
        self._redo.clear()
        self._after(change)
        return change

    def undo(self) -> Change | None:
        if not self._undo:
            return None
        command = self._undo.pop()
        change = command.undo(self.project)
        self._redo.append(command)
        self._after(change)
        return change

    def redo(self) -> Change | None:
        if not self._redo:
            return None
        command = self._redo.pop()
        change = command.do(self.project)
        self._undo.append(command)
        self._after(change)
        return change

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_name(self) -> tuple[str, str] | None:
        return self._undo[-1].name if self._undo else None

    def redo_name(self) -> tuple[str, str] | None:
        return self._redo[-1].name if self._redo else None

    def _after(self, change: Change) -> None:
        self.project.assign_output_names()
        if change.kind == STYLE:
            self._refresh_options()
        self.dirty = True
        self._notify(change)
        if self._schedule_save is None:
            self._autosave()
        else:
            self._schedule_save(self._autosave)

    # ---------------------------------------------------------------- saving
    def save(self) -> None:
        """Write project.json now (raises StudioError when it cannot be written)."""
        self.project.save()
        self.dirty = False
        self.saved_at = time.time()
        self._notify(Change(SAVED))

    def flush(self) -> None:
        """Save now if an edit is waiting for its autosave."""
        if self.dirty:
            self._autosave()

    def _autosave(self) -> None:
        try:
            self.save()
        except StudioError as exc:
            log.warning("autosave failed: %s", exc)
            self._notify(Change(SAVE_FAILED, message=str(exc)))

    # ---------------------------------------------------------------- edits
    def edit_field(self, item_id: str, field: str, text: str) -> bool:
        """Set a product field from typed text, read as a sheet's cell is; raises FieldError with the
        reason when the text cannot be that field (nothing changes then). False when unchanged."""
        parser = TABLE_PARSERS.get(field)
        if parser is None:
            raise StudioError(f"'{field}' is not a field the table edits")
        value = parser(text)
        product = self.item(item_id).product
        also = {}
        if field == "price" and value is not None:  # the currency a typed price names goes with it
            code = parse_money(text).currency
            if code and code != product.currency:
                also["currency"] = code
        if getattr(product, field) == value and not also:
            return False
        self.execute(EditProduct(item_id, field, value, also=also))
        return True

    def add_product(self, name: str, language: str = "zh") -> str:
        """A new product at the end; returns its item id."""
        item = ProjectItem(Product(name, language=language))
        self.execute(AddItem(item, len(self.project.items)))
        return item.id

    def remove(self, item_ids: list[str], bad_rows: list[int] = ()) -> bool:
        """Remove products (and listed sheet rows that could not be imported)."""
        ids = [i for i in item_ids if self.has_item(i)]
        rows = set(bad_rows)
        if not ids and not rows:
            return False
        order = [it.id for it in self.project.items]
        first = min((order.index(i) for i in ids), default=len(order))
        remaining = [i for i in order if i not in ids]
        select = remaining[max(0, min(first - 1, len(remaining) - 1))] if remaining else None
        self.execute(RemoveItems(ids, rows, select))
        return True

    def move(self, item_id: str, step: int) -> bool:
        """Move a product up (-1) or down (+1); False at the edge."""
        j = self.index_of(item_id) + step
        if step == 0 or not 0 <= j < len(self.project.items):
            return False
        self.execute(MoveItem(item_id, step))
        return True

    def add_media(self, item_id: str, paths: list) -> tuple[int, list[str]]:
        """Copy photos or clips into the project and add them to a product (one undoable step);
        returns how many were added and why the others were not."""
        copies, errors = [], []
        for path in paths:
            try:
                copies.append(self.project.import_media(check_visual(path)))
            except StudioError as exc:
                errors.append(str(exc))
        if copies:
            images = list(self.item(item_id).product.images) + copies
            self.execute(EditProduct(item_id, "images", images, ("添加图片", "Add photos")))
        return len(copies), errors

    def set_script(self, item_id: str, scenes: list[Scene] | None, name=("修改脚本", "Edit script")) -> bool:
        """Set an item's edited script; scenes equal to the template's words drop the edit."""
        item = self.item(item_id)
        if scenes is not None:
            template = self.script_view(item_id, edited=False)
            if template.script is not None and template.script.scenes == scenes:
                scenes = None
        if item.script == scenes:
            return False
        self.execute(EditScript(item_id, scenes, name))
        return True

    def set_script_text(self, item_id: str, text: str) -> bool:
        """The script as the merchant typed it (the template's scene format); raises StudioError naming
        the line when it cannot be read (the last good script stays)."""
        from ..script.editing import text_to_scenes

        return self.set_script(item_id, text_to_scenes(text))

    def reset_script(self, item_id: str) -> bool:
        """Back to the template's words."""
        if self.item(item_id).script is None:
            return False
        self.execute(EditScript(item_id, None, ("恢复模板原文", "Back to template words")))
        return True

    def apply_rewrite(self, item_id: str, index: int) -> bool:
        """Replace the line (or on-screen headline) of compliance finding `index` with its suggested
        rewrite: one undoable edit of the item's script."""
        view = self.script_view(item_id)
        if view.script is None or not 0 <= index < len(view.findings):
            return False
        finding = view.findings[index]
        scenes = [dataclasses.replace(s, lines=list(s.lines)) for s in view.script.scenes]
        if 0 <= finding.overlay < len(scenes):
            scenes[finding.overlay].overlay = finding.suggestion
        elif 0 <= finding.line < len(view.script.lines):
            n = 0
            for scene in scenes:
                for k in range(len(scene.lines)):
                    if n == finding.line:
                        scene.lines[k] = finding.suggestion
                    n += 1
        else:
            return False
        self.execute(EditScript(item_id, scenes, ("采用建议改写", "Apply suggested rewrite")))
        return True

    def change_style(self, **changes) -> bool:
        """Change style choices (caption_size, text_color, music, voice, platform, template…)."""
        style = dataclasses.replace(self.project.style, **changes)
        if style == self.project.style:
            return False
        self.execute(ChangeStyle(style))
        return True

    def import_sheet(self, path: str | Path) -> Sheet:
        """Replace the products by a sheet's (its photos copied in; undoable). Raises StudioError and
        changes nothing when the file cannot be read."""
        from ..sheet import load_sheet

        sheet = load_sheet(path)
        items = self.project.items_from_sheet(sheet)
        self.execute(ReplaceProducts(items, list(sheet.problems), str(Path(path).resolve())))
        return sheet

    # ---------------------------------------------------------------- what the plan says
    def templates_changed(self) -> None:
        """A template file changed on disk: every plan is worked out again."""
        self._template_generation += 1
        self._plans.clear()
        self._notify(Change(STYLE))

    def plan_key(self, item_id: str, edited: bool = True) -> str:
        """What an item's plan depends on, as one string (equal keys: the same plan)."""
        item = self.item(item_id)
        script = item.script if edited else None
        return json.dumps([item.product.to_dict(), [dataclasses.asdict(s) for s in script or []], script is None,
                           self._options.fingerprint_dict(), self._template_generation], default=str, sort_keys=True)

    def plan_request(self, item_id: str, edited: bool = True) -> PlanRequest:
        """The inputs of an item's plan (with its edited script, or the template's words), copied."""
        item = self.item(item_id)
        return PlanRequest(self.plan_key(item_id, edited), item_id, copy.deepcopy(item.product),
                           copy.deepcopy(self._options), copy.deepcopy(item.script if edited else None))

    def cached_plan(self, request: PlanRequest | str) -> PlanOutcome | None:
        return self._plans.get(request if isinstance(request, str) else request.key)

    def store_plan(self, request: PlanRequest, outcome: PlanOutcome) -> None:
        self._plans[request.key] = outcome
        self._plans.move_to_end(request.key)
        while len(self._plans) > 2000:
            self._plans.popitem(last=False)

    def _outcome(self, item_id: str, edited: bool = True) -> PlanOutcome:
        outcome = self.cached_plan(self.plan_key(item_id, edited))
        if outcome is None:
            request = self.plan_request(item_id, edited)
            outcome = compute_plan(request)
            self.store_plan(request, outcome)
        return outcome

    def script_view(self, item_id: str, edited: bool = True) -> ScriptView:
        """The script a render of this item would speak (its edited one, or with edited=False the
        template's words) and its compliance findings."""
        item = self.item(item_id)
        outcome = self._outcome(item_id, edited)
        if outcome.plan is None:
            return ScriptView(None, None, (), item.script is not None, outcome.error)
        p = outcome.plan
        return ScriptView(p.script, p.template, tuple(p.findings), p.edited)

    def readiness(self, item_id: str, compute: bool = True) -> ItemStatus:
        """Ready or needs attention, and why: the sheet's problems for the row, the plan's checks of
        the photos and the model folder, then its compliance findings. With compute=False, a plan not
        worked out yet gives 'checking' (for a caller that checks on another thread)."""
        item = self.item(item_id)
        problems = self.problems_for_row(item.product.source_row)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            return ItemStatus(ATTENTION, str(errors[0]))
        try:
            check_product_media(item.product)
        except StudioError as exc:
            return ItemStatus(ATTENTION, str(exc))
        outcome = self.cached_plan(self.plan_key(item_id))
        if outcome is None:
            if not compute:
                return ItemStatus(CHECKING)
            outcome = self._outcome(item_id)
        if outcome.plan is None:
            return ItemStatus(ATTENTION, outcome.error)
        p = outcome.plan
        if outcome.render_error:
            return ItemStatus(ATTENTION, outcome.render_error)
        if p.blocked:
            return ItemStatus(ATTENTION, describe_findings(p.blockers[:1]))
        if p.findings:
            return ItemStatus(ATTENTION, describe_findings(p.findings[:1]))
        if problems:
            return ItemStatus(ATTENTION, str(problems[0]))
        return ItemStatus(READY)

    def status(self, item_id: str, compute: bool = False, readiness: ItemStatus | None = None) -> ItemStatus:
        """What the item's row shows: rendering or queued while a job of it is; a finished render's
        outcome unless the item now needs attention; else its readiness (`readiness`: one the caller
        worked out already; the render state is always read now)."""
        render = self.queue.item_state(item_id) if self.queue is not None else None
        if render in ACTIVE:
            return ItemStatus(render)
        ready = readiness or self.readiness(item_id, compute)
        if render in FINISHED and ready.state != ATTENTION:
            return ItemStatus(render)
        return ready

    # ---------------------------------------------------------------- rendering
    def job_inputs(self, item_id: str) -> JobInputs:
        """What a render of the item takes now (the queue copies it)."""
        item = self.item(item_id)
        return JobInputs(item.product, self._options, item.script,
                         tuple(self.problems_for_row(item.product.source_row)))

    def enqueue(self, item_ids: list[str], variants: int = 1) -> list[int]:
        """Queue every variant of these items (an item already queued or rendering is skipped); the
        project is saved first, so `main.py render` of the folder sees the same."""
        if self.queue is None:
            raise StudioError("this session has no render queue")
        self.flush()
        new: list[int] = []
        for item_id in item_ids:
            if self.has_item(item_id) and not self.queue.active_for(item_id):
                new += self.queue.enqueue(item_id, self.job_inputs(item_id), variants)
        return new

    def retry(self, job_id: int) -> int | None:
        """Render a finished job's item again with its inputs as they are now (the job's own copy when
        the item was removed); see studio/app/queue.py."""
        if self.queue is None:
            return None
        job = self.queue.job(job_id)
        inputs = self.job_inputs(job.item_id) if self.has_item(job.item_id) else None
        return self.queue.retry(job_id, inputs)


__all__ = ["ATTENTION", "CHECKING", "Change", "Command", "ITEM", "ITEMS", "ItemStatus", "PlanOutcome", "PlanRequest",
           "READY", "SAVED", "SAVE_FAILED", "STYLE", "ScriptView", "Session", "compute_plan", "find_item"]
