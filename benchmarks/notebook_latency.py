"""How long `learn check 3 --notebook` takes next to the floor of running any notebook that
imports torch, on the same machine.

    python benchmarks/notebook_latency.py [--runs 5]

The floor is `nbclient` executing a one-cell notebook (`import torch`) in a fresh python3 kernel,
called from a fresh Python process (as `learn` is). The checked notebook holds the reference
solution of exercise 3. The goal is a ratio of at most 2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_latency import median_seconds  # noqa: E402 - the same warm-up and median

FLOOR = """
import nbformat
from nbclient import NotebookClient
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")])
NotebookClient(notebook, kernel_name="python3", shutdown_kernel="immediate").execute()
"""


def main() -> None:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    solution = (ROOT / "solutions" / "ex3_attention.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "attention.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Attention"),
                                                       nbformat.v4.new_code_cell(solution)]), path)
        floor = median_seconds([sys.executable, "-c", FLOOR], options.runs)
        check = median_seconds([sys.executable, "-m", "grader", "check", "3", "--notebook", str(path),
                                "--no-record"], options.runs)
    print(f"any notebook importing torch (nbclient)  median {floor:.3f} s over {options.runs} runs")
    print(f"learn check 3 --notebook (correct)       median {check:.3f} s over {options.runs} runs")
    print(f"ratio                                    {check / floor:.2f}x  (goal: at most 2x)")


if __name__ == "__main__":
    main()
