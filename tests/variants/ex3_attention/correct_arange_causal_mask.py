# Correct: the causal mask compares key and query positions built with torch.arange.
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    d_k = query.size(-1)
    scores = query.matmul(key.transpose(-1, -2)).div(math.sqrt(d_k))
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = scores.softmax(-1)
    return weights.matmul(value), weights


def causal_mask(size, device=None):
    positions = torch.arange(size, device=device)
    # row i is query i, column j is key j: allowed when j <= i
    return positions.unsqueeze(0) <= positions.unsqueeze(1)


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
        Tk = key.size(1)
        q = self.query_linear(query).view(B, Tq, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.key_linear(key).view(B, Tk, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.value_linear(value).view(B, Tk, self.num_heads, self.head_dim).transpose(1, 2)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = out.transpose(1, 2).reshape(B, Tq, self.d_model)
        return self.output_linear(out), weights
