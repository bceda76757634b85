# Correct: feed_forward is an nn.ModuleDict applied by a method of the layer (torch.relu in
# between), LayerNorm given its shape as a list, a residual kept in its own variable, and the
# mask handed on as 0.0 / 1.0 floats.
import torch
import torch.nn as nn

from ex3_attention import MultiHeadAttention


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm([d_model])
        self.norm2 = nn.LayerNorm([d_model])
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.feed_forward = nn.ModuleDict({
            "up": nn.Linear(d_model, hidden_dim),
            "drop": nn.Dropout(dropout),
            "down": nn.Linear(hidden_dim, d_model),
        })

    def position_wise(self, x):
        parts = self.feed_forward
        return parts["down"](parts["drop"](torch.relu(parts["up"](x))))

    def forward(self, x, mask=None):
        if mask is not None:
            mask = mask.float()
        residual = x
        x, _ = self.self_attention(x, x, x, mask)
        x = self.norm1(residual + self.dropout1(x))
        residual = x
        x = self.norm2(residual + self.dropout2(self.position_wise(x)))
        return x
