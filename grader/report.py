"""Renders a `Result` (and the course's state) as text for a terminal, or as JSON.

Only strings come out of here; `cli` decides where they go.
"""

from __future__ import annotations

import json
import sys

import click

from grader.result import NOT_STARTED, PASSED, Result


def _symbols() -> tuple[str, str, str]:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if "utf" in encoding:
        return "✓", "✗", "·"
    return "PASS", "FAIL", "-"


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def render_result(result: Result, command: str) -> str:
    tick, cross, dot = _symbols()
    lines = [click.style(f"Exercise {result.exercise} · {result.name}", bold=True)
             + (f"  ({result.file})" if result.file else "")]
    if result.state == "not_started":
        lines.append(f"  Not started yet: every function still raises NotImplementedError.")
        lines.append(f"  Open {result.file or 'the stub'}, fill in the TODOs, then run `{command}` again.")
        return "\n".join(lines)
    if result.diagnosis:
        lines.append(click.style("  " + result.diagnosis, fg="yellow"))
    if result.error:
        lines.append(click.style("  Your code could not be checked:", fg="red"))
        lines.append(_indent(result.error, "    "))
    for check in result.checks:
        if check.status == PASSED:
            lines.append(f"  {click.style(tick, fg='green')} {check.title}")
        elif result.error and check.status == "not_run":
            lines.append(f"  {dot} {check.title}")
        else:
            mark = dot if check.status == NOT_STARTED else click.style(cross, fg="red")
            lines.append(f"  {mark} {check.title}")
            lines.append(_indent(check.message))
    if result.output.strip():
        shown = result.output.strip().splitlines()[-12:]
        lines.append(click.style("  What your code printed (last lines):", dim=True))
        lines.extend(click.style("    " + line, dim=True) for line in shown)
    verdict = f"{result.score}/{result.max_score} checks passed"
    if result.passed:
        lines.append(click.style(f"\n  {verdict}. Exercise {result.exercise} is done!", fg="green", bold=True))
        lines.append(f"  Compare with the reference: `learn solution {result.exercise}`; what now: `learn next`.")
    else:
        lines.append(f"\n  {verdict}. Fix the first failure above, then check again; "
                     f"stuck? `learn hint {result.exercise}`.")
    return "\n".join(lines)


def render_json(result: Result) -> str:
    return json.dumps(result.to_json(), indent=2)


def progress_bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total) if total else 0
    return "[" + "#" * filled + "-" * (width - filled) + f"] {done}/{total} exercises passed"


STATE_LABELS = {"passed": "passed", "failing": "failing", "not_started": "not started"}


def render_status(rows: list[dict]) -> str:
    """rows: number, slug, title, state, best_score, max_score, ready."""
    tick, cross, dot = _symbols()
    lines = []
    for row in rows:
        if not row["ready"]:
            mark, state = dot, "coming soon"
        else:
            state = STATE_LABELS.get(row["state"], row["state"])
            mark = {"passed": click.style(tick, fg="green"), "failing": click.style(cross, fg="red")}.get(row["state"], dot)
        score = f"{row['best_score']}/{row['max_score']}" if row.get("max_score") else ""
        lines.append(f"  {mark} {row['number']} · {row['slug']:<10} {row['title']:<46} {state:<12} {score}")
    done = sum(row["state"] == "passed" for row in rows)
    lines.append("\n  " + progress_bar(done, len(rows)))
    return "\n".join(lines)
