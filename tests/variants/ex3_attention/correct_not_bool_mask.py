# Correct: hides the keys with masked_fill(~mask.bool(), ...), which also works for 0/1 int and float masks.
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    scores = query @ key.transpose(-2, -1)
    scores = scores / math.sqrt(key.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask.bool(), float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ value, weights


def causal_mask(size, device=None):
    return torch.tril(torch.ones(size, size, dtype=torch.bool, device=device))


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model must be divisible by num_heads")
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        B, Tq, _ = query.shape
        q = self.query_linear(query).unflatten(-1, (self.num_heads, self.head_dim)).transpose(1, 2)
        k = self.key_linear(key).unflatten(-1, (self.num_heads, self.head_dim)).transpose(1, 2)
        v = self.value_linear(value).unflatten(-1, (self.num_heads, self.head_dim)).transpose(1, 2)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = out.transpose(1, 2).flatten(2)
        return self.output_linear(out), weights
