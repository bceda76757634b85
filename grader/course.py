"""The course registry: every exercise, in order, and where its pieces live.

Nothing else in the package knows the order of the exercises or their file names: the CLI, the
runner and the tests all ask this module. An exercise is `ready` once its reference solution and
its hidden checks exist, so the registry can name all eight while the course is being written.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
COURSE_ROOT = GRADER_DIR.parent
LESSONS_DIR = COURSE_ROOT / "exercises"
SOLUTIONS_DIR = COURSE_ROOT / "solutions"
CHECKS_DIR = GRADER_DIR / "checks"
HINTS_DIR = GRADER_DIR / "hints"


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    title: str
    names: tuple[str, ...]  # what the learner's file must define (../shared/CONTRACT.md)
    builds_on: tuple[int, ...] = ()  # earlier exercises whose learner code this one imports

    @property
    def module(self) -> str:
        """The file stem shared by the stub, the lesson, the solution and the checks."""
        return f"ex{self.number}_{self.slug}"

    @property
    def label(self) -> str:
        return f"{self.number} · {self.slug}"

    @property
    def lesson_path(self) -> Path:
        return LESSONS_DIR / f"{self.module}.md"

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS_DIR / f"{self.module}.py"

    @property
    def checks_path(self) -> Path:
        return CHECKS_DIR / f"{self.module}.py"

    @property
    def hints_path(self) -> Path:
        return HINTS_DIR / f"{self.module}.md"

    @property
    def ready(self) -> bool:
        return self.solution_path.exists() and self.checks_path.exists()

    def stub_path(self, workspace: Path) -> Path:
        return workspace / "exercises" / f"{self.module}.py"

    @cached_property
    def checks(self) -> tuple[tuple[str, str], ...]:
        """(id, title) of every hidden check, read from the check module's source.

        Parsed, not imported: the parent process must know the exact list of checks without
        importing torch, and without trusting anything the child process says about it.
        """
        tree = ast.parse(self.checks_path.read_text(encoding="utf-8"))
        found = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = ast.get_docstring(node) or node.name[5:].replace("_", " ")
                found.append((node.name[5:], doc.strip().splitlines()[0].rstrip(".")))
        return tuple(found)

    @cached_property
    def hints(self) -> tuple[str, ...]:
        """The progressive hints: sections of the hints file, each starting with '## '."""
        if not self.hints_path.exists():
            return ()
        text = self.hints_path.read_text(encoding="utf-8")
        parts = re.split(r"^## .*$", text, flags=re.MULTILINE)[1:]
        return tuple(part.strip() for part in parts if part.strip())

    @cached_property
    def summary(self) -> str:
        """The lesson's first paragraph after its title: what `learn next` shows."""
        if not self.lesson_path.exists():
            return ""
        for block in self.lesson_path.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if block and not block.startswith("#"):
                return " ".join(line.strip() for line in block.splitlines())
        return ""


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "tokenize", "Characters and a vocabulary", ("tokenize_text", "Vocab")),
    Exercise(2, "sequences", "Inputs and targets", ("create_sequences", "CharDataset", "split_ids")),
    Exercise(3, "attention", "Scaled dot-product and multi-head attention",
             ("scaled_dot_product_attention", "causal_mask", "MultiHeadAttention")),
    Exercise(4, "encoder", "The Transformer encoder layer", ("TransformerEncoderLayer",), (3,)),
    Exercise(5, "model", "Positions and the causal language model",
             ("PositionalEncoding", "CharTransformer"), (3, 4)),
    Exercise(6, "train", "The training loop", ("get_batch", "train_step", "evaluate", "train")),
    Exercise(7, "sampling", "Sampling text", ("generate",)),
    Exercise(8, "rnn", "An RNN baseline", ("CharRNN", "compare")),
)


class UnknownExercise(LookupError):
    """Raised for a name or number that is not in the course; the CLI turns it into a usage error."""


def find(name: str | int) -> Exercise:
    """An exercise by number (`3`), slug (`attention`) or module name (`ex3_attention`)."""
    key = str(name).strip().lower()
    for exercise in EXERCISES:
        if key in (str(exercise.number), exercise.slug, exercise.module, f"ex{exercise.number}"):
            return exercise
    choices = ", ".join(f"{e.number} ({e.slug})" for e in EXERCISES)
    raise UnknownExercise(f"there is no exercise {name!r}; choose one of {choices}")
