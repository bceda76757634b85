# Correct: a self-contained file with its own exercise-1 code, an extra keyword argument, the
# @torch.no_grad() decorator, float64 log-probabilities, and temperature <= 0 treated as greedy.
from collections import Counter

import torch


def tokenize_text(text):
    return list(text.lower())


class Vocab:
    def __init__(self, counter, specials=("<pad>", "<unk>")):
        ranked = sorted((t for t in counter if t not in specials), key=lambda t: (-counter[t], t))
        self.itos = [*specials, *ranked]
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
        return "".join(self.lookup_token(int(i)) for i in ids)


def pick_next(logits, temperature, top_k, generator):
    if temperature <= 0:
        return int(logits.argmax())
    log_probs = torch.log_softmax(logits.double(), dim=-1) / temperature
    if top_k is not None and top_k < log_probs.numel():
        cutoff = log_probs.kthvalue(log_probs.numel() - top_k + 1).values
        log_probs[log_probs < cutoff] = -float("inf")
    weights = torch.exp(log_probs - log_probs.max())
    return int(torch.multinomial(weights, 1, generator=generator)[0])


@torch.no_grad()
def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None,
             stop_at=None):
    previous_mode = model.training
    model.eval()
    ids = vocab.encode(prompt)
    new = []
    for _ in range(length):
        logits = model(torch.tensor(ids[-model.max_len:]).view(1, -1))[0, -1].clone()
        for special in ("<pad>", "<unk>"):
            logits[vocab[special]] = float("-inf")
        token = pick_next(logits, temperature, top_k, generator)
        ids.append(token)
        new.append(token)
        if stop_at is not None and vocab.lookup_token(token) == stop_at:
            break
    model.train(previous_mode)
    return vocab.decode(new)


if __name__ == "__main__":
    print(Vocab(Counter(tokenize_text("hello"))).encode("hello"))
