# mistake: the multi-head attention computes its own scores and scales them by sqrt(d_model), not sqrt(head_dim)
# expect: sqrt(d_model) instead of sqrt(head_dim)
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ value, weights


def causal_mask(size, device=None):
    return torch.ones(size, size, device=device).tril().bool()


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0, "num_heads must divide d_model"
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        B, Tq, _ = query.shape
        Tk = key.shape[1]
        q = self.query_linear(query).view(B, Tq, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.key_linear(key).view(B, Tk, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.value_linear(value).view(B, Tk, self.num_heads, self.head_dim).transpose(1, 2)
        # attention written out again, per head
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_model)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float("-inf"))
        weights = scores.softmax(dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(B, Tq, self.d_model)
        return self.output_linear(out), weights
