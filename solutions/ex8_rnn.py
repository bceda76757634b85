# Reference solution for exercise 8. `learn reset 8` builds the stub from this file.
"""Exercise 8 · rnn: an RNN baseline.

Before Transformers, character models were recurrent: an LSTM reads the text one character at a
time and carries what it has seen in a small state. Here you build one with the same interface as
your CharTransformer, so the same training loop trains both, and a `compare` that measures any
models on the same validation text. Read the lesson with `learn show 8`, fill in every TODO, then
run `learn check 8`.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    """A character language model built on an LSTM.

    Three parts: `embedding` (nn.Embedding(vocab_size, embed_dim)), `rnn` (an
    nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True), with `dropout` between its
    layers) and `lm_head` (nn.Linear(hidden_dim, vocab_size)).
    forward(ids (B, T) long) -> logits (B, T, vocab_size), like CharTransformer: the logits at
    position t depend on ids[:, :t+1] only, because the LSTM only ever reads forwards.
    It may also set `max_len` to a large number, so that exercise 7's `generate` can sample from it.
    """

    def __init__(self, vocab_size, embed_dim=64, hidden_dim=256, num_layers=1, dropout=0.0):
        """Make the embedding, the LSTM and the output layer."""
        super().__init__()
        # Step 1: one learned vector of embed_dim numbers per character.
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        # Step 2: the LSTM, batch_first=True so that it reads (B, T, embed_dim) like every other layer.
        # PyTorch applies its dropout between stacked layers only, so a single layer gets none.
        self.rnn = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0.0)
        # Step 3: from the hidden state at each step to one score per character.
        self.lm_head = nn.Linear(hidden_dim, vocab_size)
        # An RNN has no longest context; a large max_len lets exercise 7's sampler, which crops
        # the context to model.max_len, work with it unchanged.
        self.max_len = 1_000_000

    def forward(self, ids):
        """(B, T) character ids -> (B, T, vocab_size) logits for the next character."""
        # Step 1: characters to vectors, (B, T) -> (B, T, embed_dim).
        x = self.embedding(ids)
        # Step 2: run the LSTM along time; keep `output` (B, T, hidden_dim) of (output, (h_n, c_n)).
        # `output` holds the top layer's hidden state at every step; the final states h_n and c_n
        # are not needed here.
        output, _ = self.rnn(x)
        # Step 3: one score per character at every step.
        return self.lm_head(output)


def count_parameters(model):
    """The number of numbers the model learns: the sum of numel() over model.parameters()."""
    # Step 1: count every element of every parameter tensor (buffers are not parameters).
    return sum(parameter.numel() for parameter in model.parameters())


def validation_loss(model, val_ids, seq_length, batch_size=64):
    """Mean cross-entropy per character (nats) of `model` on `val_ids`, as in exercise 6.

    The text is cut into consecutive, non-overlapping windows: inputs val_ids[s : s+seq_length],
    targets shifted by one, for s = 0, seq_length, 2*seq_length, ...; the last window is shorter
    when the text does not divide evenly. Every character after the first is predicted exactly
    once, and each counts the same. Eval mode, no autograd; the model's mode is restored after.
    """
    ids = torch.as_tensor(val_ids, dtype=torch.long, device=next(model.parameters()).device)
    predicted = len(ids) - 1  # every character but the first is a target
    full_windows = predicted // seq_length
    tail_start = full_windows * seq_length
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        # Step 1: the full windows, stacked into (windows, seq_length) and scored a batch at a time.
        inputs = ids[:tail_start].view(full_windows, seq_length)
        targets = ids[1:tail_start + 1].view(full_windows, seq_length)
        for first in range(0, full_windows, batch_size):
            logits = model(inputs[first:first + batch_size])
            batch_targets = targets[first:first + batch_size]
            total += F.cross_entropy(logits.flatten(0, 1), batch_targets.flatten(), reduction="sum").item()
        # Step 2: the shorter last window, if the text does not divide evenly.
        if tail_start < predicted:
            logits = model(ids[tail_start:-1].unsqueeze(0))
            total += F.cross_entropy(logits[0], ids[tail_start + 1:], reduction="sum").item()
    model.train(was_training)
    # Step 3: divide the sum once by the number of characters, so that each counts the same.
    return total / predicted


def compare(models, val_ids, seq_length):
    """Measure every model on the same validation text.

    models: {name: nn.Module}, each taking (B, T) ids and returning (B, T, vocab_size) logits.
    Returns {name: {"parameters": int, "val_loss": float, "bits_per_char": float}}: the number of
    parameters, the mean cross-entropy per character in nats over the consecutive windows of
    val_ids (eval mode, no autograd), and the same loss in bits, val_loss / ln 2.
    """
    results = {}
    for name, model in models.items():
        # Step 1: the size and the loss of this model.
        loss = validation_loss(model, val_ids, seq_length)
        # Step 2: a nat is 1 / ln 2 bits, so bits = nats / ln 2.
        results[name] = {"parameters": count_parameters(model), "val_loss": loss,
                         "bits_per_char": loss / math.log(2)}
    return results


if __name__ == "__main__":
    model = CharRNN(vocab_size=30, embed_dim=16, hidden_dim=32)
    ids = torch.randint(2, 30, (2, 10))
    print(model(ids).shape)
    print(compare({"rnn": model}, torch.randint(2, 30, (200,)), seq_length=16))
