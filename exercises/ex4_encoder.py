"""Exercise 4 · encoder: the Transformer encoder layer.

One layer of the model: self-attention lets every position gather from the others, a small
feed-forward network then works on each position alone, and around each of the two a residual
connection and a LayerNorm keep the signal well-scaled. Read the lesson with `learn show 4`, fill
in every TODO, then run `learn check 4`.
"""

import torch.nn as nn

from ex3_attention import MultiHeadAttention


class TransformerEncoderLayer(nn.Module):
    """A post-norm encoder layer: attention, add and norm; feed-forward, add and norm.

    forward(x (B, T, d_model), mask=None) -> (B, T, d_model), computing
        x = norm1(x + dropout1(self_attention(x, x, x, mask)))
        x = norm2(x + dropout2(feed_forward(x)))
    `mask` is passed on to the attention unchanged (True where a position may attend).
    """

    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        """Make the attention, the feed-forward network, two LayerNorms and two dropouts."""
        super().__init__()
        # TODO Step 1: self-attention, from your exercise 3.
        # TODO Step 2: the first add-and-norm pieces.
        # TODO Step 3: the position-wise feed-forward network: widen, ReLU, dropout, narrow again.
        # TODO Step 4: the second add-and-norm pieces.
        raise NotImplementedError("TODO: write TransformerEncoderLayer.__init__")

    def forward(self, x, mask=None):
        """Two sub-layers, each wrapped in a residual connection followed by a LayerNorm."""
        # TODO Step 1: self-attention (the layer's input is query, key and value), then add and norm.
        # TODO Step 2: the feed-forward network, then add and norm again.
        raise NotImplementedError("TODO: write TransformerEncoderLayer.forward")
