# Correct: Tensor.unfold makes every window as a view; the dataset keeps the unfolded view (no
# copy) and indexes it; split_ids truncates with int().
import torch
from torch.utils.data import Dataset


def create_sequences(ids, seq_length):
    ids = torch.as_tensor(ids).to(torch.int64)
    if ids.shape[0] <= seq_length:
        raise ValueError("the text is too short for a single window")
    X = ids[:-1].unfold(0, seq_length, 1)
    y = ids[1:].unfold(0, seq_length, 1)
    return X.contiguous(), y.contiguous()


class CharDataset(Dataset):
    def __init__(self, ids, seq_length):
        self.windows = torch.as_tensor(ids).to(torch.int64).unfold(0, seq_length + 1, 1)

    def __len__(self):
        return self.windows.shape[0]

    def __getitem__(self, index):
        window = self.windows[index]
        return window[:-1], window[1:]


def split_ids(ids, val_fraction=0.1):
    cut = int(len(ids) * (1 - val_fraction))
    return ids[:cut], ids[cut:]
