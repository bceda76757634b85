# Correct: a richer Vocab with extra methods and properties the course does not ask for.
from collections import Counter


def tokenize_text(text):
    return list(str.lower(text))


class Vocab:
    def __init__(self, counter, specials=("<pad>", "<unk>"), min_freq=1):
        self.specials = tuple(specials)
        ordered = sorted((t for t, c in counter.items() if c >= min_freq and t not in specials),
                         key=lambda t: (-counter[t], t))
        self.itos = [*self.specials, *ordered]
        self.stoi = dict(zip(self.itos, range(len(self.itos))))

    @property
    def unk_index(self):
        return self.stoi["<unk>"]

    @classmethod
    def from_text(cls, text):
        return cls(Counter(tokenize_text(text)))

    def __len__(self):
        return len(self.itos)

    def __iter__(self):
        return iter(self.itos)

    def __getitem__(self, token):
        return self.stoi.get(token, self.unk_index)

    def __contains__(self, token):
        return token in self.stoi

    def lookup_token(self, index):
        if isinstance(index, int) and 0 <= index < len(self):
            return self.itos[index]
        raise IndexError(f"{index} is not a valid id")

    def encode(self, text):
        return [self[t] for t in tokenize_text(text)]

    def decode(self, ids):
        return "".join(self.lookup_token(int(i)) for i in ids)
