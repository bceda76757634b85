# Reference solution for exercise 7. `learn reset 7` builds the stub from this file.
"""Exercise 7 · sampling: sampling text.

Make a trained model write: feed it a prompt, read its prediction for the next character, pick
one, append it, and repeat. Temperature and top-k decide how bold each pick is. Read the lesson
with `learn show 7`, fill in every TODO, then run `learn check 7`.
"""

import torch


def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None):
    """Write `length` new characters after `prompt`; return the new characters only.

    model: any nn.Module with an attribute `max_len` whose forward(ids (1, T) long) returns
    logits (1, T, len(vocab)), the logits at position t predicting the character after ids[t].
    vocab: exercise 1's Vocab (encode, decode, vocab["<pad>"], vocab["<unk>"]).
    Each step feeds the model the last `model.max_len` ids (prompt and new characters so far)
    and picks the next character from the logits at the last position:
    - temperature == 0: the most likely character (greedy, no randomness);
    - otherwise: sample from softmax(logits / temperature), keeping only the `top_k` most likely
      characters when top_k is given, with torch.multinomial(..., generator=generator), so that
      the same seed gives the same text.
    `<pad>` and `<unk>` are never picked. The model runs in eval mode without autograd, and is
    left in the mode it was in before.
    """
    # Step 1: remember the model's mode, then switch to eval mode (no dropout while writing).
    was_training = model.training
    model.eval()
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else None
    # Step 2: the prompt as ids, and the ids of the two tokens the model must never write.
    ids = vocab.encode(prompt)
    banned = [vocab["<pad>"], vocab["<unk>"]]
    new_ids = []
    try:
        # Step 3: no autograd while sampling: nothing will be trained, so build no graph.
        with torch.no_grad():
            for _ in range(length):
                # Step 4: the context is the last max_len ids, as a batch of one: (1, T).
                context = torch.tensor([ids[-model.max_len:]], dtype=torch.long, device=device)
                # Step 5: the logits at the LAST position predict the next character, (V,).
                # (Moved to the CPU, where the generator lives; V is small.)
                logits = model(context)[0, -1].float().cpu()
                # Step 6: <pad> and <unk> can never be picked: their logits become -inf.
                logits[banned] = float("-inf")
                # Step 7: temperature 0 is greedy: the most likely character, no sampling.
                if temperature == 0:
                    next_id = int(logits.argmax())
                else:
                    # Step 8: divide by the temperature, keep the top_k best, sample one id.
                    logits = logits / temperature
                    if top_k is not None:
                        kth_best = torch.topk(logits, min(top_k, logits.numel())).values[-1]
                        logits = logits.masked_fill(logits < kth_best, float("-inf"))
                    probs = torch.softmax(logits, dim=-1)
                    next_id = int(torch.multinomial(probs, 1, generator=generator))
                # Step 9: the new character joins the context of the next step.
                ids.append(next_id)
                new_ids.append(next_id)
    finally:
        # Step 10: leave the model in the mode it was in.
        model.train(was_training)
    return vocab.decode(new_ids)


if __name__ == "__main__":
    from collections import Counter

    from torch import nn

    from ex1_tokenize import Vocab, tokenize_text

    class Bigram(nn.Module):
        """A toy model: the logits for the next character depend on the current one only."""

        def __init__(self, vocab_size, max_len=16):
            super().__init__()
            self.max_len = max_len
            self.table = nn.Embedding(vocab_size, vocab_size)

        def forward(self, ids):
            return self.table(ids)

    vocab = Vocab(Counter(tokenize_text("the quick brown fox jumps over the lazy dog")))
    model = Bigram(len(vocab))
    for temperature in (0, 0.5, 1.0):
        text = generate(model, vocab, "the ", 30, temperature, top_k=5,
                        generator=torch.Generator().manual_seed(0))
        print(f"T={temperature}: {text!r}")
