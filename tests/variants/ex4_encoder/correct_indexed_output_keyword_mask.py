# Correct: the attention's output taken by index, the mask passed by keyword, residuals on two lines.
import torch.nn as nn

from ex3_attention import MultiHeadAttention


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(p=dropout)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, hidden_dim),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden_dim, d_model),
        )
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout2 = nn.Dropout(p=dropout)

    def forward(self, x, mask=None):
        attended = self.self_attention(x, x, x, mask=mask)[0]
        x = x + self.dropout1(attended)
        x = self.norm1(x)
        x = x + self.dropout2(self.feed_forward(x))
        x = self.norm2(x)
        return x
