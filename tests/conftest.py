"""Shared helpers for the test suite: run the real grader (child process and all) on a file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import course
from grader.runner import run_checks
from grader.stubgen import make_stub

TESTS_DIR = Path(__file__).resolve().parent
VARIANTS_DIR = TESTS_DIR / "variants"


def check_file(module: str, path: Path, timeout: float = 60, use_reference=None):
    """The Result of exercise `module`'s checks on the file at `path`.

    A file that imports earlier exercises (`from ex3_attention import MultiHeadAttention`) gets
    their reference solutions, unless `use_reference` names other modules (or none: `[]`).
    """
    exercise = course.find(module)
    if use_reference is None:
        use_reference = [e.module for e in course.EXERCISES if e.number < exercise.number and e.ready]
    source = {"kind": "file", "path": str(path), "use_reference": list(use_reference)}
    return run_checks(exercise, source, timeout=timeout, cwd=path.parent, display_file=path.name)


def failure_text(result) -> str:
    """Everything the learner would read about what went wrong, in one string."""
    parts = [result.error or ""] + [c.message for c in result.checks if not c.passed]
    return "\n".join(parts)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A fresh learner workspace holding the untouched stubs of every ready exercise."""
    (tmp_path / "exercises").mkdir()
    for exercise in course.EXERCISES:
        if exercise.ready:
            exercise.stub_path(tmp_path).write_text(
                make_stub(exercise.solution_path.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("LEARN_WORKSPACE", str(tmp_path))
    return tmp_path


def copy_solution(exercise, workspace: Path) -> Path:
    """Put the reference solution where the learner's stub is, as a learner who finished would."""
    target = exercise.stub_path(workspace)
    shutil.copy(exercise.solution_path, target)
    return target
