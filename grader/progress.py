"""The learner's progress: one small JSON file, `.learn/progress.json`, written atomically.

A file that cannot be read is never fatal: it is moved aside (kept, in case the learner wants it)
and a warning is returned for the CLI to show, and progress starts again from empty.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from grader.workspace import state_dir, write_atomically

VERSION = 1


def progress_path(workspace: Path) -> Path:
    return state_dir(workspace) / "progress.json"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load(workspace: Path) -> tuple[dict, str | None]:
    """(progress, warning): the exercises' records keyed by module name, and a warning if the
    file was unreadable and has been set aside."""
    path = progress_path(workspace)
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
            raise ValueError("not a progress file")
        return data["exercises"], None
    except (OSError, UnicodeDecodeError, ValueError):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"progress.corrupt-{stamp}.json")
        path.replace(aside)
        return {}, f"your progress file could not be read; it was kept as {aside} and progress starts afresh"


def save(workspace: Path, exercises: dict) -> None:
    document = {"version": VERSION, "exercises": exercises}
    write_atomically(progress_path(workspace), json.dumps(document, indent=2, sort_keys=True) + "\n")


def record_check(exercises: dict, module: str, state: str, score: int, max_score: int) -> dict:
    """Fold one check's outcome into the record of exercise `module` and return that record."""
    now = _now()
    entry = exercises.setdefault(module, {})
    entry["attempts"] = entry.get("attempts", 0) + 1
    entry["last_checked"] = now
    entry["max_score"] = max_score
    entry["best_score"] = max(entry.get("best_score", 0), score)
    if state == "passed":
        entry.setdefault("first_passed", now)
    # Once passed, an exercise stays passed: a later broken edit shows as failing in the
    # check's own report, but the learner's achievement is not taken away.
    entry["state"] = "passed" if entry.get("first_passed") else state
    entry["last_state"] = state
    return entry


def record_result(workspace: Path, module: str, result) -> str | None:
    """Load, fold in one check's Result, save. Returns the warning of `load`, if any."""
    records, warning = load(workspace)
    record_check(records, module, result.state, result.score, result.max_score)
    save(workspace, records)
    return warning


def next_hint(exercises: dict, module: str, available: int) -> int:
    """Index of the hint to show now, remembering it, so each call reveals one more."""
    entry = exercises.setdefault(module, {})
    shown = min(entry.get("hints_shown", 0), available)
    index = min(shown, available - 1)
    entry["hints_shown"] = min(shown + 1, available)
    return index
