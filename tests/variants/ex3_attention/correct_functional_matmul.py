# Correct: torch.nn.functional.softmax and torch.matmul, d_k read from query.shape.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def scaled_dot_product_attention(query, key, value, mask=None):
    d_k = query.shape[-1]
    scores = torch.matmul(query, torch.transpose(key, -2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = torch.where(mask == 0, torch.full_like(scores, float("-inf")), scores)
    weights = F.softmax(scores, dim=-1)
    output = torch.matmul(weights, value)
    return output, weights


def causal_mask(size, device=None):
    return torch.tril(torch.ones(size, size, device=device)).to(torch.bool)


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads, **unused):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model ({d_model}) % num_heads ({num_heads}) != 0")
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_k = d_model // num_heads
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)
        self.last_weights = None

    def forward(self, query, key, value, mask=None):
        n_batch = query.size(0)
        q, k, v = [
            layer(x).view(n_batch, -1, self.num_heads, self.d_k).transpose(1, 2)
            for layer, x in ((self.query_linear, query), (self.key_linear, key),
                             (self.value_linear, value))
        ]
        x, self.last_weights = scaled_dot_product_attention(q, k, v, mask=mask)
        x = x.transpose(1, 2).contiguous().view(n_batch, -1, self.d_model)
        return self.output_linear(x), self.last_weights
