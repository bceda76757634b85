# correct: one self-contained file with its own attention (einsum, -1e9) and encoder layer, the
# positional table built with torch.stack, scaled embeddings, and an IndexError that names max_len
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def scaled_dot_product_attention(query, key, value, mask=None):
    scores = torch.einsum("...qd,...kd->...qk", query, key) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    weights = F.softmax(scores, dim=-1)
    return torch.einsum("...qk,...kd->...qd", weights, value), weights


def causal_mask(size, device=None):
    i = torch.arange(size, device=device)
    return i[None, :] <= i[:, None]


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0, "num_heads must divide d_model"
        self.h = num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def split(self, x):
        b, t, d = x.shape
        return x.reshape(b, t, self.h, d // self.h).permute(0, 2, 1, 3)

    def forward(self, query, key, value, mask=None):
        q = self.split(self.query_linear(query))
        k = self.split(self.key_linear(key))
        v = self.split(self.value_linear(value))
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        b, _, t, _ = out.shape
        out = out.permute(0, 2, 1, 3).reshape(b, t, -1)
        return self.output_linear(out), weights


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, hidden_dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden_dim, d_model)
        )
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        x = self.norm1(x + self.dropout1(self.self_attention(x, x, x, mask)[0]))
        return self.norm2(x + self.dropout2(self.feed_forward(x)))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000, dropout=0.0):
        super().__init__()
        p = torch.arange(max_len).float()[:, None]
        freq = 1.0 / (10000.0 ** (torch.arange(0, d_model, 2).float() / d_model))
        pe = torch.stack([torch.sin(p * freq), torch.cos(p * freq)], dim=-1).reshape(max_len, d_model)
        self.register_buffer("pe", pe)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(1)])


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1):
        super().__init__()
        self.max_len = max_len
        self.scale = math.sqrt(d_model)
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positional_encoding = PositionalEncoding(d_model, max_len, dropout)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)
        )
        self.lm_head = nn.Linear(d_model, vocab_size)

    def forward(self, ids):
        if ids.size(1) > self.max_len:
            raise IndexError(f"sequence too long: {ids.size(1)} > max_len={self.max_len}")
        x = self.positional_encoding(self.embedding(ids) * self.scale)
        mask = causal_mask(ids.size(1), ids.device)
        for layer in self.layers:
            x = layer(x, mask)
        return self.lm_head(x)
