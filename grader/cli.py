"""The `learn` command: one click group, one function per command.

Each command parses its options, calls into the package, and renders; the work itself lives in
`course`, `runner`, `progress` and `report`. What a learner gets wrong (an unknown exercise, a
missing file) is a `click.UsageError` (exit status 2) with one clear line, never a traceback.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from grader import course, progress, report, stubgen
from grader.course import Exercise
from grader.workspace import backup_path, find_workspace, write_atomically


def _exercise(name: str) -> Exercise:
    try:
        exercise = course.find(name)
    except course.UnknownExercise as error:
        raise click.UsageError(str(error)) from None
    if not exercise.ready:
        raise click.UsageError(f"exercise {exercise.label} is not part of the course yet; "
                               "`learn list` shows what is ready")
    return exercise


def _load_progress(workspace: Path) -> dict:
    records, warning = progress.load(workspace)
    if warning:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return records


def _rows(workspace: Path) -> list[dict]:
    records = _load_progress(workspace)
    rows = []
    for exercise in course.EXERCISES:
        record = records.get(exercise.module, {})
        rows.append({
            "number": exercise.number, "slug": exercise.slug, "title": exercise.title,
            "ready": exercise.ready, "state": record.get("state", "not_started"),
            "best_score": record.get("best_score", 0), "max_score": record.get("max_score", 0),
        })
    return rows


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding your exercises/ and .learn/ (default: found from here).")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """Build a character-level Transformer from scratch, one checked exercise at a time."""
    ctx.obj = find_workspace(workspace)


@main.command("list")
@click.pass_obj
def list_exercises(workspace: Path) -> None:
    """Show every exercise with its state, best score and your overall progress."""
    click.echo(report.render_status(_rows(workspace)))


main.add_command(list_exercises, "status")


@main.command("next")
@click.pass_obj
def next_exercise(workspace: Path) -> None:
    """Show the first exercise you have not passed yet, and what to do."""
    rows = {row["number"]: row for row in _rows(workspace)}
    for exercise in course.EXERCISES:
        if exercise.ready and rows[exercise.number]["state"] != "passed":
            stub = exercise.stub_path(workspace)
            click.secho(f"Next: exercise {exercise.label} · {exercise.title}", bold=True)
            click.echo(f"\n{exercise.summary}\n")
            click.echo(f"  1. Read the lesson:   learn show {exercise.number}")
            click.echo(f"  2. Fill in the stub:  {stub}")
            click.echo(f"  3. Check your work:   learn check {exercise.number}   (or: learn watch {exercise.number})")
            return
    click.secho("Every exercise that is ready has been passed. Well done!", fg="green")


@main.command()
@click.argument("exercise")
def show(exercise: str) -> None:
    """Show an exercise's lesson."""
    chosen = _exercise(exercise)
    text = chosen.lesson_path.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        click.echo_via_pager(text)
    else:
        click.echo(text)


def _run_check(exercise: Exercise, workspace: Path, file: Path | None, timeout: float):
    from grader.runner import run_checks  # imported here so that `learn list` stays fast

    path = (file or exercise.stub_path(workspace)).resolve()
    if not path.is_file():
        raise click.UsageError(f"there is no file {path}"
                               + ("" if file else f"; `learn reset {exercise.number}` writes the stub"))
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    source = {"kind": "file", "path": str(path)}
    options = {"timeout": timeout, "cwd": workspace, "display_file": shown}
    result = run_checks(exercise, source, **options)
    if exercise.builds_on:
        from grader import chain

        result.diagnosis = chain.diagnose(exercise, result, source, **options)
    return result


def _record(workspace: Path, exercise: Exercise, result) -> None:
    records = _load_progress(workspace)
    progress.record_check(records, exercise.module, result.state, result.score, result.max_score)
    progress.save(workspace, records)


