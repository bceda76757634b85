"""`learn compare`: the Transformer and the RNN trained on the same text, each for the same
wall-clock budget with the same loop, then measured on the same validation text.

The measuring is the learner's own `compare` (exercise 8); the training is `grader.trainer`'s,
so the two models differ only in what they are. Whichever wins, the table says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from grader import trainer


@dataclass
class RnnRecipe:
    """The RNN's size and learning rate for a budget of about a minute on a laptop CPU."""

    embed_dim: int = 64
    hidden_dim: int = 384
    num_layers: int = 1
    lr: float = 4e-3


def run_both(kit, rnn_kit, text: str, *, seconds: float | None, steps: int | None, device: str,
             seed: int = 0, report=None) -> dict:
    """Train both models; {"transformer": TrainingRun, "rnn": TrainingRun, "measured": {...}}."""
    report = report or (lambda event: None)
    recipe = trainer.Recipe()
    runs = {}
    report({"kind": "model", "name": "transformer"})
    runs["transformer"] = trainer.train(kit, text, seconds=seconds, steps=steps, device=device,
                                        recipe=recipe, seed=seed, report=report, sample_every=math.inf)
    rnn_recipe = RnnRecipe()
    report({"kind": "model", "name": "rnn"})

    def build_rnn(vocab_size: int):
        model = rnn_kit.CharRNN(vocab_size, embed_dim=rnn_recipe.embed_dim, hidden_dim=rnn_recipe.hidden_dim,
                                num_layers=rnn_recipe.num_layers)
        if not hasattr(model, "max_len"):
            model.max_len = 10_000  # exercise 7's sampler crops the context to max_len
        return model

    rnn_training = trainer.Recipe(lr=rnn_recipe.lr)
    runs["rnn"] = trainer.train(kit, text, seconds=seconds, steps=steps, device=device, recipe=rnn_training,
                                seed=seed, report=report, sample_every=math.inf, build_model=build_rnn)
    vocab, _counts, ids = trainer.prepare(kit, text)
    _train_ids, val_ids = (torch.as_tensor(part, dtype=torch.long) for part in kit.split_ids(ids, 0.1))
    models = {name: run.model for name, run in runs.items()}
    measured = rnn_kit.compare(models, val_ids.to(device), recipe.seq_length)
    return {"runs": runs, "measured": measured, "vocab": runs["transformer"].vocab}


def table_rows(outcome: dict) -> list[dict]:
    rows = []
    for name, run in outcome["runs"].items():
        figures = outcome["measured"][name]
        rows.append({"model": name, "parameters": int(figures["parameters"]),
                     "val_loss": round(float(figures["val_loss"]), 4),
                     "bits_per_char": round(float(figures["bits_per_char"]), 4),
                     "tokens_per_second": round(run.tokens_per_second, 1), "steps": run.steps,
                     "seconds": round(run.seconds, 2)})
    return rows


def verdict(rows: list[dict]) -> str:
    """One honest sentence: who won, by how much."""
    best, other = sorted(rows, key=lambda row: row["bits_per_char"])
    gap = other["bits_per_char"] - best["bits_per_char"]
    if gap < 0.01:
        return f"A tie: both reach {best['bits_per_char']:.3f} bits per character."
    return (f"The {'Transformer' if best['model'] == 'transformer' else 'RNN'} wins on this text and budget: "
            f"{best['bits_per_char']:.3f} against {other['bits_per_char']:.3f} bits per character "
            f"({gap:.3f} fewer), at {best['tokens_per_second']:,.0f} against "
            f"{other['tokens_per_second']:,.0f} tokens/s.")


def render_table(rows: list[dict]) -> str:
    header = f"{'model':<12} {'parameters':>10} {'val loss':>9} {'bits/char':>9} {'tokens/s':>10} {'steps':>6} {'time':>7}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['model']:<12} {row['parameters']:>10,} {row['val_loss']:>9.3f} "
                     f"{row['bits_per_char']:>9.3f} {row['tokens_per_second']:>10,.0f} {row['steps']:>6} "
                     f"{row['seconds']:>6.1f}s")
    return "\n".join(lines)


def plot_curves(path: Path, outcome: dict, title: str) -> Path:
    """One PNG: both models' validation loss against wall-clock seconds."""
    from grader.charts import line_chart

    lines = [(run.curve["seconds"], run.curve["val_loss"],
              {"label": "Transformer" if name == "transformer" else "RNN (LSTM)", "marker": ".", "markersize": 3})
             for name, run in outcome["runs"].items()]
    return line_chart(path, lines, xlabel="wall-clock time (seconds)",
                      ylabel="validation loss (nats per character)", title=title)
