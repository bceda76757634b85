"""`learn grade`: a batch of submissions, some correct, some buggy, some hostile, graded side by
side; every hostile one fails with its reason and the others are graded as if alone."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest
from click.testing import CliRunner

from conftest import check_file, failure_text
from grader.cli import main
from hostile import BUGGY, CORRECT, HOSTILE

TIME_LIMIT = 10
# The batch fixture is graded once: keep this module's tests on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("grade_batch")


def reason_text(document: dict) -> str:
    """Everything a gradebook row says about exercise 3: its reason and every check message."""
    item = document["exercises"]["ex3_attention"]
    return "\n".join([item["reason"], *(c["message"] for c in item.get("checks", []))]).lower()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A class of submissions graded once with `learn grade --jobs 2`; (gradebook, CSV rows)."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "correct.py").write_text(CORRECT, encoding="utf-8")
    (folder / "buggy.py").write_text(BUGGY, encoding="utf-8")
    (folder / "cheat.py").write_text("from solutions.ex3_attention import *\n", encoding="utf-8")
    learner = folder / "learner_folder" / "exercises"
    learner.mkdir(parents=True)
    (learner / "ex3_attention.py").write_text(CORRECT, encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Attention"),
                                               nbformat.v4.new_code_cell(CORRECT)])
    nbformat.write(notebook, folder / "notebook.ipynb")
    for name, (content, _words) in HOSTILE.items():
        (folder / f"{name}.py").write_bytes(content)
    paths = sorted(str(p) for p in folder.iterdir())
    runner = CliRunner()
    out_json, out_csv = folder / "gradebook.json", folder / "gradebook.csv"
    outcome = runner.invoke(main, ["grade", *paths, "--exercise", "3", "--jobs", "2",
                                   "--timeout", str(TIME_LIMIT), "--out", str(out_json)])
    assert outcome.exit_code == 0, outcome.output
    gradebook = json.loads(out_json.read_text(encoding="utf-8"))
    by_name = {row["submission"]: row for row in gradebook["submissions"]}
    # The same batch again as CSV would double the time; write the CSV from a small batch instead.
    outcome = runner.invoke(main, ["grade", str(folder / "correct.py"), str(folder / "buggy.py"),
                                   "--exercise", "3", "--out", str(out_csv)])
    assert outcome.exit_code == 0, outcome.output
    with open(out_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return by_name, rows


def test_correct_submissions_get_full_marks(batch):
    by_name, _ = batch
    for name in ("correct.py", "learner_folder", "notebook.ipynb"):
        row = by_name[name]
        assert row["score"] == row["max_score"] > 0, (name, reason_text(row))
        assert not row["flagged"]


def test_a_buggy_submission_is_graded_with_its_mistake_named(batch):
    row = batch[0]["buggy.py"]
    assert 0 < row["score"] < row["max_score"]
    assert "query axis" in row["exercises"]["ex3_attention"]["reason"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_submission_fails_with_its_reason(batch, name):
    row = batch[0][f"{name}.py"]
    assert row["score"] < row["max_score"], f"{name} was not caught"
    for words in HOSTILE[name][1]:
        assert words.lower() in reason_text(row), f"{name}: no {words!r} in\n{reason_text(row)}"


def test_importing_the_reference_is_flagged_and_not_counted(batch):
    row = batch[0]["cheat.py"]
    item = row["exercises"]["ex3_attention"]
    assert row["flagged"] and row["score"] == 0
    assert item["raw_score"] == item["max_score"]  # it would have passed: that is the point
    assert "reference solutions" in item["reason"]


def test_csv_gradebook_has_one_row_per_submission(batch):
    rows = batch[1]
    assert [row["submission"] for row in rows] == ["correct.py", "buggy.py"]
    assert rows[0]["ex3_attention"] == rows[0]["max_score"]
    assert "query axis" in rows[1]["reasons"]


def test_gradescope_results_json(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "ex3_attention.py").write_text(BUGGY, encoding="utf-8")
    out = tmp_path / "results.json"
    outcome = CliRunner().invoke(main, ["grade", str(submission), "--exercise", "3", "--format",
                                        "gradescope", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    results = json.loads(out.read_text(encoding="utf-8"))
    assert 0 < results["score"] < results["max_score"] == len(results["tests"])
    failed = [t for t in results["tests"] if t["score"] == 0]
    assert failed and all(t["max_score"] == 1 and t["output"] for t in failed)
    assert any("query axis" in t["output"] for t in failed)


def test_usage_errors_are_one_line(tmp_path):
    runner = CliRunner()
    outcome = runner.invoke(main, ["grade", str(tmp_path / "nothing.py"), "--exercise", "3"])
    assert outcome.exit_code == 2 and "no file or folder" in outcome.output
    outcome = runner.invoke(main, ["grade", str(tmp_path), "--exercise", "3", "--all"])
    assert outcome.exit_code == 2


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_learn_check_fails_every_hostile_file_with_its_reason(tmp_path, name):
    path = tmp_path / "ex3_attention.py"
    path.write_bytes(HOSTILE[name][0])
    result = check_file("ex3_attention", path, timeout=TIME_LIMIT)
    assert not result.passed
    text = failure_text(result).lower()
    for words in HOSTILE[name][1]:
        assert words.lower() in text, f"{name}: no {words!r} in\n{text}"


def test_warnings_on_stderr_never_fail_a_check(tmp_path):
    """Torch's own warnings (and the learner's) are noise on stderr, not failures."""
    noisy = CORRECT + '''
import sys
import warnings

import torch

warnings.warn("a learner's own warning", UserWarning)
torch.tensor([1.0, 2.0]).new_tensor(torch.tensor([3.0]))  # torch warns: use clone().detach()
print("debugging output on stderr", file=sys.stderr)
'''
    path = tmp_path / "ex3_attention.py"
    path.write_text(noisy, encoding="utf-8")
    result = check_file("ex3_attention", path)
    assert result.passed, failure_text(result)
    assert "clone().detach()" in result.output or "warning" in result.output.lower()
