# Reference solution for exercise 4. `learn reset 4` builds the stub from this file.
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
        # Step 1: self-attention, from your exercise 3.
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        # Step 2: the first add-and-norm pieces.
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        # Step 3: the position-wise feed-forward network: widen, ReLU, dropout, narrow again.
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, hidden_dim),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, d_model),
        )
        # Step 4: the second add-and-norm pieces.
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        """Two sub-layers, each wrapped in a residual connection followed by a LayerNorm."""
        # Step 1: self-attention (the layer's input is query, key and value), then add and norm.
        attended, _ = self.self_attention(x, x, x, mask)
        x = self.norm1(x + self.dropout1(attended))
        # Step 2: the feed-forward network, then add and norm again.
        x = self.norm2(x + self.dropout2(self.feed_forward(x)))
        return x


if __name__ == "__main__":
    import torch

    from ex3_attention import causal_mask

    layer = TransformerEncoderLayer(d_model=16, num_heads=4, hidden_dim=32, dropout=0.1)
    x = torch.randn(2, 5, 16)
    print(layer(x, causal_mask(5)).shape)
