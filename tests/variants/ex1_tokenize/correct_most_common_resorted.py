# Correct: starts from most_common() but re-sorts it, and lets list indexing raise IndexError.
import collections


def tokenize_text(text: str) -> list[str]:
    lowered = text.casefold() if text.isascii() else text.lower()
    return list(lowered)


class Vocab:
    def __init__(self, counter: collections.Counter, specials=("<pad>", "<unk>")):
        pairs = counter.most_common()
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        self._tokens = [*specials, *(token for token, _ in pairs if token not in specials)]
        self._ids = collections.defaultdict(lambda: self._tokens.index("<unk>"))
        self._ids.update({token: i for i, token in enumerate(self._tokens)})

    def __len__(self):
        return len(self._tokens)

    def __getitem__(self, token):
        return self._ids[token] if token in self._ids else self._tokens.index("<unk>")

    def __contains__(self, token):
        return token in self._tokens

    def lookup_token(self, index):
        if index < 0:
            raise IndexError(index)
        return self._tokens[index]

    def encode(self, text):
        return [self[token] for token in tokenize_text(text)]

    def decode(self, ids):
        return "".join(self._tokens[int(i)] for i in ids)
