"""The grader's worth, measured on a catalogue of learner files kept in tests/variants/.

Each exercise has a folder of realistic learner files. `buggy_*.py` files each hold one mistake
and must fail, with a message that names it: the file's `# expect:` lines give words that the
failure report must contain. `correct_*.py` files are right but written differently from the
reference, and must pass every check.
"""

from __future__ import annotations

import re

import pytest

from conftest import VARIANTS_DIR, check_file, failure_text

BUGGY = sorted(VARIANTS_DIR.glob("*/buggy_*.py"))
CORRECT = sorted(VARIANTS_DIR.glob("*/correct_*.py"))


def expectations(path) -> list[str]:
    return re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_buggy_variant_fails_with_its_mistake_named(path):
    wanted = expectations(path)
    assert wanted, f"{path} has no '# expect:' line"
    result = check_file(path.parent.name, path)
    assert not result.passed, f"{path.name} passed every check, but it has a bug"
    assert result.state != "not_started"
    text = failure_text(result).lower()
    for words in wanted:
        assert words.lower() in text, f"{path.name}: the report does not say {words!r}:\n{text}"


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_correct_variant_passes(path):
    result = check_file(path.parent.name, path)
    assert result.passed, f"{path.name} is correct but failed:\n{failure_text(result)}"


def test_catalogue_is_large_enough():
    """At least 8 buggy and 3 correct variants for every exercise that is ready (more for 1 and 3)."""
    from grader import course

    for exercise in course.EXERCISES:
        if not exercise.ready:
            continue
        folder = VARIANTS_DIR / exercise.module
        buggy = list(folder.glob("buggy_*.py"))
        correct = list(folder.glob("correct_*.py"))
        # Exercises 1 and 3 (tokenize, attention) are held to a larger catalogue: 10 and 4.
        least_buggy, least_correct = (10, 4) if exercise.number in (1, 3) else (8, 3)
        assert len(buggy) >= least_buggy, f"{exercise.module}: only {len(buggy)} buggy variants"
        assert len(correct) >= least_correct, f"{exercise.module}: only {len(correct)} correct variants"
