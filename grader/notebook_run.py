"""`learn check N --notebook PATH`: execute a learner's notebook in a fresh kernel, then check
what it defined.

The notebook is executed with nbclient from an in-memory copy (the learner's file is only read),
with one cell of ours before the learner's cells and one after (see `grader.kernel`). The
kernel is the child process here: it has the time limit, it can die without taking `learn`
with it, and its results come back signed in a private file, never through its output. What the
learner's cells did wrong (a cell that raises, `input()`, a loop without end, a dead kernel) is
named by its cell: its number in the notebook and its first line.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from grader import channel
from grader.course import Exercise
from grader.result import NOT_RUN, TIMED_OUT, Result
from grader.runner import DEFAULT_TIMEOUT, OUTPUT_LIMIT, child_environment, interpret, not_checked

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SETUP_CELL = "import grader.kernel as _learn_kernel\n_learn_kernel.begin_graded_run({job!r})\ndel _learn_kernel"
FINISH_CELL = "import grader.kernel as _learn_kernel\n_learn_kernel.finish_graded_run()"


class NotebookError(ValueError):
    """The file is not a notebook that can be run; the message says why in one line."""


def read_notebook(path: Path):
    """The notebook at `path` as nbformat v4, or NotebookError with a one-line reason."""
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name} is not a notebook: it is not UTF-8 text") from None
    except OSError as error:
        raise NotebookError(f"cannot read {path}: {error.strerror or error}") from None
    if not text.strip():
        raise NotebookError(f"{path.name} is empty: there is nothing to check yet")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NotebookError(f"{path.name} is not a Jupyter notebook ({reason[:120]})") from None
    language = notebook.metadata.get("kernelspec", {}).get("language", "python")
    if language and language.lower() != "python":
        raise NotebookError(f"{path.name} is a {language} notebook; the course's notebooks run Python")
    return notebook


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:80]
    return "(empty)"


def describe_cell(number: int, source: str) -> str:
    return f"cell {number} (`{first_line(source)}`)"


def _cell_error(cell) -> str | None:
    """The error a code cell raised, as the learner's traceback (colours and our frames removed)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            lines = [ANSI.sub("", line) for line in output.get("traceback", [])]
            text = "\n".join(line for line in "\n".join(lines).splitlines() if line.strip())
            tail = "\n".join(text.splitlines()[-14:])
            return tail or f"{output.get('ename')}: {output.get('evalue')}"
    return None


def _explain_cell_error(number: int, cell, error: str) -> str:
    where = describe_cell(number, cell.source)
    if "StdinNotImplementedError" in error or "raw_input was called" in error:
        return (f"{where.capitalize()} asks for input (input()); a notebook being checked cannot "
                "answer it. Set the value in the code instead.")
    if "SystemExit" in error:
        return f"{where.capitalize()} called sys.exit() or exit(); remove it."
    return f"{where.capitalize()} raised an error:\n" + "\n".join("  " + line for line in error.splitlines())


