"""Checks inside a Jupyter kernel, on the definitions that live there.

Two users: the learner, who types `check(3)` (or `%learn check 3`) in the cell after their code
and gets a table at once, without saving a file; and `learn check --notebook`, which executes a
learner's notebook in a fresh kernel with one cell of ours before the learner's cells
(`begin_graded_run`) and one after (`finish_graded_run`).

Live checks run in the learner's own kernel, with no time limit and no isolation: it is their
session, and Jupyter's stop button ends a check that hangs. The graded run is different: the
first cell binds the comparison helpers and the result channel *before* any learner cell runs,
and the results go, signed, to a file that the `learn` process reads; nothing the notebook
prints can stand in for them.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import sys
import types
from pathlib import Path

from grader import course, progress
from grader.result import Result

# True while a notebook is being graded by `learn check --notebook`: a `check(3)` cell of the
# learner's own then does nothing, so that the checks do not run twice.
GRADING = False


def namespace_module(namespace: dict, name: str = "notebook") -> types.ModuleType:
    """The public names of a kernel's namespace, as the module the checks expect."""
    module = types.ModuleType(name)
    module.__dict__.update({key: value for key, value in namespace.items()
                            if not key.startswith("_") and key not in ("In", "Out", "exit", "quit")})
    return module


def run_checks_here(exercise: course.Exercise, module: types.ModuleType, send) -> None:
    """Run `exercise`'s checks in this process on `module`, reporting through `send`."""
    import pytest  # noqa: F401 - loaded before the checks, as in the child process

    from grader import loader
    from grader.checks import plugin

    check_module = importlib.import_module(f"grader.checks.{exercise.module}")
    reference = loader.load_reference(exercise.module)
    send("loaded", names=sorted(n for n in vars(module) if not n.startswith("_")), imports=[])
    plugin.run(check_module, module, reference, send)
    send("done")


def _interpret(exercise: course.Exercise, messages: list[dict]) -> Result:
    from grader.runner import interpret

    return interpret(exercise, messages, timed_out=False, timeout=0, exit_code=0, printed="")


class CheckReport:
    """What `check(3)` returns: a table in Jupyter, the usual text report anywhere else."""

    def __init__(self, result: Result, recorded: str | None = None):
        self.result = result
        self.recorded = recorded

    @property
    def passed(self) -> bool:
        return self.result.passed

    @property
    def score(self) -> int:
        return self.result.score

    def __repr__(self) -> str:
        from grader import report

        return report.render_result(self.result, f"check({self.result.exercise})")

    def _repr_html_(self) -> str:
        result = self.result
        colour = "#1a7f37" if result.passed else "#cf222e"
        rows = []
        for item in result.checks:
            mark = {"passed": "&#10003;", "not_started": "&middot;"}.get(item.status, "&#10007;")
            mark_colour = {"passed": "#1a7f37", "not_started": "#6e7781"}.get(item.status, "#cf222e")
            message = (f"<pre style='margin:4px 0 0 0;white-space:pre-wrap'>{html.escape(item.message)}</pre>"
                       if item.message and not item.passed else "")
            rows.append(f"<tr><td style='color:{mark_colour};font-weight:bold;vertical-align:top'>{mark}</td>"
                        f"<td style='text-align:left'>{html.escape(item.title)}{message}</td></tr>")
        if result.state == "not_started":
            verdict = "Not started yet: your functions still raise NotImplementedError."
        elif result.passed:
            verdict = f"{result.score}/{result.max_score} checks passed. Exercise {result.exercise} is done!"
        else:
            verdict = (f"{result.score}/{result.max_score} checks passed. Fix the first failure, run the "
                       f"cells again, then check again. Stuck? <code>learn hint {result.exercise}</code>")
        error = (f"<pre style='color:#cf222e;white-space:pre-wrap'>{html.escape(result.error)}</pre>"
                 if result.error else "")
        return (f"<div><b>Exercise {result.exercise} &middot; {html.escape(result.name)}</b>{error}"
                f"<table>{''.join(rows)}</table>"
                f"<p style='color:{colour};font-weight:bold'>{verdict}</p></div>")


def caller_namespace(depth: int) -> dict:
    """The namespace `check()` was called from: the kernel's, or a script's globals."""
    shell = _shell()
    if shell is not None:
        return shell.user_ns
    return sys._getframe(depth + 1).f_globals


def _shell():
    """The running IPython shell, or None outside IPython."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def check(exercise, namespace: dict | None = None, record: bool = True):
    """Check exercise `exercise` (a number or a name) on the definitions in this notebook.

    Returns a report that Jupyter shows as a table. The result is recorded in your progress
    (`learn status`) unless `record=False`.
    """
    if GRADING:
        return None
    try:
        chosen = course.find(exercise)
    except course.UnknownExercise as error:
        print(f"check: {error}")
        return None
    if not chosen.ready:
        print(f"check: exercise {chosen.label} is not part of the course yet")
        return None
    messages: list[dict] = []
    run_checks_here(chosen, namespace_module(namespace if namespace is not None else caller_namespace(1)),
                    lambda kind, **fields: messages.append({"type": kind, **fields}))
    result = _interpret(chosen, messages)
    result.file = "this notebook"
    recorded = None
    if record:
        recorded = _record(chosen, result)
    report = CheckReport(result, recorded)
    if _shell() is None and not hasattr(sys, "ps1"):
        print(repr(report))  # a plain script: nothing else would show it
    return report


def _record(exercise: course.Exercise, result: Result) -> str | None:
    from grader.workspace import find_workspace

    workspace = find_workspace()
    try:
        progress.record_result(workspace, exercise.module, result)
    except OSError:
        return None
    return str(workspace)


def learn_magic(line: str):
    """`%learn check 3`: the one learner command that makes sense inside a kernel."""
    words = line.split()
    if len(words) == 2 and words[0] == "check":
        return check(words[1], _shell().user_ns)
    print("usage: %learn check N   (other commands: run `learn ...` in a terminal, or `!learn ...`)")
    return None


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(learn_magic, magic_kind="line", magic_name="learn")


# ------------------------------------------------------- a graded run: learn check --notebook

_finish = None


def begin_graded_run(job_path: str) -> None:
    """The first cell of a graded notebook: read the job, bind everything, before any learner cell.

    The job file holds the run's secret; it is read and deleted here, so that the learner's cells,
    which run next, find neither the file nor an attribute holding the secret.
    """
    global GRADING, _finish
    GRADING = True
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    os.unlink(job_path)
    from grader.child import limit_memory

    limit_memory(job.get("memory_limit"))
    import torch  # noqa: F401 - the comparison helpers bind torch's functions now
    import pytest  # noqa: F401

    from grader import channel

    exercise = course.find(job["module"])
    importlib.import_module(f"grader.checks.{exercise.module}")
    fd = os.open(job["result_path"], os.O_WRONLY | os.O_APPEND)
    send = channel.make_sender(fd, job["secret"])
    send("hello")
    send("loading")

    def finish(namespace: dict) -> None:
        try:
            run_checks_here(exercise, namespace_module(namespace), send)
        except BaseException as error:  # noqa: BLE001 - the parent must hear why
            send("internal_error", message=f"{type(error).__name__}: {error}")
        finally:
            os.close(fd)

    _finish = finish


def finish_graded_run() -> None:
    """The last cell of a graded notebook: check what the learner's cells defined."""
    global _finish
    finish, _finish = _finish, None
    if finish is not None:
        finish(_shell().user_ns)
