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
    raise NotImplementedError("TODO: write tokenize_text")


class Vocab:
    """A two-way mapping between tokens and integer ids, built from a Counter of tokens.

    Ids are given in this order: the specials first, in the order given (`<pad>` = 0,
    `<unk>` = 1 by default), then the other tokens by descending count, ties broken by
    ascending character. `vocab[token]` gives the id of `<unk>` for a token it has never seen.
    """

    def __init__(self, counter, specials=("<pad>", "<unk>")):
        """Build the id order from `counter` (a collections.Counter) and `specials`."""
        # TODO Step 1: the specials take the first ids, in the order given.
        # TODO Step 2: the other tokens follow, most frequent first, ties by character.
        # TODO Step 3: the reverse mapping, token -> id, and the id used for unknown tokens.
        raise NotImplementedError("TODO: write Vocab.__init__")

    def __len__(self):
        """The number of tokens, specials included."""
        raise NotImplementedError("TODO: write Vocab.__len__")

    def __getitem__(self, token):
        """The id of `token`; the id of `<unk>` if the token is unknown (never a KeyError)."""
        raise NotImplementedError("TODO: write Vocab.__getitem__")

    def __contains__(self, token):
        """True if `token` has an id of its own."""
        raise NotImplementedError("TODO: write Vocab.__contains__")

    def lookup_token(self, index):
        """The token whose id is `index`; IndexError if there is no such id."""
        raise NotImplementedError("TODO: write Vocab.lookup_token")

    def encode(self, text):
        """Tokenize `text`, then look up every token: a list of ids."""
        raise NotImplementedError("TODO: write Vocab.encode")

    def decode(self, ids):
        """Join the tokens of `ids` back into a string."""
        raise NotImplementedError("TODO: write Vocab.decode")
