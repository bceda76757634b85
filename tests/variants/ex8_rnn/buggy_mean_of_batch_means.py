# mistake: batches the full windows by 2 and averages the batch means, the last window as a batch of its own
# expect: mean of means
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
        return self.lm_head(output)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def validation_loss(model, val_ids, seq_length):
    ids = torch.as_tensor(val_ids, dtype=torch.long)
    model.eval()
    n = (len(ids) - 1) // seq_length
    x_all = ids[:n * seq_length].view(n, seq_length)
    y_all = ids[1:n * seq_length + 1].view(n, seq_length)
    batch_losses = []
    with torch.no_grad():
        for i in range(0, n, 2):
            logits = model(x_all[i:i + 2])
            batch_losses.append(F.cross_entropy(logits.flatten(0, 1), y_all[i:i + 2].flatten()).item())
        if n * seq_length < len(ids) - 1:
            logits = model(ids[n * seq_length:-1].unsqueeze(0))[0]
            batch_losses.append(F.cross_entropy(logits, ids[n * seq_length + 1:]).item())
    return sum(batch_losses) / len(batch_losses)


def compare(models, val_ids, seq_length):
    results = {}
    for name, model in models.items():
        loss = validation_loss(model, val_ids, seq_length)
        results[name] = {"parameters": count_parameters(model), "val_loss": loss,
                         "bits_per_char": loss / math.log(2)}
    return results
