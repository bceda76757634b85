# Reference solution for exercise 1. `learn reset 1` builds the stub from this file.
"""Exercise 1 · tokenize: characters and a vocabulary.

Turn text into the integers a model can read. Read the lesson with `learn show 1`, fill in every
TODO, then run `learn check 1`.
"""

from collections import Counter


def tokenize_text(text):
    """Split `text` into tokens: lower-cased, one token per character.

    Every character counts, spaces, newlines and punctuation included:
    tokenize_text("Hi, Bo!") == ["h", "i", ",", " ", "b", "o", "!"]
    """
    return list(text.lower())


class Vocab:
    """A two-way mapping between tokens and integer ids, built from a Counter of tokens.

    Ids are given in this order: the specials first, in the order given (`<pad>` = 0,
    `<unk>` = 1 by default), then the other tokens by descending count, ties broken by
    ascending character. `vocab[token]` gives the id of `<unk>` for a token it has never seen.
    """

    def __init__(self, counter, specials=("<pad>", "<unk>")):
        """Build the id order from `counter` (a collections.Counter) and `specials`."""
        # Step 1: the specials take the first ids, in the order given.
        self.itos = list(specials)
        # Step 2: the other tokens follow, most frequent first, ties by character.
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        self.itos += [token for token, _ in ranked if token not in specials]
        # Step 3: the reverse mapping, token -> id, and the id used for unknown tokens.
        self.stoi = {token: index for index, token in enumerate(self.itos)}
        self.unk_index = self.stoi.get("<unk>")

    def __len__(self):
        """The number of tokens, specials included."""
        return len(self.itos)

    def __getitem__(self, token):
        """The id of `token`; the id of `<unk>` if the token is unknown (never a KeyError)."""
        return self.stoi.get(token, self.unk_index)

    def __contains__(self, token):
        """True if `token` has an id of its own."""
        return token in self.stoi

    def lookup_token(self, index):
        """The token whose id is `index`; IndexError if there is no such id."""
        if not 0 <= index < len(self.itos):
            raise IndexError(f"no token has id {index}; ids run from 0 to {len(self.itos) - 1}")
        return self.itos[index]

    def encode(self, text):
        """Tokenize `text`, then look up every token: a list of ids."""
        return [self[token] for token in tokenize_text(text)]

    def decode(self, ids):
        """Join the tokens of `ids` back into a string."""
        return "".join(self.lookup_token(int(index)) for index in ids)


if __name__ == "__main__":
    vocab = Vocab(Counter(tokenize_text("the cat sat on the mat")))
    print(len(vocab), vocab.encode("the rat"), vocab.decode(vocab.encode("the rat")))
