# correct: the table filled entry by entry with math.sin / math.cos as the formula reads (the far
# rows vectorised), layers appended to a list first, the mask moved with .to() and passed by keyword
import math

import torch
import torch.nn as nn

from ex3_attention import causal_mask
from ex4_encoder import TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000, dropout=0.0):
        super().__init__()
        table = torch.zeros(max_len, d_model)
        for pos in range(min(max_len, 64)):
            for i in range(0, d_model, 2):
                angle = pos / (10000 ** (i / d_model))
                table[pos, i] = math.sin(angle)
                table[pos, i + 1] = math.cos(angle)
        if max_len > 64:  # the far rows, vectorised so that 5000 rows stay quick
            pos = torch.arange(64, max_len, dtype=torch.float64).unsqueeze(1)
            angle = pos / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
            table[64:, 0::2] = torch.sin(angle).float()
            table[64:, 1::2] = torch.cos(angle).float()
        self.register_buffer("pe", table)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        batch, length, _ = x.shape
        return self.dropout(x + self.pe[:length].unsqueeze(0).expand(batch, -1, -1))


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1):
        super().__init__()
        self.vocab_size = vocab_size
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positional_encoding = PositionalEncoding(d_model, max_len + 1, dropout)
        layers = []
        for _ in range(num_layers):
            layers.append(TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout))
        self.layers = nn.ModuleList(layers)
        self.lm_head = nn.Linear(d_model, vocab_size)

    def forward(self, ids):
        length = ids.shape[1]
        if not length <= self.max_len:
            raise ValueError("the sequence is longer than the model's context (max_len)")
        hidden = self.embedding(ids)
        hidden = self.positional_encoding(hidden)
        allowed = causal_mask(length).to(ids.device)
        for layer in self.layers:
            hidden = layer(hidden, mask=allowed)
        return self.lm_head(hidden)
