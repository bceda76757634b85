# Correct: a GRU in place of the LSTM: one state instead of two, the same interface.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.GRU(embed_dim, hidden_dim, num_layers, batch_first=True,
                          dropout=dropout if num_layers > 1 else 0.0)
        self.lm_head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, ids):
        states, _ = self.rnn(self.embedding(ids))
        return self.lm_head(states)


def compare(models, val_ids, seq_length):
    val_ids = torch.as_tensor(val_ids)
    out = {}
    for name, model in models.items():
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(val_ids) - 1, seq_length):
                x = val_ids[start:start + seq_length]
                y = val_ids[start + 1:start + 1 + seq_length]
                x = x[:len(y)]
                logits = model(x.unsqueeze(0))[0]
                total += F.cross_entropy(logits, y, reduction="sum").item()
                count += len(y)
        loss = total / count
        out[name] = {"parameters": sum(p.numel() for p in model.parameters()),
                     "val_loss": loss, "bits_per_char": loss / math.log(2)}
    return out
