# mistake: an input of exactly max_len characters is refused (>= instead of >)
# expect: exactly max_len
# expect: off by one

import math

import torch
import torch.nn as nn

from ex3_attention import causal_mask
from ex4_encoder import TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000, dropout=0.0):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1).float()
        div_term = 10000 ** (torch.arange(0, d_model, 2).float() / d_model)
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position / div_term)
        pe[:, 1::2] = torch.cos(position / div_term)
        self.register_buffer("pe", pe)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        T = x.size(1)
        return self.dropout(x + self.pe[:T])


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1):
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positional_encoding = PositionalEncoding(d_model, max_len, dropout)
        self.layers = nn.ModuleList(
            [TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]
        )
        self.lm_head = nn.Linear(d_model, vocab_size)

    def forward(self, ids):
        B, T = ids.shape
        if T >= self.max_len:
            raise ValueError(f"sequence of length {T} is longer than max_len={self.max_len}")
        x = self.embedding(ids)
        x = self.positional_encoding(x)
        mask = causal_mask(T, ids.device)
        for layer in self.layers:
            x = layer(x, mask)
        return self.lm_head(x)
