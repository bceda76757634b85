"""The course is whole: every ready exercise has its pieces, its stub is what the generator makes,
its reference solution passes through the CLI and its untouched stub reports "not started"."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import copy_solution
from grader import course
from grader.cli import main
from grader.stubgen import make_stub

READY = [e for e in course.EXERCISES if e.ready]


def test_the_registry_names_eight_exercises_in_order():
    assert [e.number for e in course.EXERCISES] == list(range(1, 9))
    assert len({e.slug for e in course.EXERCISES}) == 8
    assert course.find("attention") is course.find(3) is course.find("ex3_attention")
    with pytest.raises(course.UnknownExercise):
        course.find("9")


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.module)
def test_ready_exercise_has_lesson_hints_and_checks(exercise):
    assert exercise.summary, "the lesson needs a summary paragraph under its title"
    assert 2 <= len(exercise.hints) <= 3
    assert len(exercise.checks) >= 5
    assert all(title for _, title in exercise.checks)


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.module)
def test_committed_stub_is_the_generated_one(exercise):
    committed = exercise.stub_path(course.COURSE_ROOT).read_text(encoding="utf-8")
    assert committed == make_stub(exercise.solution_path.read_text(encoding="utf-8")), \
        f"regenerate exercises/{exercise.module}.py from its solution (see grader/stubgen.py)"
    assert "NotImplementedError" in committed


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.module)
def test_solution_passes_through_the_cli(exercise, workspace):
    for earlier in READY:
        if earlier.number <= exercise.number:
            copy_solution(earlier, workspace)
    result = CliRunner().invoke(main, ["check", str(exercise.number), "--json"])
    document = json.loads(result.output)
    assert result.exit_code == 0, [c["message"] for c in document["checks"] if not c["passed"]]
    assert document["passed"] and document["score"] == document["max_score"] > 0


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.module)
def test_untouched_stub_reports_not_started(exercise, workspace):
    result = CliRunner().invoke(main, ["check", str(exercise.number), "--json"])
    document = json.loads(result.output)
    assert result.exit_code == 1
    assert document["state"] == "not_started", document
    assert document["error"] is None


SOLUTION = '''# Reference solution header, dropped from the stub.
"""Module docstring, kept."""

import torch


def _helper(x):
    return x + 1


def public(x, y=2):
    """Contract of public."""
    # Step 1: add one.
    z = _helper(x)
    # a comment that is not a step
    return z * y


class Model(torch.nn.Module):
    """A model."""

    def __init__(self, size):
        """Build it."""
        super().__init__()
        # Step 1: a layer.
        self.layer = torch.nn.Linear(size, size)

    def _private(self):
        return 1

    def forward(self, x):
        return self.layer(x)


if __name__ == "__main__":
    print(public(1))
'''


def test_stub_generator_keeps_the_contract_and_drops_the_answers():
    stub = make_stub(SOLUTION)
    assert "Reference solution header" not in stub and '"""Module docstring, kept."""' in stub
    assert "import torch" in stub and "_helper" not in stub and "_private" not in stub
    assert '"""Contract of public."""\n    # TODO Step 1: add one.\n    raise NotImplementedError("TODO: write public")' in stub
    assert "super().__init__()\n        # TODO Step 1: a layer.\n" in stub
    assert 'raise NotImplementedError("TODO: write Model.forward")' in stub
    assert "return" not in stub and "__main__" not in stub and "not a step" not in stub
    compile(stub, "stub.py", "exec")
