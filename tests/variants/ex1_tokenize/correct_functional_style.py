# Correct: builds the order with functools.cmp_to_key and stores the ids in a single list.
import functools


def tokenize_text(text):
    out = []
    for ch in text:
        out.append(ch.lower())
    return out


def _compare(a, b):
    (token_a, count_a), (token_b, count_b) = a, b
    if count_a != count_b:
        return count_b - count_a
    return (token_a > token_b) - (token_a < token_b)


class Vocab:
    def __init__(self, counter, specials=("<pad>", "<unk>")):
        ranked = sorted(counter.items(), key=functools.cmp_to_key(_compare))
        self.tokens = list(specials)
        for token, _ in ranked:
            if token not in self.tokens:
                self.tokens.append(token)
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self):
        return len(self.tokens)

    def __getitem__(self, token):
        if token in self.index:
            return self.index[token]
        return self.index["<unk>"]

    def __contains__(self, token):
        return token in self.index

    def lookup_token(self, index):
        if index >= len(self.tokens) or index < 0:
            raise IndexError("no such id")
        return self.tokens[index]

    def encode(self, text):
        return [self[token] for token in tokenize_text(text)]

    def decode(self, ids):
        return "".join(self.lookup_token(i) for i in ids)
