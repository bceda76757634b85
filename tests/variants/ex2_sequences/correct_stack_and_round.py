# Correct: one stack of (seq_length + 1)-long chunks, split into inputs and targets; a dataset that
# slices a tensor; split_ids with round().
import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = ids.long() if torch.is_tensor(ids) else torch.tensor(ids, dtype=torch.long)
    if ids.numel() < seq_length + 1:
        raise ValueError(f"{ids.numel()} ids cannot hold a window of {seq_length} plus a target")
    chunks = torch.stack([ids[start:start + seq_length + 1]
                          for start in range(ids.numel() - seq_length)])
    return chunks[:, :-1], chunks[:, 1:]


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        super().__init__()
        self.tokens = ids.long() if torch.is_tensor(ids) else torch.tensor(ids, dtype=torch.long)
        self.seq_length = seq_length

    def __len__(self):
        return self.tokens.numel() - self.seq_length

    def __getitem__(self, index):
        chunk = self.tokens[index:index + self.seq_length + 1]
        return chunk[:-1], chunk[1:]


def split_ids(ids, val_fraction=0.1):
    n_train = round(len(ids) * (1 - val_fraction))
    return ids[:n_train], ids[n_train:]
