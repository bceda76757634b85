"""The result of checking one exercise: one model that every renderer reads.

The terminal report, `--json`, progress and (later) the gradebook all render a `Result`; none of
them looks at the child process or at pytest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# A check's status. Only "passed" counts; every other status is a failure with a reason.
PASSED = "passed"
FAILED = "failed"
NOT_STARTED = "not_started"  # the learner's code still raises NotImplementedError
SKIPPED = "skipped"          # the learner's code skipped it: counted as failed
NOT_RUN = "not_run"          # loading failed, the process died, or time ran out first
TIMED_OUT = "timed_out"


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED


@dataclass
class Result:
    exercise: int
    name: str
    file: str
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None   # why the run as a whole went wrong, if it did
    output: str = ""           # what the learner's code printed (tail only)
    imports: list[str] = field(default_factory=list)  # earlier exercises the file imported
    diagnosis: str | None = None  # which exercise a failure comes from, when it can be told
    course_imports: list[str] = field(default_factory=list)  # reference/grader modules it loaded
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def max_score(self) -> int:
        return len(self.checks)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and self.score == self.max_score

    @property
    def state(self) -> str:
        if self.passed:
            return "passed"
        if self.checks and all(check.status == NOT_STARTED for check in self.checks):
            return "not_started"
        return "failing"

    def to_json(self) -> dict:
        return {
            "exercise": self.exercise,
            "name": self.name,
            "file": self.file,
            "passed": self.passed,
            "state": self.state,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [
                {**asdict(check), "passed": check.passed} for check in self.checks
            ],
            "error": self.error,
            "diagnosis": self.diagnosis,
            "output": self.output,
            "seconds": round(self.seconds, 3),
        }
