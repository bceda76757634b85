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


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _run_check(exercise: Exercise, workspace: Path, file: Path | None, timeout: float,
               notebook: Path | None = None):
    if notebook is not None:
        from grader.notebook_run import run_notebook_checks

        path = notebook.resolve()
        if not path.is_file():
            raise click.UsageError(f"there is no notebook {path}")
        return run_notebook_checks(exercise, path, timeout=timeout, display_file=_shown(path))

    from grader.runner import run_checks  # imported here so that `learn list` stays fast

    path = (file or exercise.stub_path(workspace)).resolve()
    if not path.is_file():
        raise click.UsageError(f"there is no file {path}"
                               + ("" if file else f"; `learn reset {exercise.number}` writes the stub"))
    source = {"kind": "file", "path": str(path), "search_dirs": [str(workspace / "exercises")]}
    options = {"timeout": timeout, "cwd": workspace, "display_file": _shown(path)}
    result = run_checks(exercise, source, **options)
    if exercise.builds_on:
        from grader import chain

        result.diagnosis = chain.diagnose(exercise, result, source, **options)
    return result


def _record(workspace: Path, exercise: Exercise, result) -> None:
    warning = progress.record_result(workspace, exercise.module, result)
    if warning:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


@main.command()
@click.argument("exercise")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Check this file instead of your stub in exercises/.")
@click.option("--notebook", type=click.Path(dir_okay=False, path_type=Path),
              help="Run this Jupyter notebook in a fresh kernel, then check what it defined.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of the report.")
@click.option("--no-record", is_flag=True, help="Do not record the result in your progress.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds your code may run before the check is stopped.")
@click.pass_obj
def check(workspace: Path, exercise: str, file: Path | None, notebook: Path | None, as_json: bool,
          no_record: bool, timeout: float) -> None:
    """Run an exercise's checks on your code and say what is right and what is wrong."""
    chosen = _exercise(exercise)
    if file and notebook:
        raise click.UsageError("give --file or --notebook, not both")
    result = _run_check(chosen, workspace, file, timeout, notebook)
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


def _text_and_device(corpus: Path | None, device: str) -> tuple[str, Path, str]:
    """(text, its path, the device to use); a bad corpus or an absent device is a usage error."""
    from grader import trainer
    from grader.corpus import CorpusError, read_corpus

    try:
        text, corpus_path = read_corpus(corpus)
        return text, corpus_path, trainer.choose_device(device)
    except (CorpusError, ValueError) as error:
        raise click.UsageError(str(error)) from None


def _trained_model(workspace: Path):
    """(kit, model, vocab) of the last `learn train`, rebuilt with the code that trained it."""
    from grader import checkpoint
    from grader.kit import KitError, load_kit

    try:
        document = checkpoint.load(workspace)
        kit = load_kit(workspace, reference=document["source"] == "reference")
        model, vocab = checkpoint.rebuild(document, kit)
    except (checkpoint.CheckpointError, KitError) as error:
        raise click.ClickException(str(error)) from None
    return kit, model, vocab


def _training_display(as_json: bool):
    """A `report` callback for trainer.train that draws a one-line progress bar on stderr."""
    def show(event: dict) -> None:
        if as_json:
            return
        if event["kind"] == "progress":
            filled = int(24 * event["progress"])
            bar = "#" * filled + "-" * (24 - filled)
            click.echo(f"\r  [{bar}] step {event['step']:>5}  loss {event['loss']:.3f}  "
                       f"{event['tokens_per_second']:,.0f} tokens/s  {event['seconds']:.0f}s ",
                       nl=False, err=True)
        elif event["kind"] == "sample":
            click.echo(f"\n  sample at step {event['step']}: {event['text']!r}", err=True)
        elif event["kind"] == "evaluating":
            click.echo(f"\n  measuring the validation loss over {event['characters']:,} characters...",
                       err=True)
    return show


