# mistake: no length check: a too-short text ends in torch.stack's RuntimeError, not a ValueError
# expect: raised RuntimeError
# expect: it should raise ValueError

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = torch.as_tensor(ids, dtype=torch.long)
    count = len(ids) - seq_length
    X = torch.stack([ids[i:i + seq_length] for i in range(count)])
    y = torch.stack([ids[i + 1:i + 1 + seq_length] for i in range(count)])
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
