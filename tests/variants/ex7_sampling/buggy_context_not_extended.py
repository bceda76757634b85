# mistake: the new ids are collected but never added to the context
# expect: not appended to the context

import torch


def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None):
    was_training = model.training
    model.eval()
    ids = vocab.encode(prompt)
    pad_id, unk_id = vocab["<pad>"], vocab["<unk>"]
    new_ids = []
    with torch.no_grad():
        for _ in range(length):
            x = torch.tensor([ids[-model.max_len:]], dtype=torch.long)
            logits = model(x)[0, -1]
            logits[pad_id] = float("-inf")
            logits[unk_id] = float("-inf")
            if temperature == 0:
                next_id = logits.argmax().item()
            else:
                logits = logits / temperature
                if top_k is not None:
                    values, _ = torch.topk(logits, top_k)
                    logits[logits < values[-1]] = float("-inf")
                probs = torch.softmax(logits, dim=-1)
                next_id = torch.multinomial(probs, 1, generator=generator).item()
            new_ids.append(next_id)
    model.train(was_training)
    return vocab.decode(new_ids)
