# Correct: compare adds up the loss of every character (reduction="none", then .sum()) and divides once;
# the windows are batched by 4 and the shorter last one run on its own.
import math

import torch
from torch import nn
from torch.nn import functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0)
        self.lm_head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, ids):
        out = self.rnn(self.embedding(ids))[0]
        return self.lm_head(out)


def character_losses(model, ids, seq_length, batch_size=4):
    n = (len(ids) - 1) // seq_length
    x = ids[:n * seq_length].reshape(n, seq_length)
    y = ids[1:n * seq_length + 1].reshape(n, seq_length)
    parts = []
    for i in range(0, n, batch_size):
        logits = model(x[i:i + batch_size])
        parts.append(F.cross_entropy(logits.transpose(1, 2), y[i:i + batch_size], reduction="none").flatten())
    if n * seq_length < len(ids) - 1:
        logits = model(ids[n * seq_length:-1][None])
        parts.append(F.cross_entropy(logits[0], ids[n * seq_length + 1:], reduction="none"))
    return torch.cat(parts)


def compare(models, val_ids, seq_length):
    ids = torch.as_tensor(val_ids, dtype=torch.long)
    results = {}
    for name, model in models.items():
        model.eval()
        with torch.no_grad():
            losses = character_losses(model, ids, seq_length)
        nats = float(losses.sum() / losses.numel())
        results[name] = {"parameters": sum(map(torch.numel, model.parameters())),
                         "val_loss": nats, "bits_per_char": nats / math.log(2)}
    return results
