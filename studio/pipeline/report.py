"""The batch report an editor can hand on: `report.html` and `report.csv` in the output folder, one
row per video (status, length, the machine that rendered it, time taken, warnings, and the cause of
a failure in the render's own words), plus the sheet's bad rows. Written at the end of every
batch, also a cancelled, stopped or interrupted one (what did not start says so)."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..types import Problem, RenderResult
from .plan import output_stem

REPORT_HTML, REPORT_CSV = "report.html", "report.csv"
COLUMNS = ("#", "product", "variant", "file", "status", "duration_s", "node", "seconds", "warnings", "cause")


@dataclass(frozen=True)
class ReportRow:
    number: int
    product: str
    variant: int  # 1-based; 0 for a sheet row that never became a video
    file: str
    status: str  # rendered | kept | failed | not started | bad row
    duration_s: float | None
    node: str
    seconds: float | None
    warnings: tuple[str, ...]
    cause: str

    def cells(self) -> list[str]:
        return [str(self.number), self.product, str(self.variant) if self.variant else "", self.file, self.status,
                "" if self.duration_s is None else f"{self.duration_s:.1f}", self.node,
                "" if self.seconds is None else f"{self.seconds:.1f}", " | ".join(self.warnings), self.cause]


def report_rows(jobs: Sequence, results: Mapping[int, RenderResult], sheet_problems: Sequence[Problem] = ()) -> list[ReportRow]:
    """One row per job (in batch order) and one per sheet error; `jobs` are BatchJobs."""
    rows = []
    for n, job in enumerate(jobs, 1):
        result = results.get(job.index)
        stem = output_stem(job.product, job.variant)
        if result is None:
            rows.append(ReportRow(n, job.product.name, job.variant + 1, stem, "not started", None, "", None, (), ""))
            continue
        status = "kept" if result.reused else "rendered" if result.ok else "failed"
        seconds = None if result.reused or not result.timings else round(sum(result.timings.values()), 1)
        rows.append(ReportRow(n, result.product or job.product.name, job.variant + 1,
                              result.video.name if result.video else stem, status, _duration(result), result.node,
                              seconds, tuple(result.warnings), _one_line(result.error)))
    for problem in sheet_problems:
        if problem.severity == "error":
            rows.append(ReportRow(len(rows) + 1, f"row {problem.row}" if problem.row else Path(problem.file).name, 0,
                                  "", "bad row", None, "", None, (), _one_line(str(problem))))
    return rows


def write_report(out_dir: Path, rows: Sequence[ReportRow], *, title: str = "", started: float | None = None,
                 ended: float | None = None, stopped: str = "", cancelled: bool = False,
                 interrupted: bool = False) -> tuple[Path, Path]:
    """Write report.csv (UTF-8 with a BOM, so Excel opens Chinese text right) and report.html
    atomically into out_dir; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    csv_path = _write_atomic(out_dir / REPORT_CSV, "\ufeff" + buf.getvalue())
    html_path = _write_atomic(out_dir / REPORT_HTML, _html(rows, title, started, ended, stopped, cancelled, interrupted))
    return html_path, csv_path


def _html(rows, title, started, ended, stopped, cancelled, interrupted) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    e = html.escape
    when = " – ".join(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) for t in (started, ended) if t)
    took = f" ({(ended - started) / 60:.1f} min)" if started and ended else ""
    how = ("<p class=warn>Stopped: " + e(stopped) + "</p>" if stopped else "") + \
          ("<p class=warn>Interrupted (Ctrl-C or a shutdown): finished videos are kept; run the same command again "
           "to render the rest.</p>" if interrupted else
           "<p class=warn>Cancelled: finished videos are kept.</p>" if cancelled else "")
    summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to render"
    head = "".join(f"<th>{e(c)}</th>" for c in COLUMNS)
    body = "\n".join(
        f"<tr class='{e(row.status.replace(' ', '-'))}'>" + "".join(f"<td>{e(c)}</td>" for c in row.cells()) + "</tr>"
        for row in rows)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Render report {e(title)}</title>
<style>
body {{ font-family: system-ui, "Microsoft YaHei", "PingFang SC", sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }}
tr.failed td, tr.bad-row td {{ background: #fde8e8; }}
tr.not-started td {{ color: #777; }}
tr.kept td {{ background: #f4f8ff; }}
.warn {{ color: #a00; font-weight: bold; }}
</style></head><body>
<h1>Render report</h1>
<p>{e(title)}</p>
<p>{e(when)}{e(took)}: {e(summary)}.</p>
{how}
<table><thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
</body></html>
"""


def _duration(result: RenderResult) -> float | None:
    if not (result.ok and result.manifest):
        return None
    try:
        return float(json.loads(Path(result.manifest).read_text(encoding="utf-8"))["video"]["duration_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in (text or "").splitlines() if line.strip())


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


__all__ = ["COLUMNS", "REPORT_CSV", "REPORT_HTML", "ReportRow", "report_rows", "write_report"]
