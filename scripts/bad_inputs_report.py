"""Run every case of the bad-input corpus (tests/data/bad/cases.yaml) in its own process and print
what it got: the outcome, whether the error names the file (and, for a sheet row, the row and the
column), the seconds and the peak memory (RSS) of that process.

    .venv/bin/python scripts/bad_inputs_report.py [--cap-mb 2048]

Each child runs with its address space capped (default 2 GB), so a case that would blow up fails
with "out of memory" instead of taking the machine down. The last lines are the figures the
reliability section of the README quotes.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_bad_inputs import BAD, CASES, _input  # noqa: E402


def _named(case: dict, out: dict, source: Path) -> bool:
    """Does the error say where: the file (for a sheet row also the row and the column)?"""
    row = case.get("row")
    if out.get("error"):
        text = out["error"]
        names = {str(source), source.name, str(source.resolve())}
        if source.is_dir():
            names |= {source.name, str(source / "template.yaml"), str(source / "script.j2")}
        return any(n in text for n in names) or "template '" in text
    problems = [p for p in out.get("problems", []) if p["severity"] == "error" and (row is None or p["row"] == row)]
    return bool(problems) and all(p["row"] is not None and p["column"] and str(source) in p["text"] for p in problems)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cap-mb", type=int, default=2048, help="address-space cap of each child process")
    args = ap.parse_args()
    cap = args.cap_mb * 1024 * 1024

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    rows, worst = [], (0.0, "")
    for case in CASES:
        with tempfile.TemporaryDirectory(prefix="bad-input-") as tmp:
            work = Path(tmp)
            source = _input(case, work)
            code = f"from tests.test_bad_inputs import child; child({case['id']!r}, {tmp!r})"
            start = time.monotonic()
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                  timeout=600, preexec_fn=limit,
                                  env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
            seconds = time.monotonic() - start
            line = next((ln for ln in done.stdout.splitlines() if ln.startswith("OUTCOME ")), None)
            out = json.loads(line[len("OUTCOME "):]) if line else {"error": None, "crashed": done.stderr[-300:]}
        expect = case["expect"]
        if out.get("crashed") or out.get("memory_error"):
            outcome = "CRASHED" if out.get("crashed") else "OUT OF MEMORY"
        elif "error" in expect:
            outcome = "clear error" if _named(case, out, source) else "error, not located"
        else:
            outcome = "handled"
        rows.append((case["id"], outcome, seconds, out.get("peak_mb", 0.0)))
        if out.get("peak_mb", 0.0) > worst[0]:
            worst = (out["peak_mb"], case["id"])
        print(f"{case['id']:<52} {outcome:<20} {seconds:6.1f} s {out.get('peak_mb', 0):7.0f} MB", flush=True)
    errors = [r for r in rows if "error" in next(c for c in CASES if c["id"] == r[0])["expect"]]
    print()
    print(f"cases tried: {len(rows)} ({len(errors)} must be refused, {len(rows) - len(errors)} must be handled)")
    print(f"refused with a clear error naming the file (a sheet row: row and column): "
          f"{sum(r[1] == 'clear error' for r in rows)}/{len(errors)}")
    print(f"crashed or out of memory: {sum(r[1] in ('CRASHED', 'OUT OF MEMORY') for r in rows)}")
    print(f"peak memory of the worst case: {worst[0]:.0f} MB ({worst[1]}); slowest: "
          f"{max(r[2] for r in rows):.1f} s ({max(rows, key=lambda r: r[2])[0]})")
    print(f"(corpus: {BAD})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
