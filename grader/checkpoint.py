"""A trained model on disk: its weights, configuration and vocabulary, and its loss curve.

The checkpoint holds plain data only (a state dict, numbers, strings), never pickled classes:
the model is rebuilt with the same code (the learner's, or the reference) when it is loaded, and
loading uses `weights_only=True`, so a checkpoint cannot run code.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import torch

from grader.workspace import state_dir


class CheckpointError(Exception):
    """No usable checkpoint; the message says what to do."""


def checkpoint_dir(workspace: Path) -> Path:
    return state_dir(workspace) / "model"


def checkpoint_path(workspace: Path) -> Path:
    return checkpoint_dir(workspace) / "checkpoint.pt"


def save(workspace: Path, run, corpus: Path) -> Path:
    path = checkpoint_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": 1,
        "source": run.model_source,
        "config": run.recipe.model_config(len(run.vocab)),
        "state_dict": {k: v.detach().cpu() for k, v in run.model.state_dict().items()},
        "counts": run.counts,
        "corpus": str(corpus),
        "summary": run.summary(),
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(document, temporary)
    os.replace(temporary, path)
    return path


def load(workspace: Path) -> dict:
    path = checkpoint_path(workspace)
    if not path.is_file():
        raise CheckpointError("there is no trained model yet: run `learn train` first "
                              "(or `learn train --reference`)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same advice
        raise CheckpointError(f"{path} cannot be read ({type(error).__name__}); run `learn train` again") from None


def rebuild(document: dict, kit):
    """(model, vocab) from a checkpoint, built with the kit's own classes."""
    vocab = kit.Vocab(Counter(document["counts"]))
    model = kit.CharTransformer(**document["config"])
    try:
        model.load_state_dict(document["state_dict"])
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise CheckpointError(f"the saved model does not fit the current code ({first}); "
                              "train it again with `learn train`") from None
    model.eval()
    return model, vocab


def plot_curve(path: Path, curve: dict, title: str) -> Path:
    """A PNG of the training and validation loss against steps."""
    from grader.charts import line_chart

    return line_chart(path, [(curve["step"], curve["train_loss"], {"label": "training loss (smoothed)"}),
                             (curve["step"], curve["val_loss"], {"label": "validation loss (sample of windows)"})],
                      xlabel="step", ylabel="cross-entropy (nats per character)", title=title)
