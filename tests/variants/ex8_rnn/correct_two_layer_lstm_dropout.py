# Correct: dropout after the embedding and between the LSTM's layers; batches of windows padded with <pad>
# and the padding ignored by the loss; the models' modes restored afterwards.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.embed_dropout = nn.Dropout(dropout)
        inner = dropout if num_layers > 1 else 0.0
        self.rnn = nn.LSTM(input_size=embed_dim, hidden_size=hidden_dim, num_layers=num_layers,
                           dropout=inner, batch_first=True)
        self.lm_head = nn.Linear(hidden_dim, vocab_size)
        self.max_len = 10 ** 6

    def forward(self, ids):
        x = self.embed_dropout(self.embedding(ids))
        output, (h_n, c_n) = self.rnn(x)
        return self.lm_head(output)


PAD = 0


def padded_windows(ids, seq_length):
    xs, ys = [], []
    for s in range(0, len(ids) - 1, seq_length):
        y = ids[s + 1:s + 1 + seq_length]
        x = ids[s:s + len(y)]
        xs.append(F.pad(x, (0, seq_length - len(x)), value=PAD))
        ys.append(F.pad(y, (0, seq_length - len(y)), value=PAD))
    return torch.stack(xs), torch.stack(ys)


def compare(models, val_ids, seq_length):
    x, y = padded_windows(torch.as_tensor(val_ids, dtype=torch.long), seq_length)
    report = {}
    for name, model in models.items():
        was_training = model.training
        model.eval()
        with torch.inference_mode():
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                   ignore_index=PAD).item()
        model.train(was_training)
        report[name] = dict(parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
                            val_loss=loss, bits_per_char=loss / math.log(2))
    return report
