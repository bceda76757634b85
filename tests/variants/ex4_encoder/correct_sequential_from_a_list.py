# Correct: the feed-forward network built from a list, the parts created in another order, the
# attention called by keyword, and the mask reshaped to (1, 1, T, T) before the attention.
import torch.nn as nn

from ex3_attention import MultiHeadAttention


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        layers = [nn.Linear(d_model, hidden_dim), nn.ReLU()]
        layers += [nn.Dropout(dropout), nn.Linear(hidden_dim, d_model)]
        self.feed_forward = nn.Sequential(*layers)
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x, mask=None):
        if mask is not None and mask.dim() == 2:
            mask = mask[None, None, :, :]
        output, _weights = self.self_attention(query=x, key=x, value=x, mask=mask)
        after_attention = self.norm1(x + self.dropout1(output))
        transformed = self.dropout2(self.feed_forward(after_attention))
        return self.norm2(after_attention + transformed)
