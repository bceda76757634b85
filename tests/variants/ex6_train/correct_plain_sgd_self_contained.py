# Correct: plain SGD, everything in one class-free file with small helpers, gradients zeroed
# with set_to_none=False after each step, and a history kept as running lists.
import torch
import torch.nn.functional as F


def windows_at(ids, starts, length):
    return torch.stack([ids[int(s):int(s) + length] for s in starts])


def get_batch(ids, batch_size, seq_length, generator=None, device=None):
    ids = ids if torch.is_tensor(ids) else torch.tensor(list(ids))
    starts = torch.randint(low=0, high=len(ids) - seq_length, size=(batch_size,), generator=generator)
    x = windows_at(ids, starts, seq_length).long()
    y = windows_at(ids, starts + 1, seq_length).long()
    if device:
        x, y = x.to(device), y.to(device)
    return x, y


def train_step(model, x, y, optimizer, clip_grad_norm=1.0):
    model.train()
    out = model(x)
    per_position = F.cross_entropy(out.permute(0, 2, 1), y, reduction="none")  # (B, T)
    loss = per_position.mean()
    loss.backward()
    if clip_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    return loss.item()


def evaluate(model, ids, seq_length, batch_size=64):
    training_before = model.training
    model.eval()
    ids = torch.as_tensor(ids, dtype=torch.long)
    device = next(model.parameters()).device
    usable = (len(ids) - 1) // seq_length * seq_length
    x_all = ids[:usable].view(-1, seq_length)
    y_all = ids[1:usable + 1].view(-1, seq_length)
    sum_loss = torch.zeros((), dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, x_all.size(0), batch_size):
            x = x_all[start:start + batch_size].to(device)
            y = y_all[start:start + batch_size].to(device)
            logits = model(x)
            sum_loss += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                        reduction="sum").double().cpu()
    if training_before:
        model.train()
    return float(sum_loss / y_all.numel())


def train(model, train_ids, val_ids, *, steps, batch_size=32, seq_length=64, lr=3e-3,
          eval_every=100, device=None, generator=None):
    if device is not None:
        model = model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = {key: [] for key in ("step", "train_loss", "val_loss")}
    step = 0
    while step < steps:
        x, y = get_batch(train_ids, batch_size, seq_length, generator, device)
        train_loss = train_step(model, x, y, optimizer)
        step += 1
        if step % eval_every == 0:
            val_loss = evaluate(model, val_ids, seq_length)
            history["step"].append(step)
            history["train_loss"].append(train_loss)
            history["val_loss"].append(val_loss)
    return history
