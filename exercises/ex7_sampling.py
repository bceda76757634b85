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
    # TODO Step 1: remember the model's mode, then switch to eval mode (no dropout while writing).
    # TODO Step 2: the prompt as ids, and the ids of the two tokens the model must never write.
    # TODO Step 3: no autograd while sampling: nothing will be trained, so build no graph.
    # TODO Step 4: the context is the last max_len ids, as a batch of one: (1, T).
    # TODO Step 5: the logits at the LAST position predict the next character, (V,).
    # TODO Step 6: <pad> and <unk> can never be picked: their logits become -inf.
    # TODO Step 7: temperature 0 is greedy: the most likely character, no sampling.
    # TODO Step 8: divide by the temperature, keep the top_k best, sample one id.
    # TODO Step 9: the new character joins the context of the next step.
    # TODO Step 10: leave the model in the mode it was in.
    raise NotImplementedError("TODO: write generate")
