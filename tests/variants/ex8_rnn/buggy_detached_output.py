# mistake: the LSTM's output is detached (a confusion with truncated backpropagation), so no gradient reaches the LSTM or the embedding
# expect: no gradient reached `embedding`, `rnn`
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0.0)
        self.lm_head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, ids):
        x = self.embedding(ids)
        output, _ = self.rnn(x)
        return self.lm_head(output.detach())


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def validation_loss(model, val_ids, seq_length):
    ids = torch.as_tensor(val_ids, dtype=torch.long)
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(ids) - 1, seq_length):
            y = ids[start + 1:start + 1 + seq_length]
            x = ids[start:start + len(y)]
            logits = model(x.unsqueeze(0))[0]
            total += F.cross_entropy(logits, y, reduction="sum").item()
            count += len(y)
    return total / count


def compare(models, val_ids, seq_length):
    results = {}
    for name, model in models.items():
        loss = validation_loss(model, val_ids, seq_length)
        results[name] = {"parameters": count_parameters(model), "val_loss": loss,
                         "bits_per_char": loss / math.log(2)}
    return results
