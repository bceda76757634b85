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
    # TODO Step 1: the scores, how well each query matches each key, scaled by 1 / sqrt(d_k).
    # TODO Step 2: where the mask is 0 / False, the query may not look: give those scores -inf.
    # TODO Step 3: softmax over the key axis (the last one), so that each query's weights sum to 1.
    # TODO Step 4: every query's output is the weighted average of the values.
    raise NotImplementedError("TODO: write scaled_dot_product_attention")


def causal_mask(size, device=None):
    """A (size, size) bool mask, True where query i may attend to key j, that is j <= i.

    causal_mask(3) == [[True, False, False],
                       [True, True,  False],
                       [True, True,  True ]]
    """
    raise NotImplementedError("TODO: write causal_mask")


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
        # TODO Step 1: every head gets head_dim = d_model // num_heads features; refuse a remainder.
        # TODO Step 2: the four projections.
        raise NotImplementedError("TODO: write MultiHeadAttention.__init__")

    def forward(self, query, key, value, mask=None):
        """Project, split into heads, attend in every head at once, merge the heads, project."""
        # TODO Step 1: project, then split d_model into heads: (B, T, d_model) -> (B, H, T, head_dim).
        # TODO Step 2: attention in every head at once; the mask broadcasts over the heads.
        # TODO Step 3: merge the heads back: (B, H, Tq, head_dim) -> (B, Tq, d_model).
        # TODO Step 4: the output projection mixes what the heads found.
        raise NotImplementedError("TODO: write MultiHeadAttention.forward")
