"""`learn compare` and `learn attention` end to end on the reference, with small budgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import copy_solution
from grader import course
from grader.cli import main
from test_training import png_size


def test_compare_trains_both_and_reports_honestly(workspace):
    outcome = CliRunner().invoke(main, ["compare", "--reference", "--seconds", "10", "--json"])
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    rows = {row["model"]: row for row in document["models"]}
    assert set(rows) == {"transformer", "rnn"}
    for row in rows.values():
        assert row["parameters"] > 10_000 and row["steps"] > 0
        assert row["bits_per_char"] == pytest.approx(row["val_loss"] / 0.693147, rel=1e-3)
        assert 9.9 <= row["seconds"] <= 25  # the budget, plus at most the last step under load
    winner = min(rows.values(), key=lambda row: row["bits_per_char"])["model"]
    assert ("Transformer" if winner == "transformer" else "RNN") in document["verdict"] \
        or "tie" in document["verdict"]
    assert png_size(Path(document["curves"])) == (800, 450)
    assert set(document["samples"]) == {"transformer", "rnn"}


def test_compare_prints_a_table_and_samples(workspace):
    outcome = CliRunner().invoke(main, ["compare", "--reference", "--steps", "3"])
    assert outcome.exit_code == 0, outcome.output
    for words in ("parameters", "bits/char", "tokens/s", "transformer", "rnn", "RNN writes:", "validation curves:"):
        assert words in outcome.output


def test_compare_names_an_unfinished_exercise_8(workspace):
    for exercise in course.EXERCISES:
        if exercise.ready and exercise.number != 8:
            copy_solution(exercise, workspace)
    outcome = CliRunner().invoke(main, ["compare", "--steps", "2"])
    assert outcome.exit_code == 1
    assert "exercise 8" in outcome.output and "Traceback" not in outcome.output


def test_attention_needs_a_trained_model(workspace):
    outcome = CliRunner().invoke(main, ["attention", "the cat"])
    assert outcome.exit_code == 1 and "learn train" in outcome.output


def test_attention_draws_every_layer_and_head(workspace):
    runner = CliRunner()
    assert runner.invoke(main, ["train", "--reference", "--steps", "3"]).exit_code == 0
    text = "the cat sat"
    outcome = runner.invoke(main, ["attention", text])
    assert outcome.exit_code == 0, outcome.output
    from grader.trainer import Recipe

    recipe = Recipe()
    layer_lines = [line for line in outcome.output.splitlines() if line.strip().startswith("layer ")]
    assert len(layer_lines) == recipe.num_layers
    assert "'t'" in outcome.output  # the last character
    width, height = png_size(workspace / ".learn" / "model" / "attention.png")
    size = max(2.6, min(6.0, 0.16 * len(text) + 1.2))
    assert abs(width - size * recipe.num_heads * 100) <= 2
    assert abs(height - size * recipe.num_layers * 100) <= 2
