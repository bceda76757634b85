"""Run one exercise's hidden checks in a child process and turn what comes back into a `Result`.

The parent never imports learner code (nor torch). It starts `python -m grader.child`, hands it
the job and a fresh secret on stdin, and listens on a private pipe for signed messages. Whatever
the learner's code does (loops, exits, crashes, prints, skips), the parent ends up with one
`Result` in which every expected check has a status and a reason.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from grader import channel
from grader.course import COURSE_ROOT, Exercise
from grader.result import (FAILED, NOT_RUN, TIMED_OUT, CheckResult, Result)

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_LIMIT = 6 * 2**30  # bytes of address space for the child (torch alone maps ~0.7 GB)
OUTPUT_LIMIT = 4000  # characters of the learner's printed output kept in a Result


def _drain(stream, sink: list[bytes], limit: int) -> None:
    """Read a pipe to its end, keeping only its last `limit` bytes (so a print loop cannot
    fill the parent's memory, nor block the child on a full pipe)."""
    kept = 0
    for chunk in iter(lambda: stream.read1(65536), b""):
        sink.append(chunk)
        kept += len(chunk)
        while kept - len(sink[0]) > limit and len(sink) > 1:
            kept -= len(sink.pop(0))


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def child_environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COURSE_ROOT), env.get("PYTHONPATH")]))
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the learner's installed plugins stay out
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def run_checks(exercise: Exercise, source: dict, *, timeout: float = DEFAULT_TIMEOUT,
               cwd: Path | None = None, display_file: str = "",
               memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> Result:
    """Check the learner code described by `source` (see `grader.loader.load_source`)."""
    started = time.monotonic()
    secret = secrets.token_hex(32)
    read_fd, write_fd = os.pipe()
    job = {"secret": secret, "result_fd": write_fd, "module": exercise.module, "source": source,
           "memory_limit": memory_limit}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.child"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        pass_fds=(write_fd,), cwd=str(cwd or COURSE_ROOT), env=child_environment(),
        start_new_session=True,  # so that a time-out can end every process the learner started
    )
    os.close(write_fd)
    output: list[bytes] = []
    drainer = threading.Thread(target=_drain, args=(process.stdout, output, OUTPUT_LIMIT * 4),
                               daemon=True)
    drainer.start()
    try:
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass

    messages, timed_out = _listen(read_fd, secret, deadline=started + timeout)
    if timed_out:
        _kill(process)
    else:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill(process)
    drainer.join(timeout=2)
    printed = b"".join(output).decode("utf-8", "replace")[-OUTPUT_LIMIT:]
    result = interpret(exercise, messages, timed_out=timed_out, timeout=timeout,
                       exit_code=process.returncode, printed=printed)
    result.file = display_file
    result.seconds = time.monotonic() - started
    return result


def _listen(read_fd: int, secret: str, deadline: float) -> tuple[list[dict], bool]:
    """Every authentic message from the child until it closes the pipe; (messages, timed_out)."""
    messages: list[dict] = []
    buffer = b""
    selector = selectors.DefaultSelector()
    selector.register(read_fd, selectors.EVENT_READ)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return messages, True
            if not selector.select(timeout=min(remaining, 0.5)):
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                return messages, False
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                message = channel.decode(secret, line)
                if message is not None:
                    messages.append(message)
    finally:
        selector.close()
        os.close(read_fd)


def _describe_exit(exit_code: int | None) -> str:
    if exit_code is None:
        return "the checking process did not end"
    if exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the checking process was killed by {name}{hint}"
    return f"the checking process ended early with exit status {exit_code}"


def not_checked(exercise: Exercise, error: str, file: str = "") -> Result:
    """A Result for code that never reached its checks: every check not run, because of `error`."""
    reason = error.splitlines()[0] if error else "it never reported back."
    return Result(exercise=exercise.number, name=exercise.slug, file=file, error=error,
                  checks=[CheckResult(id=check_id, title=title, status=NOT_RUN, message=f"Not run: {reason}")
                          for check_id, title in exercise.checks])


def interpret(exercise: Exercise, messages: list[dict], *, timed_out: bool, timeout: float,
              exit_code: int | None, printed: str) -> Result:
    """Build a Result holding every expected check, whatever did or did not arrive."""
    result = Result(exercise=exercise.number, name=exercise.slug, file="", output=printed)
    reported: dict[str, dict] = {}
    phase, running, finished = "starting", None, False
    for message in messages:
        kind = message.get("type")
        if kind == "loading":
            phase = "loading"
        elif kind == "load_error":
            phase = "load_error"
            result.error = str(message.get("message", "your code could not be loaded"))
        elif kind == "loaded":
            phase = "checking"
            result.imports = [str(name) for name in message.get("imports", [])]
            result.course_imports = [str(name) for name in message.get("course_imports", [])]
        elif kind == "start":
            running = message.get("id")
        elif kind == "check":
            reported[str(message.get("id"))] = message
            running = None
        elif kind == "interrupted":
            result.error = str(message.get("message"))
        elif kind == "internal_error":
            result.error = "the grader itself failed (please report this): " + str(message.get("message"))
        elif kind == "done":
            finished = True

    if result.error is None and not finished:
        where = {
            "starting": "before your code was loaded",
            "loading": "while your file was being loaded (imported)",
            "load_error": "while your file was being loaded",
            "checking": f"while check '{running}' was running" if running else "between checks",
        }[phase]
        if timed_out:
            result.error = (f"Time limit reached: your code ran for more than {timeout:g} s {where}. "
                            "Look for a loop that never ends (or very slow code).")
        elif phase in ("loading", "checking") and exit_code == 0:
            result.error = (f"Your code ended the checking process {where} (sys.exit(), exit() or "
                            "os._exit()?). Remove the call, or put it under `if __name__ == \"__main__\":`.")
        else:
            result.error = f"{_describe_exit(exit_code).capitalize()} {where}."
            if phase == "starting" and printed.strip():
                result.error += " Its last words:\n" + printed.strip()[-1500:]

    for check_id, title in exercise.checks:
        message = reported.get(check_id)
        if message is not None:
            status = str(message.get("status", FAILED))
            text = str(message.get("message", ""))
        elif timed_out and check_id == running:
            status, text = TIMED_OUT, f"This check did not finish within the time limit of {timeout:g} s."
        else:
            status = NOT_RUN
            text = "Not run: " + (result.error.splitlines()[0] if result.error else "it never reported back.")
        result.checks.append(CheckResult(id=check_id, title=title, status=status, message=text))
    return result