@main.command()
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              help="A text file to train on (default: the course's own corpus).")
@click.option("--reference", is_flag=True, help="Train the course's reference model, not yours.")
@click.option("--steps", type=click.IntRange(min=1), help="Train for this many steps ...")
@click.option("--seconds", type=click.FloatRange(min=1), help="... or for this many seconds (default 60).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto",
              show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document at the end.")
@click.pass_obj
def train(workspace: Path, corpus: Path | None, reference: bool, steps: int | None,
          seconds: float | None, device: str, seed: int, as_json: bool) -> None:
    """Train your model (exercises 1-7) on a text, save it, and report its validation loss."""
    import json

    from grader import checkpoint, trainer
    from grader.kit import KitError, load_kit

    if steps and seconds:
        raise click.UsageError("give --steps or --seconds, not both")
    text, corpus_path, chosen_device = _text_and_device(corpus, device)
    try:
        kit = load_kit(workspace, reference=reference)
    except KitError as error:
        raise click.ClickException(str(error)) from None
    budget = f"{steps} steps" if steps else f"{seconds or 60:g} seconds"
    if not as_json:
        click.echo(f"Training {'the reference' if reference else 'your'} model on {corpus_path.name} "
                   f"({len(text):,} characters) for {budget} on {chosen_device}. Ctrl-C stops early.",
                   err=True)
    try:
        run = trainer.train(kit, text, seconds=None if steps else (seconds or 60), steps=steps,
                            device=chosen_device, seed=seed, report=_training_display(as_json))
    except Exception as error:  # noqa: BLE001 - the learner's code may fail mid-run
        raise click.ClickException(f"training stopped: {type(error).__name__}: {error}") from None
    saved = checkpoint.save(workspace, run, corpus_path)
    curve = checkpoint.plot_curve(saved.with_name("loss_curve.png"), run.curve,
                                  f"{corpus_path.name}: {run.summary()['bits_per_char']} bits/char")
    summary = {**run.summary(), "corpus": str(corpus_path), "checkpoint": str(saved),
               "loss_curve": str(curve), "model": kit.source,
               "sample": run.samples[-1][1] if run.samples else None}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"\n  validation loss {summary['val_loss']:.3f} nats/char "
               f"({summary['bits_per_char']:.3f} bits/char) after {run.steps:,} steps, "
               f"{run.tokens_per_second:,.0f} tokens/s, {run.parameters:,} parameters")
    click.echo(f"  model saved to {saved}\n  loss curve:    {curve}")
    click.echo("  Now: `learn generate --prompt \"the \"`")


@main.command()
@click.option("--prompt", default="the ", show_default=True, help="Text to start from.")
@click.option("--length", type=click.IntRange(min=1, max=100_000), default=300, show_default=True)
@click.option("--temperature", type=click.FloatRange(min=0), default=0.8, show_default=True,
              help="0 always takes the likeliest character; higher is more adventurous.")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="Sample only among the K likeliest.")
@click.option("--seed", type=int, default=None, help="The same seed gives the same text.")
@click.pass_obj
def generate(workspace: Path, prompt: str, length: int, temperature: float, top_k: int | None,
             seed: int | None) -> None:
    """Write text with the model you trained last."""
    import torch

    kit, model, vocab = _trained_model(workspace)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    try:
        text = kit.generate(model, vocab, prompt, length, temperature=temperature, top_k=top_k,
                            generator=generator)
    except Exception as error:  # noqa: BLE001 - the learner's generate may fail
        raise click.ClickException(f"generate failed: {type(error).__name__}: {error}") from None
    click.echo(click.style(prompt, bold=True) + text)


@main.command()
@click.argument("exercise", required=False)
@click.option("--all", "every", is_flag=True, help="A notebook for every exercise.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the notebooks in (default: notebooks/ in your workspace).")
@click.pass_obj
def notebook(workspace: Path, exercise: str | None, every: bool, out_dir: Path | None) -> None:
    """Write a Jupyter notebook for an exercise: its lesson, its stub, and a cell that checks it."""
    from grader.notebook import write_notebook

    if bool(exercise) == every:
        raise click.UsageError("name one exercise (`learn notebook 3`) or give --all")
    chosen = [e for e in course.EXERCISES if e.ready] if every else [_exercise(exercise)]
    folder = (out_dir or workspace / "notebooks").resolve()
    for item in chosen:
        path, renamed = write_notebook(item, folder, workspace)
        note = "  (yours was kept: this one is written beside it)" if renamed else ""
        click.echo(f"wrote {_shown(path)}{note}")
    click.echo("Open it with `jupyter notebook` (or VS Code); its last cell checks your work.")


