"""Tell a bug in an earlier exercise from a bug in this one.

A learner's model (exercise 5) is built from their own attention (3) and encoder layer (4). When
it fails, the failure may come from any of the three. So the same checks are run again with the
reference solutions imported in place of the learner's earlier files, one more each time: if the
model passes once exercise 3's reference stands in, the bug is in exercise 3; if only with both 3
and 4, it is in 4; if never, it is in the model itself.
"""

from __future__ import annotations

from grader import course
from grader.course import Exercise
from grader.result import Result
from grader.runner import run_checks


def diagnose(exercise: Exercise, result: Result, source: dict, **run_options) -> str | None:
    """A sentence naming the exercise the failure comes from, or None when it cannot be told."""
    if result.passed or result.state == "not_started" or result.error:
        return None
    imported = [course.find(n) for n in exercise.builds_on
                if course.find(n).module in result.imports]
    if not imported:
        return None
    swapped: list[str] = []
    for earlier in imported:
        swapped.append(earlier.module)
        retry = run_checks(exercise, {**source, "use_reference": list(swapped)}, **run_options)
        if retry.passed:
            pieces = " and ".join(f"exercise {course.find(m).number} ({course.find(m).slug})" for m in swapped)
            return (f"Your exercise {exercise.number} code passes every check when the reference "
                    f"solution of {pieces} stands in for yours: the bug is in exercise "
                    f"{earlier.number}. Fix exercise {earlier.number} first (`learn check {earlier.number}`).")
    numbers = [str(course.find(m).number) for m in swapped]
    names = (f"exercise {numbers[0]}" if len(numbers) == 1
             else f"exercises {', '.join(numbers[:-1])} and {numbers[-1]}")
    return (f"Your exercise {exercise.number} code fails even with the reference solutions of "
            f"{names} in place of yours: the bug is in exercise {exercise.number} itself.")
