# mistake: range(len(ids) - seq_length + 1): the last window runs past the text and comes out short
# expect: window too many
# expect: shorter than the others

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = torch.as_tensor(ids, dtype=torch.long)
    if len(ids) <= seq_length:
        raise ValueError("text too short for one window")
    starts = range(len(ids) - seq_length + 1)
    X = torch.stack([ids[s:s + seq_length] for s in starts])
    y = torch.stack([ids[s + 1:s + 1 + seq_length] for s in starts])
    return X, y


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        self.data = torch.tensor([int(t) for t in ids], dtype=torch.long)
        self.seq_length = seq_length

    def __len__(self):
        return len(self.data) - self.seq_length

    def __getitem__(self, i):
        chunk = self.data[i:i + self.seq_length + 1]
        return chunk[:-1], chunk[1:]


def split_ids(ids, val_fraction=0.1):
    n_val = int(len(ids) * val_fraction)
    return ids[:len(ids) - n_val], ids[len(ids) - n_val:]
