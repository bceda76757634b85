"""`learn notebook`: the course as Jupyter notebooks, one per exercise.

A notebook is made from the same two sources as everything else: the lesson (markdown cells, one
per section) and the stub (code cells: the imports, then one cell per function or class, with its
TODOs), followed by a cell that checks the work in the kernel. A notebook that already exists is
never overwritten: the new one is written beside it under a numbered name.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from grader import course
from grader.stubgen import make_stub


def _lesson_cells(text: str) -> list[str]:
    """The lesson split at its `## ` headings: one markdown cell per section."""
    parts = re.split(r"(?m)^(?=## )", text.strip())
    return [part.strip() for part in parts if part.strip()]


def _stub_cells(stub: str) -> list[str]:
    """The stub split into code cells: its imports first, then one cell per definition.
    (The module docstring is left out: the lesson cells already say it.)"""
    tree = ast.parse(stub)
    lines = stub.splitlines()
    definitions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]

    def first_line(node) -> int:
        return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1

    docstring_end = tree.body[0].end_lineno if tree.body and isinstance(tree.body[0], ast.Expr) else 0
    header_end = first_line(definitions[0]) if definitions else len(lines)
    cells = ["\n".join(lines[docstring_end:header_end]).strip()]
    cells += ["\n".join(lines[first_line(node):node.end_lineno]).strip() for node in definitions]
    return [cell for cell in cells if cell]


def _path_setup(exercise: course.Exercise, notebook_dir: Path, workspace: Path) -> str | None:
    """A cell that lets the notebook import the learner's earlier exercises, when it needs them."""
    stub = make_stub(exercise.solution_path.read_text(encoding="utf-8"))
    if not re.search(r"(?m)^from ex\d+_\w+ import|^import ex\d+_", stub):
        return None
    exercises_dir = workspace / "exercises"
    try:
        shown = os.path.relpath(exercises_dir, notebook_dir)
    except ValueError:
        shown = str(exercises_dir)
    return ("# Your earlier exercises are imported from your exercises/ folder (learn check them first).\n"
            "import sys\n"
            f"sys.path.insert(0, {shown!r})")


def build_notebook(exercise: course.Exercise, notebook_dir: Path, workspace: Path):
    """The nbformat notebook for one exercise."""
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(part)
             for part in _lesson_cells(exercise.lesson_path.read_text(encoding="utf-8"))]
    cells.append(nbformat.v4.new_markdown_cell(
        "## Your code\n\nFill in every `TODO` below, run the cells, then run the last cell to check "
        f"your work (or run `learn check {exercise.number} --notebook` on this file in a terminal)."))
    setup = _path_setup(exercise, notebook_dir, workspace)
    if setup:
        cells.append(nbformat.v4.new_code_cell(setup))
    stub = make_stub(exercise.solution_path.read_text(encoding="utf-8"))
    cells.extend(nbformat.v4.new_code_cell(code) for code in _stub_cells(stub))
    cells.append(nbformat.v4.new_markdown_cell(
        "## Check your work\n\nRun this cell after the cells above. It checks the definitions in "
        "this notebook's kernel (no need to save) and records your progress."))
    cells.append(nbformat.v4.new_code_cell(f"from grader import check\n\ncheck({exercise.number})"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["transformer_kata"] = {"exercise": exercise.number}
    return notebook


def free_path(path: Path) -> Path:
    """`path`, or beside it `name-2.ipynb`, `name-3.ipynb`... if it exists: never overwrite."""
    if not path.exists():
        return path
    number = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
        number += 1


def write_notebook(exercise: course.Exercise, out_dir: Path, workspace: Path) -> tuple[Path, bool]:
    """Write exercise's notebook into `out_dir`; (path written, whether the usual name was taken)."""
    import nbformat

    from grader.workspace import write_atomically

    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = out_dir / f"{exercise.module}.ipynb"
    target = free_path(wanted)
    notebook = build_notebook(exercise, out_dir.resolve(), workspace)
    write_atomically(target, nbformat.writes(notebook))
    return target, target != wanted
