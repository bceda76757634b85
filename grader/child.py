"""The child process: load the learner's code, run one exercise's hidden checks, report back.

Order matters here. The job (and its secret) is read from stdin, and stdin is then closed so that
an `input()` in learner code fails at once instead of waiting forever. torch, pytest and the check
module (which binds the comparison helpers) are imported before any learner code runs, so that
learner code cannot swap them out from under the checks. Only then is the learner's file loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import sys


def main() -> None:
    # torch and pytest load while the parent is still writing the job: they are the slow part.
    import pytest  # noqa: F401 - imported before learner code on purpose
    import torch  # noqa: F401

    job = json.loads(sys.stdin.read())
    limit_memory(job.pop("memory_limit", None))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.dont_write_bytecode = True

    from grader.channel import make_sender
    send = make_sender(int(job.pop("result_fd")), job.pop("secret"))
    try:
        run_job(job, send)
    except BaseException as error:  # noqa: BLE001 - the parent must always hear why
        send("internal_error", message=f"{type(error).__name__}: {error}")
        raise
    # Leave at once: no atexit handlers of the learner's, and no slow interpreter teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def limit_memory(limit: int | None) -> None:
    """Cap this process's address space, so that a runaway allocation fails here, as an error
    in the learner's code, instead of taking the machine's memory from everyone else."""
    if not limit:
        return
    try:
        import resource
    except ImportError:  # Windows: no address-space limit; the time limit still holds
        return

    try:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    except (ValueError, OSError):
        pass  # a platform without the limit: the time limit still holds


def course_modules_loaded_by_learner(before: set, own_folder: str = "") -> list[str]:
    """Modules of the reference solutions or of the grader that appeared while the learner's
    code loaded (the reference solutions that `use_reference` swaps in are named reference_*)."""
    from grader.course import GRADER_DIR, SOLUTIONS_DIR

    found = []
    for name in set(sys.modules) - before:
        if name.startswith("reference_"):
            continue
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if own_folder and os.path.dirname(path) == own_folder:
            continue  # the learner's own file and its earlier exercises beside it
        if path.startswith((str(SOLUTIONS_DIR), str(GRADER_DIR))):
            found.append(name)
    return sorted(found)


def _folder_of(source: dict) -> str:
    path = source.get("path")
    return os.path.dirname(os.path.realpath(path)) if path else ""


def run_job(job: dict, send) -> None:
    send("hello")
    import torch

    torch.set_num_threads(1)
    from grader import loader
    from grader.checks import plugin

    checks = importlib.import_module(f"grader.checks.{job['module']}")
    reference = loader.load_reference(job["module"])
    send("loading")
    before = set(sys.modules)
    try:
        learner_module = loader.load_source(job["source"])
    except loader.LoadError as error:
        send("load_error", message=str(error))
        send("done")
        return
    send("loaded", names=sorted(n for n in vars(learner_module) if not n.startswith("_")),
         imports=getattr(learner_module, "__learn_imports__", []),
         course_imports=course_modules_loaded_by_learner(before, _folder_of(job["source"])))
    plugin.run(checks, learner_module, reference, send)
    send("done")


if __name__ == "__main__":
    main()
