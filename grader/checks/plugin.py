"""Runs a check module with pytest inside the child process and reports each check as it ends.

Results are read from pytest's hooks (never from its terminal output) and sent on the signed
channel. Every way a check can end is turned into a status and a message for the learner: a
failed comparison, the learner's own exception (with the grader's frames trimmed), a stub that
still raises NotImplementedError, a skip, an exit.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from grader.checks.support import CheckFailure, Learner
from grader.course import CHECKS_DIR
from grader.loader import exercise_number, format_learner_traceback, is_learner_frame
from grader.result import FAILED, NOT_STARTED, PASSED, SKIPPED

_SEVERITY = {PASSED: 0, NOT_STARTED: 1, FAILED: 2, SKIPPED: 3}


def _innermost_learner_frame(error: BaseException) -> tuple[str, str] | None:
    """(function name, file name) of the innermost frame of the learner's code in a traceback."""
    tb, found = error.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_learner_frame(code.co_filename):
            found = (code.co_name, code.co_filename)
        tb = tb.tb_next
    return found


def _innermost_learner_function(error: BaseException) -> str | None:
    found = _innermost_learner_frame(error)
    return found[0] if found else None


def _has_learner_frame(error: BaseException) -> bool:
    return _innermost_learner_function(error) is not None


def _is_allocation_failure(error: BaseException) -> bool:
    """torch reports a refused allocation as a RuntimeError, not a MemoryError."""
    text = str(error).lower()
    return isinstance(error, RuntimeError) and "allocat" in text and "memory" in text


def _unfinished_earlier_exercise(error: BaseException, own_file: str) -> str | None:
    """A message when a NotImplementedError comes from an earlier exercise's stub that the
    checked file imports (exercise 5 finished, exercise 4 still a stub), else None."""
    function, filename = _innermost_learner_frame(error)
    number = exercise_number(filename)
    if not own_file or number is None or Path(filename).resolve() == Path(own_file).resolve():
        return None
    return (f"Your exercise {number} ({Path(filename).name}) is not finished: `{function}` still raises "
            f"NotImplementedError, and this exercise uses it. Finish exercise {number} first "
            f"(`learn check {number}`).")


def explain(error: BaseException, own_file: str = "") -> tuple[str, str]:
    """(status, message) for an exception that ended a check. `own_file` is the checked file,
    to tell its own unfinished TODOs from those of an earlier exercise it imports."""
    if isinstance(error, CheckFailure):
        return FAILED, str(error)
    if isinstance(error, (pytest.skip.Exception, getattr(pytest, "xfail").Exception)):
        return SKIPPED, ("This check was skipped, by your code (pytest.skip or xfail?). A skipped "
                         "check counts as failed: remove the skip.")
    if isinstance(error, NotImplementedError) and _has_learner_frame(error):
        earlier = _unfinished_earlier_exercise(error, own_file)
        if earlier:
            return FAILED, earlier
        where = _innermost_learner_function(error)
        return NOT_STARTED, f"Not started: `{where}` still raises NotImplementedError (the TODO in the stub)."
    if isinstance(error, SystemExit):
        return FAILED, "Your code called sys.exit() (or exit()) during this check; remove it."
    if isinstance(error, RecursionError):
        return FAILED, ("Your code recursed without end (RecursionError):\n"
                        + format_learner_traceback(error, limit=3))
    if isinstance(error, MemoryError) or _is_allocation_failure(error):
        return FAILED, ("Your code ran out of memory during this check: it asked for more memory than "
                        "the checks allow (a tensor far too large?).")
    if _has_learner_frame(error):
        return FAILED, "Your code raised an error:\n" + format_learner_traceback(error)
    if isinstance(error, AssertionError) and str(error):
        return FAILED, str(error)
    return FAILED, ("The check could not use what your code returned: "
                    f"{type(error).__name__}: {error}")


class ChecksPlugin:
    """Fixtures for the checks, and the hooks that turn pytest's reports into messages."""

    def __init__(self, learner_module: types.ModuleType, reference_module, send):
        self._learner = Learner(learner_module)
        self._reference = reference_module
        self._send = send
        self._outcome: dict[str, tuple[str, str]] = {}

    @pytest.fixture
    def learner(self):
        return self._learner

    @pytest.fixture
    def reference(self):
        return self._reference

    @staticmethod
    def _check_id(nodeid: str) -> str:
        name = nodeid.split("::")[-1]
        return name[5:] if name.startswith("test_") else name

    def pytest_collection_modifyitems(self, items):
        # The report says why a check failed in our own words (see `explain`); pytest's long
        # failure report is never shown, and building it for a RecursionError's thousand
        # frames takes seconds per check.
        for item in items:
            item.repr_failure = lambda excinfo, style=None: "failed"
            item._repr_failure_py = lambda excinfo, style=None: "failed"

    def pytest_runtest_logstart(self, nodeid, location):
        self._outcome[nodeid] = (PASSED, "")
        self._send("start", id=self._check_id(nodeid))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is None or report.passed:
            return
        status, message = explain(call.excinfo.value, getattr(self._learner._module, "__file__", "") or "")
        if call.when != "call" and status == FAILED and not isinstance(call.excinfo.value, CheckFailure):
            message = f"(while preparing this check) {message}"
        current = self._outcome.get(item.nodeid, (PASSED, ""))
        if _SEVERITY[status] > _SEVERITY[current[0]]:
            self._outcome[item.nodeid] = (status, message)

    def pytest_runtest_logfinish(self, nodeid, location):
        status, message = self._outcome.get(nodeid, (FAILED, "no result was recorded"))
        self._send("check", id=self._check_id(nodeid), status=status, message=message)

    def pytest_collectreport(self, report):
        if report.failed:
            self._send("internal_error", message=f"the checks could not be collected: {report.longrepr}")

    def pytest_keyboard_interrupt(self, excinfo):
        self._send("interrupted", message="Your code raised KeyboardInterrupt (or called pytest.exit), "
                                          "which stopped the checks; the remaining checks did not run.")


def run(check_module: types.ModuleType, learner_module: types.ModuleType, reference_module, send) -> int:
    # pytest's own plugins that the checks do not need are left out: unraisableexception and
    # threadexception alone cost ~0.15 s (a gc.collect() per check with torch loaded), and
    # learn check's latency is part of the product.
    unused = ["cacheprovider", "terminal", "doctest", "junitxml", "pastebin", "legacypath",
              "unraisableexception", "threadexception", "faulthandler", "logging", "warnings",
              "stepwise", "setuponly", "setupplan", "debugging"]
    arguments = [check_module.__file__, "-s", "--noconftest", "-c", str(CHECKS_DIR / "pytest.ini"),
                 "--rootdir", str(CHECKS_DIR)]
    for name in unused:
        arguments += ["-p", f"no:{name}"]
    return pytest.main(arguments, plugins=[ChecksPlugin(learner_module, reference_module, send)])
