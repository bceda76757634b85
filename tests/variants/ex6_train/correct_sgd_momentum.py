# Correct: SGD with momentum instead of AdamW, zero_grad(set_to_none=False) after the step,
# evaluate that drops the shorter last window and averages per-character losses.
import torch
import torch.nn as nn
import torch.nn.functional as F


def get_batch(ids, batch_size, seq_length, generator=None, device=None):
    if not torch.is_tensor(ids):
        ids = torch.tensor(ids, dtype=torch.long)
    high = ids.numel() - seq_length
    offsets = torch.randint(high, size=(batch_size,), generator=generator)
    x = torch.stack([ids[o:o + seq_length] for o in offsets.tolist()])
    y = torch.stack([ids[o + 1:o + 1 + seq_length] for o in offsets.tolist()])
    return x.to(device), y.to(device)


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    logits = model(x)
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    loss.backward()
    if clip_grad_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    return float(loss.detach())


def evaluate(model, ids, seq_length, batch_size=64):
    mode = model.training
    model.eval()
    ids = torch.as_tensor(ids)
    device = next(iter(model.parameters())).device
    n_windows = (len(ids) - 1) // seq_length
    xs = ids[:n_windows * seq_length].reshape(n_windows, seq_length)
    ys = ids[1:n_windows * seq_length + 1].reshape(n_windows, seq_length)
    losses = []
    with torch.no_grad():
        for xb, yb in zip(xs.split(batch_size), ys.split(batch_size)):
            out = model(xb.to(device))
            losses.append(F.cross_entropy(out.reshape(-1, out.shape[-1]), yb.to(device).reshape(-1),
                                          reduction="none"))
    model.train(mode)
    return torch.cat(losses).mean().item()


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    device = device or "cpu"
    model = model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = {"step": [], "train_loss": [], "val_loss": []}
    model.train()
    for step in range(steps):
        xb, yb = get_batch(train_ids, batch_size, seq_length, generator, device)
        loss = train_step(model, xb, yb, optimizer)
        if (step + 1) % eval_every == 0:
            history["step"].append(step + 1)
            history["train_loss"].append(loss)
            history["val_loss"].append(evaluate(model, val_ids, seq_length))
    return history
