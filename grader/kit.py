"""The learner's assembled language model: their exercises 1-7 (or the course's reference), as
one set of functions that `learn train` and `learn generate` drive.

Unlike `learn check`, this runs the learner's code in the `learn` process itself: training is
the learner's own long-running job on their own code, not a verdict on it. Before training, each
piece is tried once on a tiny input, so that an unfinished exercise is named up front ("finish
exercise 6 first") instead of failing minutes into a run.
"""

from __future__ import annotations

import traceback
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader import course, loader

KIT_MODULES = {1: "ex1_tokenize", 2: "ex2_sequences", 5: "ex5_model", 6: "ex6_train", 7: "ex7_sampling"}
# Exercises 3 and 4 come in through exercise 5's own imports.


class KitError(Exception):
    """The model kit cannot be assembled; the message names the exercise to finish first."""


@dataclass
class Kit:
    source: str  # "yours" or "reference"
    tokenize_text: object
    Vocab: type
    split_ids: object
    CharTransformer: type
    get_batch: object
    train_step: object
    evaluate: object
    generate: object


def _load(number: int, module: str, workspace: Path, reference: bool) -> types.ModuleType:
    if reference:
        return loader.load_reference(module)
    path = course.find(number).stub_path(workspace)
    if not path.is_file():
        raise KitError(f"{path} is missing; `learn reset {number}` writes the stub")
    try:
        return loader.load_file(path)
    except loader.LoadError as error:
        raise KitError(f"exercise {number} cannot be loaded: {error}") from None


def _exercise_of(error: BaseException) -> int | None:
    """The exercise whose file raised `error` (the innermost frame in an exercise file)."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        found = loader.exercise_number(frame.filename) or found
    return found


def load_kit(workspace: Path, reference: bool = False) -> Kit:
    modules = {n: _load(n, m, workspace, reference) for n, m in KIT_MODULES.items()}
    names = {
        "tokenize_text": 1, "Vocab": 1, "split_ids": 2, "CharTransformer": 5,
        "get_batch": 6, "train_step": 6, "evaluate": 6, "generate": 7,
    }
    found = {}
    for name, number in names.items():
        if not hasattr(modules[number], name):
            raise KitError(f"exercise {number} does not define `{name}`")
        found[name] = getattr(modules[number], name)
    kit = Kit(source="reference" if reference else "yours", **found)
    if not reference:
        _try_once(kit)
    return kit


def _try_once(kit: Kit) -> None:
    """Run every piece once on a tiny input; name the first exercise that is not finished."""
    import torch

    def attempt():
        text = "the hens sang at dawn. " * 8
        vocab = kit.Vocab(Counter(kit.tokenize_text(text)))
        ids = torch.tensor(vocab.encode(text), dtype=torch.long)
        train_ids, val_ids = kit.split_ids(ids, 0.25)
        model = kit.CharTransformer(len(vocab), d_model=16, num_heads=2, num_layers=1,
                                    hidden_dim=32, max_len=16, dropout=0.0)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        x, y = kit.get_batch(torch.as_tensor(train_ids), 2, 8)
        kit.train_step(model, x, y, optimizer)
        kit.evaluate(model, torch.as_tensor(val_ids), 8, batch_size=4)
        kit.generate(model, vocab, "the", 4)

    try:
        attempt()
    except NotImplementedError as error:
        number = _exercise_of(error)
        where = f"exercise {number} ({course.find(number).slug})" if number else "an exercise"
        raise KitError(f"{where} is not finished yet (it still raises NotImplementedError): "
                       f"finish it first (`learn check {number or ''}`), or train the course's "
                       "reference model with `learn train --reference`") from None
    except Exception as error:  # noqa: BLE001 - any failure here is the learner's to fix
        number = _exercise_of(error)
        where = f"exercise {number} ({course.find(number).slug})" if number else "your code"
        raise KitError(f"{where} fails on a tiny example ({type(error).__name__}: {error}); "
                       f"run `learn check {number or ''}` to find out why") from None


@dataclass
class RnnKit:
    source: str
    CharRNN: type
    compare: object


def load_rnn_kit(workspace: Path, reference: bool = False) -> RnnKit:
    """The learner's exercise 8 (or the reference), tried once on a tiny input like the rest."""
    module = _load(8, "ex8_rnn", workspace, reference)
    for name in ("CharRNN", "compare"):
        if not hasattr(module, name):
            raise KitError(f"exercise 8 does not define `{name}`")
    kit = RnnKit(source="reference" if reference else "yours", CharRNN=module.CharRNN,
                 compare=module.compare)
    if not reference:
        import torch

        try:
            model = kit.CharRNN(12, embed_dim=8, hidden_dim=16)
            kit.compare({"rnn": model}, torch.randint(2, 12, (40,)), 8)
        except NotImplementedError:
            raise KitError("exercise 8 (rnn) is not finished yet (it still raises NotImplementedError): "
                           "finish it first (`learn check 8`), or compare the course's reference "
                           "models with `learn compare --reference`") from None
        except Exception as error:  # noqa: BLE001 - the learner's to fix
            raise KitError(f"exercise 8 (rnn) fails on a tiny example ({type(error).__name__}: {error}); "
                           "run `learn check 8` to find out why") from None
    return kit
