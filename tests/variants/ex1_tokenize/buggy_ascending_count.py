# mistake: sorts by ascending count, rarest first
# expect: ascending count

def tokenize_text(text):
    return list(text.lower())


class Vocab:
    def __init__(self, counter, specials=("<pad>", "<unk>")):
        self.itos = list(specials)
        ranked = sorted(counter.items(), key=lambda kv: (kv[1], kv[0]))
        self.itos += [t for t, _ in ranked if t not in specials]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def __getitem__(self, token):
        return self.stoi.get(token, self.stoi["<unk>"])

    def __contains__(self, token):
        return token in self.stoi

    def lookup_token(self, index):
        if not 0 <= index < len(self.itos):
            raise IndexError(index)
        return self.itos[index]

    def encode(self, text):
        return [self[t] for t in tokenize_text(text)]

    def decode(self, ids):
        return "".join(self.lookup_token(i) for i in ids)