@main.command()
@click.argument("exercise")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Check this file instead of your stub in exercises/.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of the report.")
@click.option("--no-record", is_flag=True, help="Do not record the result in your progress.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds your code may run before the check is stopped.")
@click.pass_obj
def check(workspace: Path, exercise: str, file: Path | None, as_json: bool, no_record: bool,
          timeout: float) -> None:
    """Run an exercise's checks on your code and say what is right and what is wrong."""
    chosen = _exercise(exercise)
    result = _run_check(chosen, workspace, file, timeout)
    if not no_record:
        _record(workspace, chosen, result)
    if as_json:
        click.echo(report.render_json(result))
    else:
        click.echo(report.render_result(result, f"learn check {chosen.number}"))
    sys.exit(0 if result.passed else 1)


@main.command()
@click.argument("exercise")
@click.option("--all", "show_all", is_flag=True, help="Show every hint at once.")
@click.pass_obj
def hint(workspace: Path, exercise: str, show_all: bool) -> None:
    """Show the next hint for an exercise (one more each time you ask)."""
    chosen = _exercise(exercise)
    hints = chosen.hints
    if not hints:
        raise click.UsageError(f"exercise {chosen.label} has no hints")
    if show_all:
        for number, text in enumerate(hints, 1):
            click.secho(f"Hint {number} of {len(hints)}", bold=True)
            click.echo(text + "\n")
        return
    records = _load_progress(workspace)
    index = progress.next_hint(records, chosen.module, len(hints))
    progress.save(workspace, records)
    click.secho(f"Hint {index + 1} of {len(hints)}", bold=True)
    click.echo(hints[index])
    if index + 1 < len(hints):
        click.echo(f"\n(`learn hint {chosen.number}` again for the next one.)")


@main.command()
@click.argument("exercise")
@click.pass_obj
def reset(workspace: Path, exercise: str) -> None:
    """Restore an exercise's stub; your version is kept as a backup first."""
    chosen = _exercise(exercise)
    stub = chosen.stub_path(workspace)
    fresh = stubgen.make_stub(chosen.solution_path.read_text(encoding="utf-8"))
    if stub.exists():
        if stub.read_text(encoding="utf-8", errors="replace") == fresh:
            click.echo(f"{stub} is already the untouched stub; nothing to do.")
            return
        backup = backup_path(workspace, stub)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(stub, backup)
        click.echo(f"Your version was kept as {backup}")
    write_atomically(stub, fresh)
    click.echo(f"Restored the stub {stub}")


@main.command()
@click.argument("exercise")
@click.option("--force", is_flag=True, help="Show it before you have passed (asks first).")
@click.pass_obj
def solution(workspace: Path, exercise: str, force: bool) -> None:
    """Show the reference solution, once you have passed the exercise."""
    chosen = _exercise(exercise)
    record = _load_progress(workspace).get(chosen.module, {})
    if record.get("state") != "passed":
        if not force:
            raise click.UsageError(f"pass exercise {chosen.number} first (`learn check {chosen.number}`), "
                                   "or use --force to see the solution anyway")
        click.confirm("Looking now takes away the fun of finding it yourself. Show the solution anyway?",
                      abort=True)
    click.echo(chosen.solution_path.read_text(encoding="utf-8"))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@main.command()
@click.argument("exercise", required=False)
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.5, hidden=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds your code may run before a check is stopped.")
@click.pass_obj
def watch(workspace: Path, exercise: str | None, interval: float, timeout: float) -> None:
    """Check again every time you save; without EXERCISE, follow your next unpassed one."""
    def current() -> Exercise:
        if exercise:
            return _exercise(exercise)
        rows = {row["number"]: row for row in _rows(workspace)}
        for candidate in course.EXERCISES:
            if candidate.ready and rows[candidate.number]["state"] != "passed":
                return candidate
        raise click.UsageError("every exercise that is ready has been passed")

    chosen = current()
    last_seen = None
    try:
        while True:
            stub = chosen.stub_path(workspace)
            seen = _mtime(stub)
            if seen != last_seen:
                last_seen = seen
                click.clear()
                result = _run_check(chosen, workspace, None, timeout)
                _record(workspace, chosen, result)
                click.echo(report.render_result(result, f"learn check {chosen.number}"))
                click.echo(f"\nWatching {stub} (Ctrl-C to stop)...")
                if result.passed and not exercise:
                    chosen = current()
                    last_seen = None
                    click.echo(f"On to exercise {chosen.label} next time you save.")
                    last_seen = _mtime(chosen.stub_path(workspace))
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("\nStopped watching.")
