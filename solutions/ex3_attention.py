# Reference solution for exercise 3. `learn reset 3` builds the stub from this file.
"""Exercise 3 · attention: scaled dot-product and multi-head attention.

Let every position look at the others and take what it needs from them: the one operation that
makes a Transformer. Read the lesson with `learn show 3`, fill in every TODO, then run
`learn check 3`.
"""

import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(query, key, value, mask=None):
    """Attend from every query to every key; return `(output, weights)`.

    query (..., Tq, d), key (..., Tk, d), value (..., Tk, dv): any leading axes (batch, heads)
    are carried along. weights = softmax(query @ keyᵀ / sqrt(d)) over the key axis, shape
    (..., Tq, Tk), so each query's weights sum to 1; output = weights @ value, shape (..., Tq, dv).
    `mask`, if given, broadcasts to (..., Tq, Tk) and is True (or 1) where the query may attend
    to the key, False (or 0) where it may not.
    """
    d_k = query.size(-1)
    # Step 1: the scores, how well each query matches each key, scaled by 1 / sqrt(d_k).
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)
    # Step 2: where the mask is 0 / False, the query may not look: give those scores -inf.
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    # Step 3: softmax over the key axis (the last one), so that each query's weights sum to 1.
    weights = scores.softmax(dim=-1)
    # Step 4: every query's output is the weighted average of the values.
    return weights @ value, weights


def causal_mask(size, device=None):
    """A (size, size) bool mask, True where query i may attend to key j, that is j <= i.

    causal_mask(3) == [[True, False, False],
                       [True, True,  False],
                       [True, True,  True ]]
    """
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()


class MultiHeadAttention(nn.Module):
    """`num_heads` attentions side by side, each on its own head_dim = d_model // num_heads slice.

    Four nn.Linear(d_model, d_model) layers: query_linear, key_linear and value_linear project the
    inputs, output_linear mixes the heads' results. forward(query (B, Tq, d_model),
    key (B, Tk, d_model), value (B, Tk, d_model), mask=None) returns output (B, Tq, d_model) and
    the weights of every head, (B, num_heads, Tq, Tk). `mask` broadcasts to (B, num_heads, Tq, Tk).
    """

    def __init__(self, d_model, num_heads):
        """Refuse a d_model that the heads cannot share evenly, then make the four layers."""
        super().__init__()
        # Step 1: every head gets head_dim = d_model // num_heads features; refuse a remainder.
        if d_model % num_heads != 0:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        # Step 2: the four projections.
        self.query_linear = nn.Linear(d_model, d_model)
        self.key_linear = nn.Linear(d_model, d_model)
        self.value_linear = nn.Linear(d_model, d_model)
        self.output_linear = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        """Project, split into heads, attend in every head at once, merge the heads, project."""
        B, Tq, _ = query.shape
        Tk = key.size(1)
        H, head_dim = self.num_heads, self.head_dim
        # Step 1: project, then split d_model into heads: (B, T, d_model) -> (B, H, T, head_dim).
        q = self.query_linear(query).view(B, Tq, H, head_dim).transpose(1, 2)
        k = self.key_linear(key).view(B, Tk, H, head_dim).transpose(1, 2)
        v = self.value_linear(value).view(B, Tk, H, head_dim).transpose(1, 2)
        # Step 2: attention in every head at once; the mask broadcasts over the heads.
        output, weights = scaled_dot_product_attention(q, k, v, mask)
        # Step 3: merge the heads back: (B, H, Tq, head_dim) -> (B, Tq, d_model).
        output = output.transpose(1, 2).contiguous().view(B, Tq, self.d_model)
        # Step 4: the output projection mixes what the heads found.
        return self.output_linear(output), weights


if __name__ == "__main__":
    attention = MultiHeadAttention(d_model=8, num_heads=2)
    x = torch.randn(1, 5, 8)
    output, weights = attention(x, x, x, mask=causal_mask(5))
    print(output.shape, weights.shape)
    print(weights[0, 0].detach().numpy().round(2))
