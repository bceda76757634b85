# Correct: bits_per_char = log2(e) * loss, the same as loss / ln 2; windows gathered with unfold; an explicit
# loop over time carrying the LSTM's (h, c), one step at a time.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0.0)
        self.lm_head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, ids):
        x = self.embedding(ids)
        state = None
        steps = []
        for t in range(x.size(1)):
            out, state = self.rnn(x[:, t:t + 1], state)
            steps.append(out)
        return self.lm_head(torch.cat(steps, dim=1))


def mean_nats(model, ids, seq_length):
    usable = (len(ids) - 1) // seq_length * seq_length
    total = torch.zeros((), dtype=torch.float64)
    if usable:
        x = ids[:usable].unfold(0, seq_length, seq_length)
        y = ids[1:usable + 1].unfold(0, seq_length, seq_length)
        logits = model(x)
        total += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").double()
    if usable < len(ids) - 1:
        logits = model(ids[usable:-1].unsqueeze(0)).squeeze(0)
        total += F.cross_entropy(logits, ids[usable + 1:], reduction="sum").double()
    return (total / (len(ids) - 1)).item()


@torch.no_grad()
def compare(models, val_ids, seq_length):
    ids = torch.as_tensor(val_ids, dtype=torch.long)
    table = {}
    for name, model in models.items():
        model.eval()
        loss = mean_nats(model, ids, seq_length)
        table[name] = {"parameters": sum(p.numel() for p in model.parameters()),
                       "val_loss": loss,
                       "bits_per_char": math.log2(math.e) * loss}
    return table
