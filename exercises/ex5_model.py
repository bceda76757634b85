"""Exercise 5 · model: positions and the causal language model.

Put the pieces together into a whole language model: characters become vectors, every position
is stamped with its own sinusoidal signature, a stack of your encoder layers works on them under
a causal mask, and a last linear layer turns every position's vector into one score per
character of the vocabulary: the scores for the character that comes next. Read the lesson with
`learn show 5`, fill in every TODO, then run `learn check 5`.
"""

import torch
import torch.nn as nn

from ex3_attention import causal_mask
from ex4_encoder import TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    """Add a fixed sinusoidal signature of its position to every vector of a sequence.

    The table `pe`, shape (max_len, d_model) with d_model even, holds for position p and
    i = 0, 1, ..., d_model/2 - 1:
        pe[p, 2i]     = sin(p / 10000^(2i / d_model))
        pe[p, 2i + 1] = cos(p / 10000^(2i / d_model))
    It is a registered buffer: saved with the model and moved by .to(), but never trained.
    forward(x (B, T, d_model)) returns x + pe[:T] (the same rows for every sequence of the
    batch), then dropout; same shape as x.
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0):
        """Build the (max_len, d_model) table once and keep it as the buffer `pe`."""
        super().__init__()
        # TODO Step 1: the positions, a column (max_len, 1); a frequency 1 / 10000^(2i/d) per pair.
        # TODO Step 2: every position times every frequency: the angles, (max_len, d_model / 2).
        # TODO Step 3: sin on the even columns, cos on the odd ones.
        # TODO Step 4: a buffer, not a parameter: it belongs to the model but is never trained.
        raise NotImplementedError("TODO: write PositionalEncoding.__init__")

    def forward(self, x):
        """x (B, T, d_model) -> x + pe[:T], then dropout."""
        # TODO Step 1: the first T rows of the table, broadcast over the batch.
        # TODO Step 2: dropout (it does nothing in eval mode, or with dropout=0).
        raise NotImplementedError("TODO: write PositionalEncoding.forward")


class CharTransformer(nn.Module):
    """A character-level causal language model.

    ids (B, T) long -> embedding (B, T, d_model) -> + positional encoding -> num_layers encoder
    layers under a causal mask -> lm_head -> logits (B, T, vocab_size). The logits at position t
    are the scores for the character at t + 1 and depend on ids[:, :t+1] only. Parts:
    `embedding` (nn.Embedding), `positional_encoding` (PositionalEncoding), `layers` (an
    nn.ModuleList of TransformerEncoderLayer), `lm_head` (nn.Linear(d_model, vocab_size)) and the
    attribute `max_len`; an input longer than max_len raises a ValueError.
    """

    def __init__(self, vocab_size, d_model=128, num_heads=4, num_layers=2, hidden_dim=512,
                 max_len=256, dropout=0.1):
        """Make the embedding, the positional encoding, the stack of layers and the head."""
        super().__init__()
        # TODO Step 1: remember max_len; one learned vector of d_model numbers per character.
        # TODO Step 2: the positions, for sequences of up to max_len characters.
        # TODO Step 3: num_layers separate encoder layers: a new one each time, with its own weights.
        # TODO Step 4: from a position's vector to one score per character.
        raise NotImplementedError("TODO: write CharTransformer.__init__")

    def forward(self, ids):
        """ids (B, T) long -> logits (B, T, vocab_size), position t seeing ids[:, :t+1] only."""
        # TODO Step 1: refuse what the positional encoding cannot cover, with a message that says why.
        # TODO Step 2: characters to vectors, then add the positions.
        # TODO Step 3: the causal mask, on the same device as the input: no position sees the future.
        # TODO Step 4: every layer in turn, each one working on the previous one's output.
        # TODO Step 5: one score per character of the vocabulary, at every position.
        raise NotImplementedError("TODO: write CharTransformer.forward")
