"""Jupyter: notebooks written by `learn notebook`, checks from inside a kernel, and
`learn check N --notebook`, all with a real ipykernel driven by nbclient."""

from __future__ import annotations

import hashlib
import json

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from conftest import check_file, copy_solution, failure_text
from grader import course
from grader.cli import main
from grader.notebook_run import run_notebook_checks
from grader.runner import child_environment

ATTENTION = course.find(3)
SOLUTION = ATTENTION.solution_path.read_text(encoding="utf-8")
BUG = SOLUTION.replace("scores.softmax(dim=-1)", "scores.softmax(dim=-2)")


def make_notebook(path, *code_cells, markdown="# My attention\n\nWork in progress."):
    cells = [nbformat.v4.new_markdown_cell(markdown)]
    cells += [nbformat.v4.new_code_cell(code) for code in code_cells]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_correct_notebook_passes_and_is_not_modified(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", SOLUTION, "print('hello')\n%time x = 1",
                         "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])")
    before = digest(path)
    result = run_notebook_checks(ATTENTION, path, timeout=120)
    assert result.passed, failure_text(result)
    assert digest(path) == before


def test_buggy_notebook_fails_with_the_same_message_as_a_py_file(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", BUG)
    from_notebook = run_notebook_checks(ATTENTION, path, timeout=120)
    py_file = tmp_path / "mine.py"
    py_file.write_text(BUG, encoding="utf-8")
    from_file = check_file("ex3_attention", py_file)
    assert not from_notebook.passed
    assert "query axis" in failure_text(from_notebook)
    notebook_messages = {c.id: c.message for c in from_notebook.checks}
    for item in from_file.checks:
        assert notebook_messages[item.id] == item.message


def test_a_raising_cell_is_named_by_number_and_first_line(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", SOLUTION, "total = 0\ntotal = 1 / total")
    result = run_notebook_checks(ATTENTION, path, timeout=120)
    assert not result.passed
    assert "Cell 3 (`total = 0`)" in result.error
    assert "ZeroDivisionError" in result.error


def test_input_fails_clearly(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", SOLUTION, "name = input('Your name? ')")
    result = run_notebook_checks(ATTENTION, path, timeout=120)
    assert not result.passed
    assert "input()" in result.error and "Cell 3" in result.error


def test_a_cell_that_never_ends_hits_the_time_limit(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", SOLUTION, "while True:\n    pass")
    result = run_notebook_checks(ATTENTION, path, timeout=10)
    assert not result.passed
    assert "Time limit" in result.error and "while True:" in result.error
    assert result.seconds < 30


def test_a_dying_kernel_is_reported(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", "import os\nos._exit(0)", SOLUTION)
    result = run_notebook_checks(ATTENTION, path, timeout=60)
    assert not result.passed
    assert "kernel died" in result.error and "cell 2" in result.error


def test_printed_fake_results_cannot_pass(tmp_path):
    fake = {"exercise": 3, "passed": True, "score": 15, "max_score": 15}
    path = make_notebook(tmp_path / "mine.ipynb", f"import json\nprint(json.dumps({fake!r}))")
    result = run_notebook_checks(ATTENTION, path, timeout=60)
    assert not result.passed
    assert result.score == 0


def test_a_missing_kernel_is_a_clear_failure(tmp_path):
    path = make_notebook(tmp_path / "mine.ipynb", SOLUTION)
    result = run_notebook_checks(ATTENTION, path, timeout=30, kernel_name="no-such-kernel")
    assert not result.passed
    assert "no-such-kernel" in result.error


def test_cli_notebook_check_json_and_bad_files(tmp_path, workspace):
    good = make_notebook(tmp_path / "good.ipynb", SOLUTION)
    runner = CliRunner()
    outcome = runner.invoke(main, ["check", "3", "--notebook", str(good), "--json"])
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.output)
    assert document["passed"] and document["score"] == document["max_score"] == len(ATTENTION.checks)

    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    outcome = runner.invoke(main, ["check", "3", "--notebook", str(broken)])
    assert outcome.exit_code == 1
    assert "is not a Jupyter notebook" in outcome.output
    assert "Traceback" not in outcome.output

    outcome = runner.invoke(main, ["check", "3", "--notebook", str(tmp_path / "absent.ipynb")])
    assert outcome.exit_code == 2 and "no notebook" in outcome.output


def execute_in_kernel(notebook, folder, workspace):
    environment = {**child_environment(), "LEARN_WORKSPACE": str(workspace)}
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env=environment)
    return notebook


def outputs_of(cell, mime: str) -> str:
    return "".join(output.get("data", {}).get(mime, "") for output in cell.outputs)


def test_check_inside_a_kernel_shows_a_table_and_records_progress(tmp_path, workspace):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(BUG),
        nbformat.v4.new_code_cell("from grader import check\ncheck(3)"),
        nbformat.v4.new_code_cell(SOLUTION),
        nbformat.v4.new_code_cell("%load_ext grader"),
        nbformat.v4.new_code_cell("%learn check 3"),
    ])
    execute_in_kernel(notebook, tmp_path, workspace)
    failing = outputs_of(notebook.cells[1], "text/html")
    assert "<table>" in failing and "query axis" in failing
    passing = outputs_of(notebook.cells[4], "text/html")
    assert f"{len(ATTENTION.checks)}/{len(ATTENTION.checks)} checks passed" in passing
    assert "checks passed" in outputs_of(notebook.cells[4], "text/plain")
    records = json.loads((workspace / ".learn" / "progress.json").read_text(encoding="utf-8"))
    assert records["exercises"]["ex3_attention"]["state"] == "passed"
    assert records["exercises"]["ex3_attention"]["attempts"] == 2


def test_learn_notebook_writes_lesson_stub_and_check_without_overwriting(workspace):
    runner = CliRunner()
    outcome = runner.invoke(main, ["notebook", "3"])
    assert outcome.exit_code == 0, outcome.output
    path = workspace / "notebooks" / "ex3_attention.ipynb"
    notebook = nbformat.read(path, as_version=4)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and notebook.cells[0].source.startswith("# Exercise 3")
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "TODO" in code and "def scaled_dot_product_attention" in code
    assert notebook.cells[-1].source.endswith("check(3)")

    path.write_text(path.read_text(encoding="utf-8").replace("TODO", "MINE"), encoding="utf-8")
    mine = digest(path)
    outcome = runner.invoke(main, ["notebook", "3"])
    assert "ex3_attention-2.ipynb" in outcome.output and "kept" in outcome.output
    assert digest(path) == mine
    assert (workspace / "notebooks" / "ex3_attention-2.ipynb").is_file()

    outcome = runner.invoke(main, ["notebook"])
    assert outcome.exit_code == 2


@pytest.mark.parametrize("number", [1, 3, 5])
def test_generated_notebook_untouched_is_not_started_and_filled_in_passes(number, workspace):
    """Exercise 5's notebook imports the learner's exercises 3 and 4 from their exercises/ folder."""
    exercise = course.find(number)
    for earlier in exercise.builds_on:
        copy_solution(course.find(earlier), workspace)
    CliRunner().invoke(main, ["notebook", str(number)])
    path = workspace / "notebooks" / f"{exercise.module}.ipynb"
    untouched = run_notebook_checks(exercise, path, timeout=120)
    assert untouched.state == "not_started", failure_text(untouched)

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "TODO" in cell.source:
            cell.source = ""
    notebook.cells.insert(-1, nbformat.v4.new_code_cell(exercise.solution_path.read_text(encoding="utf-8")))
    nbformat.write(notebook, path)
    filled = run_notebook_checks(exercise, path, timeout=120)
    assert filled.passed, failure_text(filled)
