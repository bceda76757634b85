"""How long `learn check` takes next to the floor of any torch program: `python -c "import torch"`.

    python benchmarks/check_latency.py [--exercise 3] [--runs 7]

Runs each command several times (after one warm-up each, so both read from a warm disk cache)
and prints the median wall time of each and their ratio. The goal is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import course  # noqa: E402


def median_seconds(command: list[str], runs: int, expect_success: bool = True) -> float:
    subprocess.run(command, capture_output=True, cwd=ROOT)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        finished = subprocess.run(command, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
        if expect_success and finished.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{finished.stdout.decode()}{finished.stderr.decode()}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="3")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    exercise = course.find(options.exercise)
    floor = median_seconds([sys.executable, "-c", "import torch"], options.runs)
    check = median_seconds([sys.executable, "-m", "grader", "check", str(exercise.number), "--file",
                            str(exercise.solution_path), "--no-record"], options.runs)
    print(f"python -c 'import torch'           median {floor:.3f} s over {options.runs} runs")
    print(f"learn check {exercise.number} (correct file)       median {check:.3f} s over {options.runs} runs")
    print(f"ratio                              {check / floor:.2f}x  (goal: at most 1.5x)")


if __name__ == "__main__":
    main()
