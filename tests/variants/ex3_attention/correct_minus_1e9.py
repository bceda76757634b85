# Correct: hidden scores get -1e9 instead of -inf (the same weights, since no row is fully hidden).
import math

import torch
from torch import nn


def scaled_dot_product_attention(query, key, value, mask=None):
    d_k = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    weights = scores.softmax(dim=-1)
    return weights @ value, weights


def causal_mask(size, device=None):
    mask = torch.ones(size, size, dtype=torch.bool).tril()
    return mask.to(device) if device is not None else mask


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("num_heads must divide d_model")
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        batch = query.size(0)

        def heads(x):
            return x.view(batch, -1, self.num_heads, self.head_dim).transpose(1, 2)

        q = heads(self.query_linear(query))
        k = heads(self.key_linear(key))
        v = heads(self.value_linear(value))
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = out.transpose(1, 2).contiguous().view(batch, -1, self.num_heads * self.head_dim)
        return self.output_linear(out), weights
