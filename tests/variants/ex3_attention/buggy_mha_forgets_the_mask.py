# mistake: MultiHeadAttention accepts a mask but never passes it on to the attention
# expect: mask had no effect
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    d_k = query.size(-1)
    scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, value), weights


def causal_mask(size, device=None):
    return torch.tril(torch.ones(size, size, dtype=torch.bool, device=device))


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"{num_heads} heads do not divide d_model={d_model}")
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
        out, weights = scaled_dot_product_attention(q, k, v)
        out = out.transpose(1, 2).contiguous().view(B, Tq, self.d_model)
        return self.output_linear(out), weights
