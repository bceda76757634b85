# Correct: a self-contained file with its own MultiHeadAttention written with einsum, -1e9 masking
# and fused reshapes; extra keyword arguments and a stored copy of the last attention weights.
import math

import torch
import torch.nn as nn


def causal_mask(size, device=None):
    return torch.tril(torch.ones(size, size, device=device)).bool()


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("num_heads must divide d_model")
        self.h, self.d = num_heads, d_model // num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        b = query.shape[0]
        q = self.query_linear(query).reshape(b, -1, self.h, self.d)
        k = self.key_linear(key).reshape(b, -1, self.h, self.d)
        v = self.value_linear(value).reshape(b, -1, self.h, self.d)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.d)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        weights = scores.softmax(dim=-1)
        out = torch.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, -1, self.h * self.d)
        return self.output_linear(out), weights


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1, activation="relu", **unused):
        super().__init__()
        assert activation == "relu"
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.feed_forward = nn.Sequential(nn.Linear(d_model, hidden_dim), nn.ReLU(),
                                          nn.Dropout(dropout), nn.Linear(hidden_dim, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)
        self.last_weights = None

    def forward(self, x, mask=None, need_weights=False):
        out, weights = self.self_attention(x, x, x, mask)
        self.last_weights = weights.detach()
        x = self.norm1(x + self.dropout1(out))
        x = self.norm2(x + self.dropout2(self.feed_forward(x)))
        return x
