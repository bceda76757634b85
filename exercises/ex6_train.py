"""Exercise 6 · train: the training loop.

A model learns by repeating one small move: take a random batch of windows from the text, measure
how surprised the model is by each next character, and nudge every weight downhill. Around that
move sit the pieces that keep it honest: fresh gradients each step, a cap on their size, and a
validation loss measured in eval mode on text the model never trains on. Read the lesson with
`learn show 6`, fill in every TODO, then run `learn check 6`.
"""

import torch
import torch.nn.functional as F


def get_batch(ids, batch_size, seq_length, generator=None, device=None):
    """A random batch of training windows: (x, y), both (batch_size, seq_length), torch.long.

    Row b is a window of `ids` starting at a random offset s: x[b] = ids[s : s+seq_length] and
    y[b] = ids[s+1 : s+seq_length+1], the same window shifted by one character. Offsets run from
    0 to len(ids) - seq_length - 1, so that the target window still fits. The offsets are drawn
    with `generator` (a torch.Generator), so the same seed gives the same batch. Both tensors are
    moved to `device` when one is given.
    """
    # TODO Step 1: a 1-D tensor of ids (a list is accepted too).
    # TODO Step 2: one random start per row; torch.randint's upper bound is excluded.
    # TODO Step 3: the positions of every window, (batch_size, seq_length), then x and y one apart.
    # TODO Step 4: onto the device the model lives on.
    raise NotImplementedError("TODO: write get_batch")


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    """One optimisation step on the batch (x, y); returns the loss as a Python float.

    The loss is the mean cross-entropy over every position of every row: model(x) gives logits
    (B, T, vocab_size), and position t of row b is scored against y[b, t]. The gradient norm of
    all parameters together is clipped to `clip_grad_norm` unless it is None. Gradients never
    carry over from one call to the next.
    """
    # TODO Step 1: the forward pass: logits (B, T, vocab_size).
    # TODO Step 2: flatten batch and time so that every position is one classification.
    # TODO Step 3: forget the last step's gradients, then compute this step's.
    # TODO Step 4: cap the norm of the whole gradient, unless asked not to.
    # TODO Step 5: move the weights, and give back a plain number (no graph attached).
    raise NotImplementedError("TODO: write train_step")


def evaluate(model, ids, seq_length, batch_size=64):
    """The mean cross-entropy per character (in nats) of the model on `ids`.

    The text is cut into consecutive windows that do not overlap: x = ids[i : i+seq_length],
    y = ids[i+1 : i+seq_length+1] for i = 0, seq_length, 2*seq_length, ...; a shorter last window
    takes what is left, so every character after the first is predicted exactly once. Runs in
    eval mode (no dropout) without autograd, and leaves the model in the mode it found it in.
    """
    # TODO Step 1: note the model's mode, then switch to eval mode; find the model's device.
    # TODO Step 2: the full windows, one per row, and their targets one character later.
    # TODO Step 3: whatever is left over makes one shorter window.
    # TODO Step 4: add up the loss of every character, then divide by how many there were.
    # TODO Step 5: put the model back in the mode it was in.
    raise NotImplementedError("TODO: write evaluate")


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    """Train `model` for `steps` steps with AdamW; returns its history.

    The history is a dict of three lists of the same length, one entry per evaluation:
    "step" (the number of steps taken so far), "train_loss" (that step's training loss) and
    "val_loss" (evaluate() on `val_ids`). It evaluates every `eval_every` steps and after the
    last step. Batches come from get_batch with `generator`, on `device`.
    """
    # TODO Step 1: the model on its device, an optimiser over its parameters, an empty history.
    # TODO Step 2: one random batch, one step.
    # TODO Step 3: every eval_every steps, and after the last, note both losses.
    raise NotImplementedError("TODO: write train")
