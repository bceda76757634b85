"""`learn train`: train a character Transformer on a text within a time (or step) budget.

The loop is built from the learner's own pieces (their `get_batch`, `train_step`, `evaluate`,
`generate`, `Vocab`, `split_ids` and `CharTransformer`, gathered in a `Kit`); this module only
adds what makes a short CPU run worth it: a model sized for the budget, a learning rate that
warms up and then decays over the *time* budget (so a 20-second run and a 60-second run both
end at a low learning rate), and the bookkeeping for the progress display, the checkpoint and
the loss curve.

Nothing here prints: progress goes to the `report` callback, and the CLI draws it.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import torch

from grader.kit import Kit


@dataclass
class Recipe:
    """The model and optimiser settings of a training run; the defaults suit a 2-core laptop
    and a budget of about a minute (see benchmarks/train_benchmark.py)."""

    d_model: int = 128
    num_heads: int = 4
    num_layers: int = 3
    hidden_dim: int = 512
    dropout: float = 0.0
    seq_length: int = 64
    batch_size: int = 32
    lr: float = 5e-3
    final_lr_fraction: float = 0.1
    warmup_fraction: float = 0.03
    weight_decay: float = 0.01
    clip_grad_norm: float = 1.0

    def model_config(self, vocab_size: int) -> dict:
        return {"vocab_size": vocab_size, "d_model": self.d_model, "num_heads": self.num_heads,
                "num_layers": self.num_layers, "hidden_dim": self.hidden_dim,
                "max_len": self.seq_length, "dropout": self.dropout}


@dataclass
class TrainingRun:
    """What a run produced: the model, its vocabulary, and its figures."""

    model: torch.nn.Module
    vocab: object
    counts: dict
    recipe: Recipe
    device: str
    steps: int = 0
    seconds: float = 0.0
    tokens: int = 0
    val_loss: float = math.nan
    curve: dict = field(default_factory=lambda: {"step": [], "seconds": [], "train_loss": [],
                                                  "val_loss": []})
    samples: list = field(default_factory=list)
    stopped_early: bool = False
    model_source: str = "yours"

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {
            "val_loss": round(self.val_loss, 4),
            "bits_per_char": round(self.val_loss / math.log(2), 4),
            "steps": self.steps,
            "tokens_per_second": round(self.tokens_per_second, 1),
            "seconds": round(self.seconds, 2),
            "parameters": self.parameters,
            "device": self.device,
            "eval_window": self.recipe.seq_length,
            "recipe": asdict(self.recipe),
            "stopped_early": self.stopped_early,
        }


def choose_device(requested: str = "auto") -> str:
    """'cpu', 'cuda' or 'mps'; 'auto' takes the fastest available. An unavailable device is a
    ValueError with a one-line reason."""
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but this torch sees no CUDA GPU")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("--device mps was asked for, but this machine has no Apple GPU for torch")
    return requested


def learning_rate(recipe: Recipe, progress: float) -> float:
    """Linear warm-up, then a cosine decay to `final_lr_fraction` of the peak, over progress 0..1."""
    progress = min(max(progress, 0.0), 1.0)
    if progress < recipe.warmup_fraction:
        return recipe.lr * max(progress / recipe.warmup_fraction, 0.02)
    decay = (progress - recipe.warmup_fraction) / (1 - recipe.warmup_fraction)
    floor = recipe.final_lr_fraction
    return recipe.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * decay)))


def prepare(kit: Kit, text: str) -> tuple[object, dict, torch.Tensor]:
    """(vocab, character counts, ids) of `text`, built with the learner's own tokenizer."""
    counts = Counter(kit.tokenize_text(text))
    vocab = kit.Vocab(counts)
    ids = torch.tensor(vocab.encode(text), dtype=torch.long)
    return vocab, dict(counts), ids


def train(kit: Kit, text: str, *, seconds: float | None = None, steps: int | None = None,
          device: str = "cpu", recipe: Recipe | None = None, seed: int = 0, report=None,
          sample_every: float = 20.0, sample_prompt: str = "the ", build_model=None) -> TrainingRun:
    """Train a fresh model on `text` for `seconds` of wall-clock time or for `steps` steps.

    The model is the kit's CharTransformer sized by `recipe`, or `build_model(vocab_size)`
    (how `learn compare` trains the RNN with the very same loop).
    `report(event: dict)` is called with {"kind": "progress"|"sample"|"evaluating", ...}.
    Ctrl-C ends training early; the model trained so far is still evaluated and returned.
    """
    recipe = recipe or Recipe()
    report = report or (lambda event: None)
    if device == "cpu":
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    vocab, counts, ids = prepare(kit, text)
    train_ids, val_ids = (torch.as_tensor(part, dtype=torch.long) for part in kit.split_ids(ids, 0.1))
    if build_model is None:
        model = kit.CharTransformer(**recipe.model_config(len(vocab)))
    else:
        model = build_model(len(vocab))
    model = model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, betas=(0.9, 0.99),
                                  weight_decay=recipe.weight_decay)
    run = TrainingRun(model=model, vocab=vocab, counts=counts, recipe=recipe, device=device,
                      model_source=kit.source)
    # A fixed slice of the validation text for the curve: cheap enough to measure often.
    curve_ids = val_ids[: min(len(val_ids), 64 * recipe.seq_length + 1)]

    started = time.perf_counter()
    last_report = last_sample = last_curve = started
    smoothed = None
    model.train()
    try:
        while True:
            elapsed = time.perf_counter() - started
            progress = elapsed / seconds if seconds else run.steps / steps
            if progress >= 1.0:
                break
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(recipe, progress)
            x, y = kit.get_batch(train_ids, recipe.batch_size, recipe.seq_length,
                                 generator=generator, device=device)
            loss = float(kit.train_step(model, x, y, optimizer, clip_grad_norm=recipe.clip_grad_norm))
            run.steps += 1
            run.tokens += recipe.batch_size * recipe.seq_length
            smoothed = loss if smoothed is None else 0.95 * smoothed + 0.05 * loss
            now = time.perf_counter()
            if now - last_curve >= max(0.5, (seconds or 60) / 60) or run.steps == 1:
                last_curve = now
                val = kit.evaluate(model, curve_ids, recipe.seq_length, batch_size=64)
                model.train()
                for key, value in (("step", run.steps), ("seconds", now - started),
                                   ("train_loss", smoothed), ("val_loss", float(val))):
                    run.curve[key].append(value)
            if now - last_report >= 0.25:
                last_report = now
                report({"kind": "progress", "step": run.steps, "progress": min(progress, 1.0),
                        "loss": smoothed, "tokens_per_second": run.tokens / (now - started),
                        "seconds": now - started})
            if now - last_sample >= sample_every:
                last_sample = now
                text_out = kit.generate(model, vocab, sample_prompt, 80, temperature=0.8,
                                        generator=torch.Generator().manual_seed(run.steps))
                model.train()
                run.samples.append((run.steps, sample_prompt + text_out))
                report({"kind": "sample", "step": run.steps, "text": sample_prompt + text_out})
    except KeyboardInterrupt:
        run.stopped_early = True
    run.seconds = time.perf_counter() - started
    report({"kind": "evaluating", "characters": len(val_ids)})
    run.val_loss = float(kit.evaluate(model, val_ids, recipe.seq_length, batch_size=256))
    return run
