# Correct: turns the course's True-may-attend mask into an additive bias of 0 / -inf, the way PyTorch's float masks work.
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
    if mask is not None:
        bias = torch.zeros(mask.shape, dtype=scores.dtype, device=scores.device)
        bias = bias.masked_fill(mask == 0, float("-inf"))
        scores = scores + bias
    weights = scores.softmax(dim=-1)
    return weights @ value, weights


def causal_mask(size, device=None):
    return torch.ones(size, size, device=device, dtype=torch.bool).tril()


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
        self.dropout = nn.Dropout(0.0)

    def forward(self, query, key, value, mask=None):
        B, Tq, _ = query.shape
        q, k, v = (
            lin(x).view(B, x.size(1), self.num_heads, self.head_dim).transpose(1, 2)
            for lin, x in zip((self.query_linear, self.key_linear, self.value_linear), (query, key, value))
        )
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = self.dropout(out.transpose(1, 2).contiguous().view(B, Tq, self.d_model))
        return self.output_linear(out), weights
