# mistake: X unfolds the whole text, so it has one window more than y (its last window has no target)
# expect: one window too many
import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = torch.as_tensor(ids, dtype=torch.long)
    if len(ids) <= seq_length:
        raise ValueError("text too short")
    X = ids.unfold(0, seq_length, 1)
    y = ids[1:].unfold(0, seq_length, 1)
    return X, y


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        self.ids = torch.as_tensor(ids, dtype=torch.long)
        self.seq_length = seq_length

    def __len__(self):
        return len(self.ids) - self.seq_length

    def __getitem__(self, i):
        return self.ids[i:i + self.seq_length], self.ids[i + 1:i + 1 + self.seq_length]


def split_ids(ids, val_fraction=0.1):
    split = int(len(ids) * (1 - val_fraction))
    return ids[:split], ids[split:]
