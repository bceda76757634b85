# correct: the causal mask is made once and kept as a (non-persistent) buffer, sliced to T in
# forward; the positional table is also a non-persistent buffer, with the default 5000 rows
import torch
import torch.nn as nn

from ex3_attention import causal_mask
from ex4_encoder import TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000, dropout=0.0):
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float64)[:, None]
        i = torch.arange(d_model // 2, dtype=torch.float64)[None, :]
        angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), 2 * i / d_model)
        pe = torch.empty(max_len, d_model)
        pe[:, ::2] = angle.sin().float()
        pe[:, 1::2] = angle.cos().float()
        self.register_buffer("pe", pe, persistent=False)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(x + self.pe[: x.shape[-2]].unsqueeze(0))


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1, **unused):
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positional_encoding = PositionalEncoding(d_model, dropout=dropout)
        self.layers = nn.ModuleList(
            [TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]
        )
        self.lm_head = nn.Linear(d_model, vocab_size)
        self.register_buffer("mask", causal_mask(max_len), persistent=False)

    def forward(self, ids):
        T = ids.size(-1)
        if T > self.max_len:
            raise ValueError(f"got {T} tokens but the model was built for at most {self.max_len}")
        h = self.positional_encoding(self.embedding(ids))
        mask = self.mask[:T, :T]
        for block in self.layers:
            h = block(h, mask)
        return self.lm_head(h)
