# Correct: evaluate sums the loss with reduction="sum" and divides by the number of characters,
# including a shorter last window; zero_grad before backward via model.zero_grad(); a random
# permutation of starts (no repeats within a batch); a train that also records step 0.
import torch
from torch import nn
from torch.nn import functional as F


def get_batch(ids, batch_size, seq_length, generator=None, device=None):
    ids = torch.as_tensor(ids).long()
    possible = len(ids) - seq_length
    if batch_size <= possible:
        starts = torch.randperm(possible, generator=generator)[:batch_size]
    else:
        starts = torch.randint(possible, (batch_size,), generator=generator)
    index = starts[:, None] + torch.arange(seq_length)[None, :]
    return ids[index].to(device), ids[index + 1].to(device)


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    model.zero_grad()
    logits = model(x)
    vocab_size = logits.shape[-1]
    loss = F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
    loss.backward()
    if clip_grad_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    optimizer.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, ids, seq_length, batch_size=64):
    ids = torch.as_tensor(ids).long()
    device = next(model.parameters()).device
    previous_mode = model.training
    model.eval()
    total, count = 0.0, 0
    pending_x, pending_y = [], []

    def flush():
        nonlocal total, count
        x = torch.stack(pending_x).to(device)
        y = torch.stack(pending_y).to(device)
        logits = model(x)
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                 reduction="sum").item()
        count += y.numel()
        pending_x.clear()
        pending_y.clear()

    for i in range(0, len(ids) - 1, seq_length):
        end = min(i + seq_length, len(ids) - 1)
        if end - i < seq_length:  # the shorter last window goes alone
            if pending_x:
                flush()
        pending_x.append(ids[i:end])
        pending_y.append(ids[i + 1:end + 1])
        if len(pending_x) == batch_size or end - i < seq_length:
            flush()
    if pending_x:
        flush()
    model.train(previous_mode)
    return total / count


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    history = {"step": [0], "train_loss": [evaluate(model, train_ids, seq_length)],
               "val_loss": [evaluate(model, val_ids, seq_length)]}
    model.train()
    for step in range(1, steps + 1):
        x, y = get_batch(train_ids, batch_size, seq_length, generator=generator, device=device)
        loss = train_step(model, x, y, optimizer)
        if step % eval_every == 0:
            history["step"].append(step)
            history["train_loss"].append(loss)
            history["val_loss"].append(evaluate(model, val_ids, seq_length))
    return history
