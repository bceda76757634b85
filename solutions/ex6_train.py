# Reference solution for exercise 6. `learn reset 6` builds the stub from this file.
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
    # Step 1: a 1-D tensor of ids (a list is accepted too).
    ids = torch.as_tensor(ids, dtype=torch.long)
    # Step 2: one random start per row; torch.randint's upper bound is excluded.
    starts = torch.randint(len(ids) - seq_length, (batch_size,), generator=generator)
    # Step 3: the positions of every window, (batch_size, seq_length), then x and y one apart.
    positions = starts.unsqueeze(1) + torch.arange(seq_length)
    x, y = ids[positions], ids[positions + 1]
    # Step 4: onto the device the model lives on.
    return x.to(device), y.to(device)


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    """One optimisation step on the batch (x, y); returns the loss as a Python float.

    The loss is the mean cross-entropy over every position of every row: model(x) gives logits
    (B, T, vocab_size), and position t of row b is scored against y[b, t]. The gradient norm of
    all parameters together is clipped to `clip_grad_norm` unless it is None. Gradients never
    carry over from one call to the next.
    """
    # Step 1: the forward pass: logits (B, T, vocab_size).
    logits = model(x)
    # Step 2: flatten batch and time so that every position is one classification.
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    # Step 3: forget the last step's gradients, then compute this step's.
    optimizer.zero_grad()
    loss.backward()
    # Step 4: cap the norm of the whole gradient, unless asked not to.
    if clip_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    # Step 5: move the weights, and give back a plain number (no graph attached).
    optimizer.step()
    return loss.item()


def evaluate(model, ids, seq_length, batch_size=64):
    """The mean cross-entropy per character (in nats) of the model on `ids`.

    The text is cut into consecutive windows that do not overlap: x = ids[i : i+seq_length],
    y = ids[i+1 : i+seq_length+1] for i = 0, seq_length, 2*seq_length, ...; a shorter last window
    takes what is left, so every character after the first is predicted exactly once. Runs in
    eval mode (no dropout) without autograd, and leaves the model in the mode it found it in.
    """
    # Step 1: note the model's mode, then switch to eval mode; find the model's device.
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = torch.as_tensor(ids, dtype=torch.long)
    # Step 2: the full windows, one per row, and their targets one character later.
    full = (len(ids) - 1) // seq_length
    inputs = ids[: full * seq_length].view(full, seq_length)
    targets = ids[1 : full * seq_length + 1].view(full, seq_length)
    batches = [(inputs[i : i + batch_size], targets[i : i + batch_size])
               for i in range(0, full, batch_size)]
    # Step 3: whatever is left over makes one shorter window.
    rest = ids[full * seq_length :]
    if len(rest) > 1:
        batches.append((rest[:-1].unsqueeze(0), rest[1:].unsqueeze(0)))
    # Step 4: add up the loss of every character, then divide by how many there were.
    total_loss, total_count = 0.0, 0
    with torch.no_grad():
        for x, y in batches:
            logits = model(x.to(device))
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.to(device).reshape(-1),
                                   reduction="sum")
            total_loss += loss.item()
            total_count += y.numel()
    # Step 5: put the model back in the mode it was in.
    model.train(was_training)
    return total_loss / total_count


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    """Train `model` for `steps` steps with AdamW; returns its history.

    The history is a dict of three lists of the same length, one entry per evaluation:
    "step" (the number of steps taken so far), "train_loss" (that step's training loss) and
    "val_loss" (evaluate() on `val_ids`). It evaluates every `eval_every` steps and after the
    last step. Batches come from get_batch with `generator`, on `device`.
    """
    # Step 1: the model on its device, an optimiser over its parameters, an empty history.
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    history = {"step": [], "train_loss": [], "val_loss": []}
    model.train()
    for step in range(1, steps + 1):
        # Step 2: one random batch, one step.
        x, y = get_batch(train_ids, batch_size, seq_length, generator=generator, device=device)
        loss = train_step(model, x, y, optimizer)
        # Step 3: every eval_every steps, and after the last, note both losses.
        if step % eval_every == 0 or step == steps:
            history["step"].append(step)
            history["train_loss"].append(loss)
            history["val_loss"].append(evaluate(model, val_ids, seq_length))
    return history


if __name__ == "__main__":
    from torch import nn

    text = "the hens sang at dawn and the pigs slept. " * 40
    alphabet = sorted(set(text))
    ids = torch.tensor([alphabet.index(c) for c in text])
    model = nn.Sequential(nn.Embedding(len(alphabet), 32), nn.Linear(32, len(alphabet)))
    history = train(model, ids[:1400], ids[1400:], steps=300, batch_size=16, seq_length=16,
                    lr=1e-2, eval_every=100, generator=torch.Generator().manual_seed(0))
    print(history)
