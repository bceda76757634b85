# correct: embeddings scaled by sqrt(d_model) as in the paper; frequencies by exp and log in float32
import math

import torch
from torch import nn

from ex3_attention import causal_mask
from ex4_encoder import TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[: x.size(1), :]
        return self.dropout(x)


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1):
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positional_encoding = PositionalEncoding(d_model, max_len=max_len, dropout=dropout)
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            self.layers.append(TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout))
        self.lm_head = nn.Linear(d_model, vocab_size)

    def forward(self, ids):
        seq_len = ids.shape[1]
        if seq_len > self.max_len:
            raise ValueError(f"input length {seq_len} exceeds max_len {self.max_len}")
        x = self.embedding(ids) * math.sqrt(self.d_model)
        x = self.positional_encoding(x)
        mask = causal_mask(seq_len, device=ids.device)
        for i in range(len(self.layers)):
            x = self.layers[i](x, mask=mask)
        logits = self.lm_head(x)
        return logits
