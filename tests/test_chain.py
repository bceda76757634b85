"""Chained diagnosis: when exercise 5 fails, `learn check 5` tells whether the bug is in the
learner's attention (exercise 3), their encoder layer (exercise 4) or the model itself.

Each test writes a learner's folder holding exercises 3, 4 and 5 (the reference solutions, one of
them with a bug put in), runs the real grader on exercise 5 with the learner's own earlier files,
and asks grader.chain for its diagnosis, as `learn check 5` does.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import VARIANTS_DIR, check_file, failure_text
from grader import chain, course
from grader.cli import main

EX3, EX4, EX5 = course.find(3), course.find(4), course.find(5)

# One bug per exercise, each a list of (text in the reference solution, what replaces it).
EX3_MASK_INVERTED = [('scores.masked_fill(mask == 0, float("-inf"))',
                      'scores.masked_fill(mask != 0, float("-inf"))')]
EX4_PRE_NORM = [
    ("attended, _ = self.self_attention(x, x, x, mask)\n        x = self.norm1(x + self.dropout1(attended))",
     "normed = self.norm1(x)\n        attended, _ = self.self_attention(normed, normed, normed, mask)\n"
     "        x = x + self.dropout1(attended)"),
    ("x = self.norm2(x + self.dropout2(self.feed_forward(x)))",
     "x = x + self.dropout2(self.feed_forward(self.norm2(x)))"),
]
EX5_NO_MASK = [("x = layer(x, mask)", "x = layer(x)")]


def with_bug(text: str, edits) -> str:
    for old, new in edits or []:
        assert old in text, f"the reference solution changed; update this test's bug: {old!r}"
        text = text.replace(old, new)
    return text


def write_exercises(folder: Path, ex3=None, ex4=None, ex5=None) -> Path:
    """Write a learner's ex3_attention.py, ex4_encoder.py and ex5_model.py into `folder` (the
    reference solutions, with the given bugs put in); return the path of ex5_model.py."""
    folder.mkdir(parents=True, exist_ok=True)
    for exercise, edits in ((EX3, ex3), (EX4, ex4), (EX5, ex5)):
        text = with_bug(exercise.solution_path.read_text(encoding="utf-8"), edits)
        (folder / f"{exercise.module}.py").write_text(text, encoding="utf-8")
    return folder / f"{EX5.module}.py"


def diagnose_exercise_5(path: Path):
    """(result, diagnosis) of exercise 5 on `path`, importing the learner's own earlier files."""
    result = check_file(EX5.module, path, use_reference=[])
    assert not result.passed, "the model passed every check although one of its exercises has a bug"
    assert {EX3.module, EX4.module} <= set(result.imports), result.imports
    source = {"kind": "file", "path": str(path)}
    diagnosis = chain.diagnose(EX5, result, source, cwd=path.parent, display_file=path.name)
    return result, diagnosis


def test_a_bug_in_the_encoder_layer_is_traced_to_exercise_4(tmp_path):
    result, diagnosis = diagnose_exercise_5(write_exercises(tmp_path, ex4=EX4_PRE_NORM))
    assert diagnosis is not None
    assert "the bug is in exercise 4" in diagnosis and "Fix exercise 4 first" in diagnosis
    # The checks of exercise 5 themselves already point at the earlier layers.
    assert "learn check 4" in failure_text(result)


def test_a_bug_in_the_model_is_traced_to_exercise_5_itself(tmp_path):
    result, diagnosis = diagnose_exercise_5(write_exercises(tmp_path, ex5=EX5_NO_MASK))
    assert diagnosis is not None
    assert "the bug is in exercise 5 itself" in diagnosis
    assert "exercises 3 and 4" in diagnosis
    assert "can see the future" in failure_text(result)


def test_a_bug_in_the_attention_is_traced_to_exercise_3(tmp_path):
    _, diagnosis = diagnose_exercise_5(write_exercises(tmp_path, ex3=EX3_MASK_INVERTED))
    assert diagnosis is not None
    assert "the bug is in exercise 3" in diagnosis and "Fix exercise 3 first" in diagnosis


def test_a_self_contained_model_gets_no_diagnosis(tmp_path):
    """A file that imports no earlier exercise has nothing to swap: its own report stands alone."""
    correct = (VARIANTS_DIR / EX5.module / "correct_self_contained.py").read_text(encoding="utf-8")
    path = tmp_path / "mine.py"
    path.write_text(with_bug(correct, EX5_NO_MASK), encoding="utf-8")
    result = check_file(EX5.module, path, use_reference=[])
    assert not result.passed and result.imports == []
    source = {"kind": "file", "path": str(path)}
    assert chain.diagnose(EX5, result, source, cwd=tmp_path, display_file=path.name) is None


def test_learn_check_5_says_to_fix_exercise_4_first(workspace):
    exercises = workspace / "exercises"
    write_exercises(exercises, ex4=EX4_PRE_NORM)
    result = CliRunner().invoke(main, ["check", "5", "--no-record"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "the bug is in exercise 4. Fix exercise 4 first (`learn check 4`)." in result.output
    assert "Traceback" not in result.output


def test_an_unfinished_earlier_exercise_is_named(tmp_path):
    """Exercise 5 done, exercise 4 still the stub: the report names exercise 4's file."""
    from grader.stubgen import make_stub

    path = write_exercises(tmp_path / "learner")
    (path.parent / f"{EX4.module}.py").write_text(
        make_stub(EX4.solution_path.read_text(encoding="utf-8")), encoding="utf-8")
    result = check_file(EX5.module, path, use_reference=[])
    assert not result.passed and result.state != "not_started"
    assert "Your exercise 4 (ex4_encoder.py) is not finished" in failure_text(result)
