# mistake: averages the per-batch mean losses, so the smaller last batch weighs more
# expect: mean of the per-batch means

import torch
import torch.nn.functional as F


def get_batch(ids, batch_size, seq_length, generator=None, device=None):
    ids = torch.as_tensor(ids, dtype=torch.long)
    starts = torch.randint(0, len(ids) - seq_length, (batch_size,), generator=generator)
    x = torch.stack([ids[s:s + seq_length] for s in starts])
    y = torch.stack([ids[s + 1:s + seq_length + 1] for s in starts])
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    optimizer.zero_grad()
    logits = model(x)
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), y.view(B * T))
    loss.backward()
    if clip_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    optimizer.step()
    return loss.item()


def evaluate(model, ids, seq_length, batch_size=64):
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = torch.as_tensor(ids, dtype=torch.long)
    starts = list(range(0, len(ids) - seq_length, seq_length))
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(starts), batch_size):
            chunk = starts[i:i + batch_size]
            x = torch.stack([ids[s:s + seq_length] for s in chunk]).to(device)
            y = torch.stack([ids[s + 1:s + seq_length + 1] for s in chunk]).to(device)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
            total += loss.item()
            count += 1
    model.train(was_training)
    return total / count


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    history = {"step": [], "train_loss": [], "val_loss": []}
    for step in range(1, steps + 1):
        model.train()
        x, y = get_batch(train_ids, batch_size, seq_length, generator=generator, device=device)
        loss = train_step(model, x, y, optimizer)
        if step % eval_every == 0:
            history["step"].append(step)
            history["train_loss"].append(loss)
            history["val_loss"].append(evaluate(model, val_ids, seq_length))
    return history