def _format_of(out: Path | None, chosen: str | None) -> str:
    if chosen:
        return chosen
    if out is not None and out.suffix.lower() in (".csv", ".json"):
        return out.suffix.lower()[1:]
    if out is not None:
        raise click.UsageError("--out must end in .csv or .json (or give --format)")
    return "table"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exercise", "exercise_name", help="Grade this exercise only.")
@click.option("--all", "every", is_flag=True, help="Grade every exercise.")
@click.option("--jobs", type=click.IntRange(min=1, max=64), default=2, show_default=True,
              help="Submissions graded at the same time.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds each exercise of each submission may run.")
@click.option("--memory", type=click.FloatRange(min=1), default=4, show_default=True,
              help="GiB of memory each submission's process may use.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the gradebook here.")
@click.option("--format", "out_format", type=click.Choice(["csv", "json", "gradescope"]),
              help="Gradebook format (default: from --out's suffix; gradescope writes results.json).")
def grade(paths: tuple[Path, ...], exercise_name: str | None, every: bool, jobs: int, timeout: float,
          memory: float, out: Path | None, out_format: str | None) -> None:
    """Grade a class's submissions (.py files, notebooks, or one folder per learner)."""
    from grader import grade as grading

    if bool(exercise_name) == every:
        raise click.UsageError("give --exercise N or --all")
    exercises = [e for e in course.EXERCISES if e.ready] if every else [_exercise(exercise_name)]
    fmt = _format_of(out, out_format)
    try:
        submissions = grading.discover(list(paths), exercises)
    except grading.GradeError as error:
        raise click.UsageError(str(error)) from None
    if fmt == "gradescope" and len(submissions) != 1:
        raise click.UsageError("--format gradescope grades one submission per run (as Gradescope does)")

    def progress_bar(done: int, total: int) -> None:
        filled = round(24 * done / total) if total else 24
        click.echo(f"\r  grading [{'#' * filled}{'-' * (24 - filled)}] {done}/{total}", nl=False, err=True)

    started = time.monotonic()
    rows = grading.grade(submissions, exercises, jobs=jobs, timeout=timeout,
                         memory_limit=int(memory * 2**30), on_done=progress_bar)
    click.echo(f"\n  graded {len(submissions)} submission(s) in {time.monotonic() - started:.1f} s",
               err=True)
    if fmt == "table":
        for row in rows:
            document = grading.row_document(row, exercises)
            flag = "  FLAGGED" if document["flagged"] else ""
            click.echo(f"{document['submission']}: {document['score']}/{document['max_score']}{flag}")
            for module, item in document["exercises"].items():
                if item["reason"]:
                    click.echo(f"    {module}: {item['reason']}")
        return
    text = {"csv": lambda: grading.to_csv(rows, exercises), "json": lambda: grading.to_json(rows, exercises),
            "gradescope": lambda: grading.to_gradescope(rows[0], exercises)}[fmt]()
    target = out or Path("results.json")
    write_atomically(target, text)
    click.echo(f"  gradebook written to {target}", err=True)


def _compare_display(as_json: bool):
    show = _training_display(as_json)

    def display(event: dict) -> None:
        if event["kind"] == "model" and not as_json:
            click.echo(f"\n  training the {'Transformer' if event['name'] == 'transformer' else 'RNN'}...", err=True)
        elif event["kind"] != "model":
            show(event)
    return display


