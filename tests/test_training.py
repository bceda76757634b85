"""`learn train` and `learn generate` end to end, from a workspace where the learner has finished
every exercise (the reference solutions copied into the stubs), with a tiny budget."""

from __future__ import annotations

import json
import struct

import pytest
from click.testing import CliRunner

from conftest import copy_solution
from grader import course
from grader.cli import main

TINY = ["--steps", "4"]


def png_size(path) -> tuple[int, int]:
    """(width, height) read from a PNG's header; fails if the file is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def finished(workspace):
    """A workspace in which every exercise is done."""
    for exercise in course.EXERCISES:
        if exercise.ready:
            copy_solution(exercise, workspace)
    return workspace


def test_train_then_generate_with_the_learners_own_code(finished):
    runner = CliRunner()
    outcome = runner.invoke(main, ["train", *TINY, "--json"])
    assert outcome.exit_code == 0, outcome.output
    summary = json.loads(outcome.stdout)
    for key in ("val_loss", "bits_per_char", "steps", "tokens_per_second", "seconds", "parameters", "device"):
        assert key in summary, key
    assert summary["steps"] == 4 and summary["device"] == "cpu" and summary["model"] == "yours"
    assert 0 < summary["val_loss"] < 6 and summary["bits_per_char"] == pytest.approx(summary["val_loss"] / 0.693147, rel=1e-3)
    assert (finished / ".learn" / "model" / "checkpoint.pt").is_file()
    width, height = png_size(finished / ".learn" / "model" / "loss_curve.png")
    assert (width, height) == (800, 450)

    first = runner.invoke(main, ["generate", "--prompt", "the ", "--length", "40", "--seed", "3"])
    again = runner.invoke(main, ["generate", "--prompt", "the ", "--length", "40", "--seed", "3"])
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    text = first.output.rstrip("\n")
    assert text.startswith("the ") and len(text) == len("the ") + 40


def test_train_prints_progress_and_where_it_saved(finished):
    outcome = CliRunner().invoke(main, ["train", *TINY])
    assert outcome.exit_code == 0, outcome.output
    assert "validation loss" in outcome.output and "loss_curve.png" in outcome.output
    assert "learn generate" in outcome.output


def test_train_on_a_corpus_of_ones_own(finished, tmp_path):
    text = "".join(f"the pigs met at noon on day {n}, and the hens sang of grain.\n" for n in range(80))
    corpus = tmp_path / "animal_farm.txt"
    corpus.write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(main, ["train", "--corpus", str(corpus), *TINY, "--json"])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["corpus"] == str(corpus.resolve())


def test_unfinished_exercise_is_named_before_training(workspace):
    for exercise in course.EXERCISES:
        if exercise.ready and exercise.number != 6:
            copy_solution(exercise, workspace)
    outcome = CliRunner().invoke(main, ["train", *TINY])
    assert outcome.exit_code == 1
    assert "exercise 6" in outcome.output and "not finished" in outcome.output
    assert "Traceback" not in outcome.output


def test_generate_without_a_model_says_what_to_do(workspace):
    outcome = CliRunner().invoke(main, ["generate"])
    assert outcome.exit_code == 1
    assert "learn train" in outcome.output and "Traceback" not in outcome.output


def test_reference_model_trains_in_an_empty_workspace(workspace):
    outcome = CliRunner().invoke(main, ["train", "--reference", *TINY, "--json"])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["model"] == "reference"


@pytest.mark.parametrize("arguments, words", [
    (["--corpus", "/no/such/file.txt"], "no file"),
    (["--steps", "2", "--seconds", "5"], "not both"),
    pytest.param(["--device", "cuda"], "cuda", marks=pytest.mark.skipif(
        __import__("torch").cuda.is_available(), reason="this machine has a GPU")),
])
def test_bad_options_are_one_line_errors(workspace, arguments, words):
    outcome = CliRunner().invoke(main, ["train", "--reference", *arguments])
    assert outcome.exit_code == 2
    assert words in outcome.output.lower() and "Traceback" not in outcome.output


def test_a_corpus_too_short_is_refused(workspace, tmp_path):
    corpus = tmp_path / "short.txt"
    corpus.write_text("too short", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["train", "--reference", "--corpus", str(corpus)])
    assert outcome.exit_code == 2 and "at least" in outcome.output