def run_notebook_checks(exercise: Exercise, path: Path, *, timeout: float = DEFAULT_TIMEOUT,
                        display_file: str = "", kernel_name: str = "python3",
                        memory_limit: int | None = None) -> Result:
    """Execute the notebook at `path` in a fresh kernel and check what it defined."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    import nbformat

    started = time.monotonic()
    deadline = started + timeout
    try:
        notebook = read_notebook(path)
    except NotebookError as error:
        result = not_checked(exercise, str(error), display_file)
        result.seconds = time.monotonic() - started
        return result

    private = Path(tempfile.mkdtemp(prefix="learn-notebook-"))
    secret = secrets.token_hex(32)
    results = private / "results"
    results.touch(mode=0o600)
    job = private / "job.json"
    job.write_text(json.dumps({"secret": secret, "module": exercise.module, "result_path": str(results),
                               "memory_limit": memory_limit}),
                   encoding="utf-8")
    job.chmod(0o600)

    learner_cells = [cell for cell in notebook.cells if cell.cell_type in ("code", "markdown")]
    numbers = {id(cell): number for number, cell in enumerate(notebook.cells, 1)}
    run_copy = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": kernel_name, "language": "python",
                                                                 "display_name": "Python 3"}})
    setup = nbformat.v4.new_code_cell(SETUP_CELL.format(job=str(job)))
    finish = nbformat.v4.new_code_cell(FINISH_CELL)
    copies = [nbformat.from_dict(dict(cell)) for cell in learner_cells]
    for copy in copies:
        if copy.cell_type == "code":
            copy.outputs = []
    run_copy.cells = [setup, *copies, finish]
    cell_numbers = [None, *(numbers[id(cell)] for cell in learner_cells), None]

    running: dict = {"index": None}

    def on_cell_execute(cell, cell_index, **_):
        running["index"] = cell_index

    client = NotebookClient(
        run_copy, kernel_name=kernel_name, allow_errors=True, record_timing=False,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic() + 0.999)),
        startup_timeout=max(5, int(min(60, deadline - time.monotonic()))),
        shutdown_kernel="immediate", resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=on_cell_execute,
    )
    problem = None
    timed_out = died = False
    kernel_log = private / "kernel.log"
    try:
        with open(kernel_log, "wb") as log:  # the kernel's own chatter stays out of the report
            client.execute(env=child_environment(), stdout=log, stderr=log)
    except CellTimeoutError:
        timed_out = True
    except DeadKernelError:
        died = True
    except NoSuchKernel:
        problem = (f"The notebook kernel '{kernel_name}' is not installed here; "
                   "reinstall the course (`pip install -e .`) to get ipykernel")
    except Exception as error:  # noqa: BLE001 - kernel start-up fails in many ways
        problem = f"The notebook's kernel could not be started or stopped: {type(error).__name__}: {str(error)[:200]}"
    if time.monotonic() > deadline and not problem:
        timed_out = True

    messages = [message for line in results.read_bytes().split(b"\n") if line
                for message in [channel.decode(secret, line)] if message is not None]
    last_words = kernel_log.read_text(encoding="utf-8", errors="replace") if kernel_log.exists() else ""
    last_words = "\n".join(line for line in last_words.splitlines() if "WARNING | Kernel is running" not in line)
    shutil.rmtree(private, ignore_errors=True)
    printed = "".join(output.get("text", "") for output in finish.get("outputs", [])
                      if output.get("output_type") == "stream")[-OUTPUT_LIMIT:]
    result = interpret(exercise, messages, timed_out=timed_out, timeout=timeout,
                       exit_code=0, printed=printed)
    result.file = display_file or path.name

    index = running["index"]
    number = cell_numbers[index] if index is not None and index < len(cell_numbers) else None
    where = describe_cell(number, run_copy.cells[index].source) if number else "the checks"
    if problem:
        result.error = problem
    elif timed_out:
        result.error = (f"Time limit reached: {where} was still running after {timeout:g} s. Look for "
                        "a loop that never ends (or a cell that trains for too long).")
    elif died:
        result.error = (f"The kernel died while running {where} (os._exit(), a crash, or out of "
                        "memory?); nothing after it could run.")
        if last_words.strip():
            result.error += "\nIts last words:\n" + last_words.strip()[-800:]
    else:
        for copy, number in zip(run_copy.cells[1:-1], cell_numbers[1:-1]):
            if copy.cell_type == "code":
                error = _cell_error(copy)
                if error:
                    result.error = _explain_cell_error(number, copy, error)
                    break
    if result.error:
        reason = result.error.splitlines()[0]
        for item in result.checks:
            if item.status in (NOT_RUN, TIMED_OUT) or not messages:
                item.message = f"Not run: {reason}"
    result.seconds = time.monotonic() - started
    return result
