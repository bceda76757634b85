# Correct: the context is a (1, T) tensor grown with torch.cat and cropped by slicing; masking with
# -1e9 through a bool mask; inference_mode; top-k sampling among the k best only, then mapped back.
import torch


def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None):
    was_training = model.training
    model.eval()
    ids = torch.tensor(vocab.encode(prompt), dtype=torch.long).unsqueeze(0)
    blocked = torch.zeros(len(vocab), dtype=torch.bool)
    blocked[[vocab["<pad>"], vocab["<unk>"]]] = True
    with torch.inference_mode():
        for _ in range(length):
            logits = model(ids[:, -model.max_len:])[:, -1, :]          # (1, V)
            logits = logits.masked_fill(blocked, -1e9)
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)          # (1, 1)
            elif top_k is not None:
                best, where = logits.topk(top_k, dim=-1)                # (1, k)
                pick = torch.multinomial(torch.softmax(best / temperature, dim=-1), 1,
                                         generator=generator)
                next_id = where.gather(-1, pick)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                next_id = torch.multinomial(probs, 1, generator=generator)
            ids = torch.cat([ids, next_id], dim=1)
    model.train(was_training)
    return vocab.decode(ids[0, -length:].tolist()) if length else ""
