"""How long `learn grade` takes on a class: 40 generated submissions of exercise 3 (correct,
buggy and hostile), graded with `--jobs 2`, next to a bare `learn check 3`.

    python benchmarks/grade_benchmark.py [--submissions 40] [--jobs 2] [--timeout 10]

Prints the batch's wall time, the time per submission, and the overhead per submission over a
bare `learn check` of one correct file (batch time x jobs / submissions - bare check time).
The hostile submissions include an endless loop, which by design costs the whole time limit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile import CORRECT, HOSTILE  # noqa: E402

BUGGY_DIR = ROOT / "tests" / "variants" / "ex3_attention"


def make_class(folder: Path, count: int) -> dict[str, int]:
    """Write `count` submissions: a quarter hostile (each kind once at most), the rest half
    correct and half buggy variants from the catalogue. Returns how many of each kind."""
    buggy = sorted(BUGGY_DIR.glob("buggy_*.py"))
    hostile = list(HOSTILE.items())[: max(1, count // 4)]
    kinds = {"hostile": len(hostile), "buggy": 0, "correct": 0}
    for name, (content, _) in hostile:
        (folder / f"hostile_{name}.py").write_bytes(content)
    rest = count - len(hostile)
    buggy_cycle = itertools.cycle(buggy)
    for index in range(rest):
        if index % 2 == 0:
            (folder / f"correct_{index:02d}.py").write_text(CORRECT, encoding="utf-8")
            kinds["correct"] += 1
        else:
            source = next(buggy_cycle)
            (folder / f"buggy_{index:02d}_{source.name}").write_text(source.read_text(encoding="utf-8"),
                                                                     encoding="utf-8")
            kinds["buggy"] += 1
    return kinds


def bare_check_seconds(path: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "check", "3", "--file", str(path), "--no-record"],
                       capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        folder.mkdir()
        kinds = make_class(folder, options.submissions)
        bare = bare_check_seconds(folder / next(p.name for p in folder.iterdir() if p.name.startswith("correct")))
        out = Path(scratch) / "gradebook.json"
        started = time.perf_counter()
        finished = subprocess.run([sys.executable, "-m", "grader", "grade", *sorted(map(str, folder.iterdir())),
                                   "--exercise", "3", "--jobs", str(options.jobs), "--timeout",
                                   str(options.timeout), "--out", str(out)], capture_output=True, cwd=ROOT)
        wall = time.perf_counter() - started
        if finished.returncode != 0:
            raise SystemExit(finished.stderr.decode())
        rows = json.loads(out.read_text(encoding="utf-8"))["submissions"]
    full = sum(row["score"] == row["max_score"] for row in rows)
    per_submission = wall / len(rows)
    overhead = wall * options.jobs / len(rows) - bare
    print(f"submissions        {len(rows)} ({kinds['correct']} correct, {kinds['buggy']} buggy, "
          f"{kinds['hostile']} hostile); {full} got full marks")
    print(f"learn grade --jobs {options.jobs}  {wall:.1f} s wall, {per_submission:.2f} s per submission")
    print(f"bare learn check 3 {bare:.2f} s (median of 3, one correct file)")
    print(f"overhead           {overhead:+.2f} s per submission per job slot over a bare check "
          f"(includes the hostile ones' time limits: {options.timeout:g} s for the endless loop)")


if __name__ == "__main__":
    main()
