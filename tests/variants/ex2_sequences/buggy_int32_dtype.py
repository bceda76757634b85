# mistake: the windows are int32 to save memory; the course asks for torch.long
# expect: dtype torch.int32

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
    return torch.tensor(inputs, dtype=torch.int32), torch.tensor(targets, dtype=torch.int32)


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
