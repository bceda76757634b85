# Correct: the scores and the weighted sum are both written with torch.einsum.
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    scores = torch.einsum("...qd,...kd->...qk", query, key) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = scores.softmax(-1)
    output = torch.einsum("...qk,...kv->...qv", weights, value)
    return output, weights


def causal_mask(size, device=None):
    return torch.tril(torch.ones((size, size), dtype=torch.bool, device=device))


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model={d_model} is not a multiple of num_heads={num_heads}")
        self.d_model, self.num_heads = d_model, num_heads
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
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
        out = out.transpose(1, 2).contiguous().view(B, Tq, self.d_model)
        return self.output_linear(out), weights
