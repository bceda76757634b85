"""`learn attention TEXT`: what the trained model looks at, for every layer and head.

The attention weights are read with forward hooks on each layer's `self_attention`, whose
forward returns `(output, weights)` by the contract of exercise 3; nothing in the model is
changed. The picture has one heatmap per layer and head, with the characters of TEXT on both
axes (queries down, keys across).
"""

from __future__ import annotations

from pathlib import Path

import torch

SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def shown(character: str) -> str:
    return SHOWN.get(character, character)


def attention_maps(model, vocab, text: str) -> tuple[str, list[torch.Tensor]]:
    """(the text actually used, one (heads, T, T) tensor of weights per layer)."""
    limit = int(getattr(model, "max_len", len(text)))
    used = text[-limit:]
    ids = torch.tensor([vocab.encode(used)], dtype=torch.long)
    maps: list[torch.Tensor] = []
    hooks = []
    for layer in model.layers:
        def keep(_module, _inputs, output):
            weights = output[1] if isinstance(output, tuple) else None
            if weights is not None:
                maps.append(weights.detach()[0].float().cpu())
        hooks.append(layer.self_attention.register_forward_hook(keep))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(ids)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    if len(maps) != len(model.layers):
        raise ValueError("the model's attention did not return its weights (exercise 3's forward "
                         "returns (output, weights))")
    return used, maps


def strongest(text: str, maps: list[torch.Tensor], count: int = 5) -> list[list[tuple[int, str, float]]]:
    """Per layer, the `count` positions the last character attends to most (averaged over heads)."""
    found = []
    for weights in maps:
        last = weights[:, -1, :].mean(dim=0)
        values, positions = last.topk(min(count, last.numel()))
        found.append([(int(p), text[int(p)], float(v)) for v, p in zip(values, positions)])
    return found


def plot(path: Path, text: str, maps: list[torch.Tensor]) -> Path:
    from grader.charts import pyplot, save

    plt = pyplot()
    layers, heads = len(maps), maps[0].shape[0]
    size = max(2.6, min(6.0, 0.16 * len(text) + 1.2))
    figure, axes = plt.subplots(layers, heads, figsize=(size * heads, size * layers), dpi=100, squeeze=False)
    labels = [shown(c) for c in text]
    for layer in range(layers):
        for head in range(heads):
            axis = axes[layer][head]
            axis.imshow(maps[layer][head].numpy(), cmap="viridis", vmin=0.0, vmax=1.0)
            axis.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=9)
            if len(text) <= 64:
                axis.set_xticks(range(len(text)), labels, fontsize=6)
                axis.set_yticks(range(len(text)), labels, fontsize=6)
            else:
                axis.set_xticks([])
                axis.set_yticks([])
            axis.set_xlabel("attends to (key)", fontsize=7)
            axis.set_ylabel("character (query)", fontsize=7)
    figure.suptitle(f"attention over {text[:40]!r}{'...' if len(text) > 40 else ''}", fontsize=10)
    return save(figure, path)
