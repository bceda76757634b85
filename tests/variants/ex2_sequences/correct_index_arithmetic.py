# Correct: every window gathered at once with a grid of indices (starts + offsets); the dataset has
# extra keyword arguments and attributes and accepts negative indices; split_ids always returns
# tensors, made with torch.split.
import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length, *, step=1):
    ids = torch.as_tensor(ids, dtype=torch.long)
    count = len(ids) - seq_length
    if count < 1:
        raise ValueError(f"too short: {len(ids)} ids, windows of {seq_length}")
    grid = torch.arange(0, count, step).unsqueeze(1) + torch.arange(seq_length).unsqueeze(0)
    return ids[grid], ids[grid + 1]


class CharDataset(Dataset):
    def __init__(self, ids, seq_length, device=None, name="train"):
        self.name = name
        self.seq_length = seq_length
        self.ids = torch.as_tensor(ids, dtype=torch.long, device=device)
        self.offsets = torch.arange(seq_length, device=device)

    def __len__(self):
        return max(0, self.ids.numel() - self.seq_length)

    def __getitem__(self, index):
        index = int(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"window {index} out of range")
        positions = self.offsets + index
        return self.ids[positions], self.ids[positions + 1]

    def __repr__(self):
        return f"CharDataset({self.name}, {len(self)} windows of {self.seq_length})"


def split_ids(ids, val_fraction=0.1):
    ids = torch.as_tensor(ids)
    n_val = int(round(ids.numel() * val_fraction))
    train, val = torch.split(ids, [ids.numel() - n_val, n_val])
    return train, val
