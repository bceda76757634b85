# Correct: torch.topk + scatter into a row of -inf, the device read from the model's parameters,
# the mode restored in a finally block.
import torch


def generate(model, vocab, prompt, length, temperature=1.0, top_k=None, generator=None):
    device = next(model.parameters()).device
    banned = torch.tensor([vocab["<pad>"], vocab["<unk>"]])
    history = vocab.encode(prompt)
    written = []
    mode = model.training
    model.eval()
    try:
        with torch.no_grad():
            while len(written) < length:
                window = history[-model.max_len:]
                scores = model(torch.tensor(window, device=device).unsqueeze(0))
                scores = scores[:, -1, :].squeeze(0).cpu()
                scores.index_fill_(0, banned, float("-inf"))
                if temperature == 0:
                    choice = int(torch.argmax(scores))
                else:
                    scores = scores / temperature
                    if top_k is not None:
                        best, where = torch.topk(scores, top_k)
                        scores = torch.full_like(scores, float("-inf")).scatter(0, where, best)
                    choice = int(torch.multinomial(scores.softmax(-1), 1, generator=generator))
                history.append(choice)
                written.append(choice)
    finally:
        model.train(mode)
    return vocab.decode(written)
