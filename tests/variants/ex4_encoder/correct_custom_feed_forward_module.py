# Correct: the feed-forward network is a small module of its own (linear1 / linear2, functional
# ReLU and dropout that respect self.training) rather than an nn.Sequential.
import torch.nn as nn
import torch.nn.functional as F

from ex3_attention import MultiHeadAttention


class FeedForward(nn.Module):
    def __init__(self, d_model, hidden_dim, dropout):
        super().__init__()
        self.linear1 = nn.Linear(d_model, hidden_dim)
        self.linear2 = nn.Linear(hidden_dim, d_model)
        self.p = dropout

    def forward(self, x):
        hidden = F.dropout(F.relu(self.linear1(x)), self.p, training=self.training)
        return self.linear2(hidden)


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, num_heads)
        self.feed_forward = FeedForward(d_model, hidden_dim, dropout)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-5)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-5)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        def attention_block(inputs):
            attended, _ = self.self_attention(inputs, inputs, inputs, mask)
            return self.dropout1(attended)

        def feed_forward_block(inputs):
            return self.dropout2(self.feed_forward(inputs))

        x = self.norm1(x + attention_block(x))
        return self.norm2(x + feed_forward_block(x))
