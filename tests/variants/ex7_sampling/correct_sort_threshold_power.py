# Correct: works on probabilities: the specials zeroed after the softmax, the temperature applied as
# probs ** (1 / T) and renormalised, top-k by sorting and thresholding, greedy with topk(1), and the
# context kept in a deque that crops itself.
from collections import deque

import torch


def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None):
    context = deque(vocab.encode(prompt), maxlen=model.max_len)
    specials = [vocab["<pad>"], vocab["<unk>"]]
    out = []
    training = model.training
    model.eval()
    with torch.no_grad():
        for step in range(length):
            logits = model(torch.tensor([list(context)]))
            probs = torch.softmax(logits[0, -1], dim=0)
            probs[specials] = 0.0
            if temperature == 0:
                token = torch.topk(probs, 1).indices.item()
            else:
                probs = probs ** (1.0 / temperature)
                if top_k:
                    threshold = probs.sort(descending=True).values[top_k - 1]
                    probs = torch.where(probs >= threshold, probs, torch.zeros_like(probs))
                probs = probs / probs.sum()
                token = torch.multinomial(probs, num_samples=1, generator=generator).item()
            context.append(token)
            out.append(token)
    if training:
        model.train()
    return "".join(vocab.lookup_token(t) for t in out)
