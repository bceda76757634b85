# mistake: CharDataset keeps the ids but rebuilds every window on each access
# expect: CharDataset materialises every window

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = [int(t) for t in ids]
    if len(ids) <= seq_length:
        raise ValueError(f"need more than {seq_length} ids, got {len(ids)}")
    inputs, targets = [], []
    for i in range(len(ids) - seq_length):
        inputs.append(ids[i:i + seq_length])
        targets.append(ids[i + 1:i + seq_length + 1])
    return torch.tensor(inputs, dtype=torch.long), torch.tensor(targets, dtype=torch.long)


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        self.ids = list(ids)
        self.seq_length = seq_length

    def __len__(self):
        return len(self.ids) - self.seq_length

    def __getitem__(self, i):
        X, y = create_sequences(self.ids, self.seq_length)
        return X[i], y[i]


def split_ids(ids, val_fraction=0.1):
    n_val = int(len(ids) * val_fraction)
    return ids[:len(ids) - n_val], ids[len(ids) - n_val:]
