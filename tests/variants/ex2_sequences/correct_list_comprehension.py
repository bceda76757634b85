# Correct: list comprehensions of Python lists turned into tensors at the end; the dataset keeps a
# plain Python list and builds each window's tensors on demand; split_ids rounds the validation
# size up with math.ceil.
import math

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = ids.tolist() if torch.is_tensor(ids) else list(ids)
    n = len(ids) - seq_length
    if n <= 0:
        raise ValueError(f"need at least {seq_length + 1} ids, got {len(ids)}")
    X = [ids[i:i + seq_length] for i in range(n)]
    y = [ids[i + 1:i + 1 + seq_length] for i in range(n)]
    return torch.tensor(X, dtype=torch.long), torch.tensor(y, dtype=torch.long)


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        self.ids = ids.tolist() if torch.is_tensor(ids) else list(ids)
        self.seq_length = seq_length

    def __len__(self):
        return len(self.ids) - self.seq_length

    def __getitem__(self, i):
        if i < 0 or i >= len(self):
            raise IndexError(i)
        x = torch.tensor(self.ids[i:i + self.seq_length], dtype=torch.long)
        y = torch.tensor(self.ids[i + 1:i + 1 + self.seq_length], dtype=torch.long)
        return x, y


def split_ids(ids, val_fraction=0.1):
    n_val = math.ceil(len(ids) * val_fraction)
    split = len(ids) - n_val
    return list(ids[:split]), list(ids[split:])