@main.command()
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              help="A text file to train on (default: the course's own corpus).")
@click.option("--seconds", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Training time for EACH model.")
@click.option("--steps", type=click.IntRange(min=1), help="Train each model for this many steps instead.")
@click.option("--reference", is_flag=True, help="Compare the course's reference models, not yours.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document at the end.")
@click.pass_obj
def compare(workspace: Path, corpus: Path | None, seconds: float, steps: int | None, reference: bool,
            device: str, seed: int, as_json: bool) -> None:
    """Train your Transformer and your RNN for the same time on the same text, and compare them."""
    import json

    import torch

    from grader import compare as comparing
    from grader.kit import KitError, load_kit, load_rnn_kit

    text, corpus_path, chosen_device = _text_and_device(corpus, device)
    try:
        kit = load_kit(workspace, reference=reference)
        rnn_kit = load_rnn_kit(workspace, reference=reference)
    except KitError as error:
        raise click.ClickException(str(error)) from None
    if not as_json:
        budget = f"{steps} steps" if steps else f"{seconds:g} s"
        click.echo(f"Comparing {'the reference' if reference else 'your'} Transformer and RNN on "
                   f"{corpus_path.name}: {budget} each on {chosen_device}.", err=True)
    try:
        outcome = comparing.run_both(kit, rnn_kit, text, seconds=None if steps else seconds, steps=steps,
                                     device=chosen_device, seed=seed, report=_compare_display(as_json))
    except KitError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # noqa: BLE001 - the learner's code may fail mid-run
        raise click.ClickException(f"the comparison stopped: {type(error).__name__}: {error}") from None
    rows = comparing.table_rows(outcome)
    picture = comparing.plot_curves(workspace / ".learn" / "compare" / "validation_curves.png", outcome,
                                    f"{corpus_path.name}: validation loss against time")
    samples = {}
    for name, run in outcome["runs"].items():
        generator = torch.Generator().manual_seed(seed)
        samples[name] = kit.generate(run.model, outcome["vocab"], "the ", 160, temperature=0.8,
                                     generator=generator)
    if as_json:
        click.echo(json.dumps({"corpus": str(corpus_path), "device": chosen_device, "models": rows,
                               "verdict": comparing.verdict(rows), "curves": str(picture),
                               "samples": samples}, indent=2))
        return
    click.echo("\n\n" + comparing.render_table(rows))
    click.echo("\n" + comparing.verdict(rows))
    for name, sample in samples.items():
        click.secho(f"\n{'Transformer' if name == 'transformer' else 'RNN'} writes:", bold=True)
        click.echo("the " + sample)
    click.echo(f"\nvalidation curves: {picture}")


@main.command()
@click.argument("text")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PNG (default: .learn/model/attention.png).")
@click.pass_obj
def attention(workspace: Path, text: str, out: Path | None) -> None:
    """Show what your trained model attends to over TEXT: a heatmap per layer and head."""
    from grader import attention as looking
    from grader import checkpoint

    if not text:
        raise click.UsageError("give some text, for example: learn attention \"the cat sat\"")
    kit, model, vocab = _trained_model(workspace)
    unknown = sorted({c for c in kit.tokenize_text(text) if c not in vocab})
    try:
        used, maps = looking.attention_maps(model, vocab, text.lower())
    except Exception as error:  # noqa: BLE001 - the learner's model may fail here
        raise click.ClickException(f"cannot read the attention: {type(error).__name__}: {error}") from None
    if used != text.lower():
        click.echo(f"(only the last {len(used)} characters fit the model's context)")
    if unknown:
        click.echo(f"(not in the model's vocabulary, read as <unk>: {' '.join(map(repr, unknown))})")
    path = looking.plot(out or checkpoint.checkpoint_dir(workspace) / "attention.png", used, maps)
    click.echo(f"The last character, {looking.shown(used[-1])!r}, attends most to:")
    for layer, found in enumerate(looking.strongest(used, maps), 1):
        described = ", ".join(f"{looking.shown(c)!r} at {p} ({w:.0%})" for p, c, w in found)
        click.echo(f"  layer {layer}: {described}")
    click.echo(f"heatmaps (every layer and head): {path}")
