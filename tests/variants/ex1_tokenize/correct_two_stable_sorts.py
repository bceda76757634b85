# Correct: orders tokens with two stable sorts instead of one tuple key, and keeps two dicts.

def tokenize_text(text):
    return [character for character in text.lower()]


class Vocab:
    def __init__(self, counter, specials=("<pad>", "<unk>")):
        alphabetical = sorted(counter)
        by_count = sorted(alphabetical, key=lambda token: counter[token], reverse=True)
        tokens = list(specials) + [t for t in by_count if t not in specials]
        self.token_to_id = {}
        self.id_to_token = {}
        for token in tokens:
            self.id_to_token[len(self.token_to_id)] = token
            self.token_to_id[token] = len(self.token_to_id)

    def __len__(self):
        return len(self.token_to_id)

    def __getitem__(self, token):
        try:
            return self.token_to_id[token]
        except KeyError:
            return self.token_to_id["<unk>"]

    def __contains__(self, token):
        return token in self.token_to_id

    def lookup_token(self, index):
        if index not in self.id_to_token:
            raise IndexError(f"id {index} out of range")
        return self.id_to_token[index]

    def encode(self, text):
        return list(map(self.__getitem__, tokenize_text(text)))

    def decode(self, ids):
        return "".join(map(self.lookup_token, ids))
