"""`learn grade`: a gradebook for a class's submissions.

Each submission (a `.py` file, a notebook, or a folder holding one learner's work) is graded
exercise by exercise, every exercise in its own child process (or its own kernel, for a
notebook) with a time limit and a memory limit, J at a time. Nothing a submission does can stop
the batch: each job ends in a `Result`, whatever happened. A submission that reaches for the
reference solutions or the grader's internals is flagged, and its score for that exercise is
not counted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader import course
from grader.course import Exercise
from grader.result import Result

# Imports that no learner's own work needs. `from grader import check` and `%load_ext grader`
# (the notebook's own check cell) are allowed.
FORBIDDEN = [
    (re.compile(r"^\s*(from|import)\s+solutions\b", re.M), "imports the reference solutions"),
    (re.compile(r"""['"][^'"]*solutions[/\\]ex\d""", re.M), "reads a reference solution file"),
    (re.compile(r"^\s*(from\s+grader\.\w+|import\s+grader\.\w+)", re.M), "imports the grader's internals"),
    (re.compile(r"^\s*from\s+grader\s+import\s+(?!check\s*$)", re.M), "imports the grader's internals"),
    (re.compile(r"__import__\(\s*['\"](grader|solutions)", re.M), "imports the grader's internals"),
    (re.compile(r"\bimportlib\b.*['\"](grader|solutions)", re.M), "imports the grader's internals"),
]


@dataclass
class Submission:
    name: str
    path: Path
    files: dict[int, Path] = field(default_factory=dict)  # exercise number -> file to grade


@dataclass
class Row:
    submission: Submission
    results: dict[int, Result] = field(default_factory=dict)
    flags: dict[int, list[str]] = field(default_factory=dict)

    def counted(self, number: int) -> int:
        result = self.results.get(number)
        if result is None or self.flags.get(number):
            return 0
        return result.score

    def total(self, exercises: list[Exercise]) -> int:
        return sum(self.counted(e.number) for e in exercises)


class GradeError(ValueError):
    """A usage problem with the submissions given (one line)."""


