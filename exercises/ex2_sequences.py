"""Exercise 2 · sequences: inputs and targets.

Turn one long list of ids into training examples: windows of `seq_length` ids, each paired with
the same window moved one character to the right, so that every position learns to predict the
character that follows it. Then serve those windows lazily, and keep the end of the text apart
for validation. Read the lesson with `learn show 2`, fill in every TODO, then run `learn check 2`.
"""

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    """Every window of `seq_length` ids and its targets, as a pair of tensors `(X, y)`.

    `ids` is a list or a 1-D tensor of token ids. Window i starts at position i:
    X[i] = ids[i : i + seq_length] and y[i] = ids[i + 1 : i + seq_length + 1], for every i in
    range(len(ids) - seq_length). X and y are torch.long tensors of shape
    (len(ids) - seq_length, seq_length). Raises ValueError when `ids` is too short for even one
    window (one window needs seq_length + 1 ids).

    create_sequences([5, 6, 7, 8, 9], 3) gives
        X = tensor([[5, 6, 7], [6, 7, 8]]),  y = tensor([[6, 7, 8], [7, 8, 9]])
    """
    # TODO Step 1: one 1-D long tensor, whether `ids` came as a list or as a tensor.
    # TODO Step 2: count the windows; refuse a text too short for even one.
    # TODO Step 3: a window starts at every position i = 0, 1, ..., num_windows - 1.
    # TODO Step 4: the targets are the same windows moved one id to the right.
    raise NotImplementedError("TODO: write create_sequences")


class CharDataset(Dataset):
    """The windows of `create_sequences`, cut from the text only when one is asked for.

    ds[i] == (X[i], y[i]): two torch.long tensors of shape (seq_length,), and
    len(ds) == len(ids) - seq_length. The dataset keeps the ids and nothing else, so its memory
    grows with len(ids), not with len(ids) * seq_length. A DataLoader batches its windows.
    """

    def __init__(self, ids, seq_length):
        """Keep the text as one long tensor; cut no window yet."""
        # TODO Step 1: one long tensor of ids (from a list or a tensor): all the dataset holds.
        raise NotImplementedError("TODO: write CharDataset.__init__")

    def __len__(self):
        """The number of windows: one per start position, as in create_sequences."""
        raise NotImplementedError("TODO: write CharDataset.__len__")

    def __getitem__(self, index):
        """Window `index` and its targets: two slices of the long tensor, made on demand."""
        # TODO Step 1: past the end, raise IndexError: a plain `for x, y in dataset` loop stops on it.
        # TODO Step 2: the inputs start at `index`, the targets one id later.
        raise NotImplementedError("TODO: write CharDataset.__getitem__")


def split_ids(ids, val_fraction=0.1):
    """Cut the text in two, `(train_ids, val_ids)`: the beginning trains, the end validates.

    The split is contiguous, never shuffled: `train_ids` is the beginning of `ids`, `val_ids` its
    last `val_fraction` (about len(ids) * val_fraction ids), and no position is in both. Each
    part is a slice of `ids`, so a list gives lists and a tensor gives tensors.
    """
    # TODO Step 1: where validation begins: the last val_fraction of the text is kept for it.
    # TODO Step 2: everything before that point trains, everything from it on validates.
    raise NotImplementedError("TODO: write split_ids")
