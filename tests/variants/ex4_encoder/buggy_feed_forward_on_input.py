# mistake: the feed-forward network reads the layer's input instead of the first add & norm's result
# expect: feed-forward network was given the layer's input
import torch.nn as nn

from ex3_attention import MultiHeadAttention


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, hidden_dim),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, d_model),
        )
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        attended, _ = self.self_attention(x, x, x, mask)
        h = self.norm1(x + self.dropout1(attended))
        out = self.norm2(h + self.dropout2(self.feed_forward(x)))
        return out
