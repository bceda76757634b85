# Correct: the dataset keeps the ids in a compact array.array (8 bytes each) and converts one window
# at a time; create_sequences fills a preallocated tensor row by row.
from array import array

import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    values = torch.as_tensor(ids, dtype=torch.long)
    rows = values.numel() - seq_length
    if rows <= 0:
        raise ValueError("not enough text for one input/target window")
    X = torch.empty(rows, seq_length, dtype=torch.long)
    y = torch.empty(rows, seq_length, dtype=torch.long)
    for row in range(rows):
        X[row] = values[row:row + seq_length]
        y[row] = values[row + 1:row + seq_length + 1]
    return X, y


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        source = ids.tolist() if torch.is_tensor(ids) else ids
        self.ids = array("q", source)
        self.seq_length = seq_length

    def __len__(self):
        return len(self.ids) - self.seq_length

    def __getitem__(self, index):
        window = torch.tensor(self.ids[index:index + self.seq_length + 1], dtype=torch.long)
        return window[:-1], window[1:]


def split_ids(ids, val_fraction=0.1):
    boundary = len(ids) - int(len(ids) * val_fraction + 0.5)
    return ids[:boundary], ids[boundary:]
