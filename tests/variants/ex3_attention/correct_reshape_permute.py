# Correct: splits and merges the heads with reshape and permute instead of view and transpose.
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    scale = 1.0 / math.sqrt(query.shape[-1])
    scores = (query * scale) @ key.mT
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ value, weights


def causal_mask(size, device=None):
    return torch.ones(size, size, dtype=torch.bool, device=device).tril_()


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        head_dim, remainder = divmod(d_model, num_heads)
        if remainder:
            raise ValueError(f"cannot split d_model={d_model} into {num_heads} equal heads")
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = head_dim
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        B, Tq, D = query.shape
        Tk = key.shape[1]
        q = self.query_linear(query).reshape(B, Tq, self.num_heads, self.head_dim).permute(0, 2, 1, 3)
        k = self.key_linear(key).reshape(B, Tk, self.num_heads, self.head_dim).permute(0, 2, 1, 3)
        v = self.value_linear(value).reshape(B, Tk, self.num_heads, self.head_dim).permute(0, 2, 1, 3)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = out.permute(0, 2, 1, 3).reshape(B, Tq, D)
        return self.output_linear(out), weights