def source_text(path: Path) -> str:
    """The code of a submission file: a .py file's text, a notebook's code cells."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            return "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                             else str(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        except (ValueError, AttributeError):
            return ""
    return text


def suspicious(path: Path) -> list[str]:
    """Why this file looks like it uses the answers or the grader, read from its source."""
    text = source_text(path)
    return sorted({reason for pattern, reason in FORBIDDEN if pattern.search(text)})


def _exercise_of_file(path: Path) -> Exercise | None:
    for exercise in course.EXERCISES:
        if path.stem == exercise.module or path.stem.startswith(exercise.module + "-"):
            return exercise
    return None


def discover(paths: list[Path], exercises: list[Exercise]) -> list[Submission]:
    """One Submission per PATH: which file to grade for which exercise."""
    submissions = []
    for path in paths:
        if not path.exists():
            raise GradeError(f"there is no file or folder {path}")
        submission = Submission(name=path.name, path=path)
        if path.is_file():
            if path.suffix not in (".py", ".ipynb"):
                raise GradeError(f"{path} is neither a .py file nor a notebook (.ipynb)")
            named = _exercise_of_file(path)
            for exercise in exercises:
                if named is None or named.number == exercise.number or len(exercises) == 1:
                    submission.files[exercise.number] = path
        else:
            candidates = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".ipynb")
                                and p.is_file() and ".ipynb_checkpoints" not in p.parts)
            for exercise in exercises:
                matches = [p for p in candidates if p.stem == exercise.module]
                matches.sort(key=lambda p: (p.suffix != ".py", len(p.parts)))
                if matches:
                    submission.files[exercise.number] = matches[0]
            if not submission.files and len(candidates) == 1:
                submission.files = {e.number: candidates[0] for e in exercises}
        submissions.append(submission)
    return submissions


def grade_one(exercise: Exercise, path: Path, timeout: float, memory_limit: int) -> Result:
    """One exercise of one submission, in its own process; never raises."""
    try:
        if path.suffix == ".ipynb":
            from grader.notebook_run import run_notebook_checks

            return run_notebook_checks(exercise, path, timeout=timeout, display_file=str(path),
                                       memory_limit=memory_limit)
        from grader.runner import run_checks

        source = {"kind": "file", "path": str(path.resolve()), "use_reference": []}
        return run_checks(exercise, source, timeout=timeout, cwd=path.parent.resolve(),
                          display_file=str(path), memory_limit=memory_limit)
    except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
        from grader.runner import not_checked

        return not_checked(exercise, f"the grader could not run this submission: {type(error).__name__}: {error}",
                           str(path))


def grade(submissions: list[Submission], exercises: list[Exercise], *, jobs: int = 2,
          timeout: float = 60, memory_limit: int = 4 * 2**30, on_done=None) -> list[Row]:
    """Grade every (submission, exercise) pair, `jobs` at a time; `on_done(done, total)` after each."""
    rows = [Row(submission) for submission in submissions]
    work = [(row, exercise, row.submission.files[exercise.number])
            for row in rows for exercise in exercises if exercise.number in row.submission.files]
    total = len(work)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, exercise, path, timeout, memory_limit): (row, exercise, path)
                   for row, exercise, path in work}
        for done, future in enumerate(as_completed(futures), 1):
            row, exercise, path = futures[future]
            result = future.result()
            row.results[exercise.number] = result
            reasons = suspicious(path)
            if result.course_imports:
                reasons.append("loaded " + ", ".join(result.course_imports[:3]) + " while it ran")
            if reasons:
                row.flags[exercise.number] = reasons
            if on_done:
                on_done(done, total)
    return rows


def short_reason(result: Result) -> str:
    """One line saying why an exercise did not pass."""
    if result.error:
        return result.error.splitlines()[0][:240]
    failed = [c for c in result.checks if not c.passed]
    if not failed:
        return ""
    if all(c.status == "not_started" for c in failed):
        return "not started"
    first = failed[0]
    lines = [line for line in first.message.splitlines() if line.strip()]
    if lines and lines[0].startswith("Your code raised an error"):
        return f"{first.id}: {lines[-1].strip()[:150]}"
    likely = next((line.strip() for line in lines if line.strip().startswith("Likely mistake")), None)
    return f"{first.id}: {(likely or (lines[0] if lines else first.status))[:150]}"


def row_document(row: Row, exercises: list[Exercise]) -> dict:
    per_exercise = {}
    for exercise in exercises:
        result = row.results.get(exercise.number)
        if result is None:
            per_exercise[exercise.module] = {"score": 0, "max_score": len(exercise.checks),
                                             "passed": False, "reason": "no file for this exercise"}
            continue
        flags = row.flags.get(exercise.number, [])
        per_exercise[exercise.module] = {
            "file": result.file, "score": row.counted(exercise.number), "raw_score": result.score,
            "max_score": result.max_score or len(exercise.checks),
            "passed": result.passed and not flags, "state": result.state,
            "reason": ("flagged: " + "; ".join(flags)) if flags else short_reason(result),
            "flags": flags, "seconds": round(result.seconds, 2),
            "checks": [{"id": c.id, "title": c.title, "passed": c.passed, "status": c.status,
                        "message": c.message} for c in result.checks],
        }
    return {
        "submission": row.submission.name, "path": str(row.submission.path),
        "score": row.total(exercises), "max_score": sum(len(e.checks) for e in exercises),
        "flagged": bool(row.flags), "exercises": per_exercise,
    }


def to_csv(rows: list[Row], exercises: list[Exercise]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "path", *[e.module for e in exercises], "score", "max_score",
                     "flagged", "reasons"])
    for row in rows:
        document = row_document(row, exercises)
        reasons = [f"{module}: {item['reason']}" for module, item in document["exercises"].items()
                   if item["reason"]]
        writer.writerow([document["submission"], document["path"],
                         *[document["exercises"][e.module]["score"] for e in exercises],
                         document["score"], document["max_score"], "yes" if document["flagged"] else "",
                         " | ".join(reasons)])
    return buffer.getvalue()


def to_json(rows: list[Row], exercises: list[Exercise]) -> str:
    return json.dumps({"exercises": [{"number": e.number, "module": e.module,
                                      "max_score": len(e.checks)} for e in exercises],
                       "submissions": [row_document(row, exercises) for row in rows]}, indent=2)


def to_gradescope(row: Row, exercises: list[Exercise]) -> str:
    """Gradescope's results.json for one submission: one test per check."""
    document = row_document(row, exercises)
    tests = []
    for exercise in exercises:
        item = document["exercises"][exercise.module]
        flagged = bool(item.get("flags"))
        checks = item.get("checks") or [{"id": cid, "title": title, "passed": False, "message": item["reason"]}
                                         for cid, title in exercise.checks]
        for check in checks:
            passed = check["passed"] and not flagged
            output = check["message"] or ("passed" if passed else "")
            if flagged:
                output = f"Not counted: {item['reason']}"
            tests.append({"name": f"Exercise {exercise.label}: {check['title']}", "score": 1 if passed else 0,
                          "max_score": 1, "status": "passed" if passed else "failed", "output": output})
    return json.dumps({"score": document["score"], "max_score": document["max_score"],
                       "output": f"{document['score']}/{document['max_score']} checks passed.",
                       "tests": tests}, indent=2)
