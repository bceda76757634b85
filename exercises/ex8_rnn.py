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
        # TODO Step 1: one learned vector of embed_dim numbers per character.
        # TODO Step 2: the LSTM, batch_first=True so that it reads (B, T, embed_dim) like every other layer.
        # TODO Step 3: from the hidden state at each step to one score per character.
        raise NotImplementedError("TODO: write CharRNN.__init__")

    def forward(self, ids):
        """(B, T) character ids -> (B, T, vocab_size) logits for the next character."""
        # TODO Step 1: characters to vectors, (B, T) -> (B, T, embed_dim).
        # TODO Step 2: run the LSTM along time; keep `output` (B, T, hidden_dim) of (output, (h_n, c_n)).
        # TODO Step 3: one score per character at every step.
        raise NotImplementedError("TODO: write CharRNN.forward")


def count_parameters(model):
    """The number of numbers the model learns: the sum of numel() over model.parameters()."""
    # TODO Step 1: count every element of every parameter tensor (buffers are not parameters).
    raise NotImplementedError("TODO: write count_parameters")


def validation_loss(model, val_ids, seq_length, batch_size=64):
    """Mean cross-entropy per character (nats) of `model` on `val_ids`, as in exercise 6.

    The text is cut into consecutive, non-overlapping windows: inputs val_ids[s : s+seq_length],
    targets shifted by one, for s = 0, seq_length, 2*seq_length, ...; the last window is shorter
    when the text does not divide evenly. Every character after the first is predicted exactly
    once, and each counts the same. Eval mode, no autograd; the model's mode is restored after.
    """
    # TODO Step 1: the full windows, stacked into (windows, seq_length) and scored a batch at a time.
    # TODO Step 2: the shorter last window, if the text does not divide evenly.
    # TODO Step 3: divide the sum once by the number of characters, so that each counts the same.
    raise NotImplementedError("TODO: write validation_loss")


def compare(models, val_ids, seq_length):
    """Measure every model on the same validation text.

    models: {name: nn.Module}, each taking (B, T) ids and returning (B, T, vocab_size) logits.
    Returns {name: {"parameters": int, "val_loss": float, "bits_per_char": float}}: the number of
    parameters, the mean cross-entropy per character in nats over the consecutive windows of
    val_ids (eval mode, no autograd), and the same loss in bits, val_loss / ln 2.
    """
    # TODO Step 1: the size and the loss of this model.
    # TODO Step 2: a nat is 1 / ln 2 bits, so bits = nats / ln 2.
    raise NotImplementedError("TODO: write compare")
