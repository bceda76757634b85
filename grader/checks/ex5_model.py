"""Hidden checks for exercise 5 · model.

The oracles:
- PositionalEncoding: the formula of "Attention Is All You Need", computed here in float64.
- CharTransformer: a model assembled in float64 from PyTorch's own pieces (nn.TransformerEncoderLayer,
  post-norm, ReLU, batch first) holding the learner's weights, fed the learner's embeddings plus the
  formula's positions. Scaling the embeddings by sqrt(d_model) is a choice the contract leaves open,
  so both the scaled and the unscaled model are accepted.
- Causality, the use of positions, the use of every layer and the length limit are judged by
  behaviour (change the future, repeat one character, perturb a layer, feed too much), so that any
  way of writing the model that behaves right passes.
- Learning: a tiny model must learn a 40-character text by heart with Adam (never the only check).

Every known mistake is recomputed on the same ids and the same weights, so that a failure names it.
Sizes differ from each other within a case (batch, length, vocabulary, d_model, hidden size), so
that a swapped axis cannot hide. The learner's parameters are all overwritten with values drawn from
a seeded generator, so every check is deterministic.

An input longer than max_len must be refused before any logits come back. Any exception is accepted
if it is a ValueError with a message, or if its message speaks of the length (max_len, length, too
long, exceed...). A crash deep inside the model (a broadcasting RuntimeError when pe[:T] has fewer
than T rows, an IndexError from a lookup) is not a clear error: the check fails and asks the learner
to compare T with max_len themselves at the start of forward. A PositionalEncoding that keeps `pe`
as a non-persistent buffer is accepted (it is a registered buffer: it moves with .to() and is never
trained; leaving a table that can be recomputed out of the state_dict is a fair choice).
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from grader.checks.support import (close, expect_tensor, fail, generator, largest_difference,
                                   shape_text, values_text)
from grader.loader import format_learner_traceback

_isfinite = torch.isfinite

# The mistakes, in the lesson's words: the positional encoding table ...
SIN_COS_SWAPPED = ("sin and cos are swapped: the even columns (0, 2, 4, ...) hold the sines, the odd "
                   "columns (1, 3, 5, ...) the cosines")
COLUMN_EXPONENT = ("the exponent uses the column number j, 10000^(j / d_model), so the cos column of a "
                   "pair gets another frequency than its sin column; both columns of the pair 2i, 2i + 1 "
                   "share the frequency 1 / 10000^(2i / d_model)")
PAIR_EXPONENT = ("the exponent is i / d_model (the pair's number i) instead of 2i / d_model: the pair i "
                 "uses 10000^(2i / d_model), i.e. torch.arange(0, d_model, 2) / d_model")
HALVES = ("the sines fill the first half of the columns and the cosines the second half: interleave "
          "them, pe[:, 0::2] = sin(...) and pe[:, 1::2] = cos(...)")
MULTIPLIED_FREQUENCY = ("the position was multiplied by 10000^(2i / d_model) instead of divided by it: "
                        "the angle is p / 10000^(2i / d_model)")
POSITIONS_FROM_ONE = ("the positions start at 1; the first row is position 0 (sin 0 = 0 in the even "
                      "columns, cos 0 = 1 in the odd ones): torch.arange(max_len)")
# ... its forward ...
PE_NOT_ADDED = "the positional encoding was not added: forward returned x unchanged; return x + pe[:T]"
PE_ONE_ROW = ("one single row of pe (pe[T] or pe[T - 1]) was added at every position; add the first T "
              "rows, pe[:T], so that each position gets its own row")
PE_BY_BATCH = ("the rows of pe were picked by the batch index (pe[:B]), so each sequence got one row for "
               "all its positions; pick them by position, pe[:x.size(1)], and let them broadcast over "
               "the batch")
PE_ONLY = "forward returned pe[:T] alone and lost x: return x + pe[:T]"
PE_SCALES_X = ("x was multiplied by sqrt(d_model) inside PositionalEncoding.forward; this forward only "
               "adds pe[:T] (if you want to scale the embeddings, do it in CharTransformer.forward)")
WHOLE_TABLE = ("the whole table was added (x + self.pe); take its first T rows, self.pe[:x.size(1)], "
               "T being the length of the sequences")
# ... the buffer ...
PE_PARAMETER = ("pe is an nn.Parameter, so the optimizer would train it and the positions would drift; "
                "keep it fixed: self.register_buffer(\"pe\", table)")
PE_PLAIN_TENSOR = ("pe is a plain tensor attribute, not a registered buffer: model.to(device) would leave "
                   "it behind and state_dict() would not save it. Write self.register_buffer(\"pe\", "
                   "table) instead of self.pe = table")
# ... and the model.
NO_POSITIONS = ("the positional encoding was not added: apply self.positional_encoding to the "
                "embeddings before the first layer")
POSITIONS_AFTER_LAYERS = ("the positional encoding was added after the layers; add it to the embeddings, "
                          "before the first layer, so that attention can use the positions")
NO_MASK = ("no causal mask reached the layers: build mask = causal_mask(T, ids.device) in forward and "
           "pass it to every layer, layer(x, mask)")
MASK_TRANSPOSED = ("the mask lets each position attend to itself and to the later ones (torch.triu where "
                   "torch.tril belongs): a position may attend to the keys at or before it, j <= i, which "
                   "is what causal_mask(T) of exercise 3 gives")
MASK_INVERTED = ("the causal mask is inverted: it lets each position see the later ones and hides the "
                 "earlier ones. True means 'may attend' (key j <= query i): causal_mask(T) as exercise 3 "
                 "builds it, passed unchanged")
ONLY_FIRST_LAYER = ("only the first layer is applied (self.layers[0], or a `return` inside the loop): "
                    "apply every layer in turn, x = layer(x, mask)")
ONLY_LAST_LAYER = ("every layer was given the embeddings instead of the previous layer's output, so only "
                   "the last one counts: feed each layer's output to the next, x = layer(x, mask)")
HEAD_ON_EMBEDDINGS = ("lm_head was applied to the embeddings (plus positions), not to the output of the "
                      "layers: x = layer(x, mask) for every layer, then lm_head(x)")
OWN_TABLE = ("the positional encoding table of your model is not the formula's (see the checks of "
             "PositionalEncoding above; a pe that is an nn.Parameter, or a plain tensor, is not "
             "kept fixed)")
SCALED_BY_D_MODEL = ("the embeddings were multiplied by d_model; scale them by sqrt(d_model), or not at "
                     "all")
EARLIER_LAYERS = ("your model is put together right, but the encoder layers it is built from (your "
                  "TransformerEncoderLayer of exercise 4, with your attention of exercise 3 inside) do "
                  "not compute what they should: run `learn check 4` and `learn check 3` first")
SAME_LAYER = ("the same layer object was repeated (nn.ModuleList([layer] * num_layers), or one layer "
              "appended in a loop), so the layers share one set of weights; create a new "
              "TransformerEncoderLayer for each: nn.ModuleList(TransformerEncoderLayer(...) for _ in "
              "range(num_layers))")
SEES_THE_FUTURE = "your model can see the future"
LENGTH_WORDS = ("max_len", "max len", "maximum", "length", "long", "exceed", "context", "at most")


# ------------------------------------------------------------------------------ helpers

def randn(gen, *shape):
    return torch.randn(*shape, generator=gen)


def random_ids(gen, vocab_size, batch, length):
    return torch.randint(vocab_size, (batch, length), generator=gen)


def likely_mistake(got, mistakes, atol, rtol):
    """The first described mistake whose (lazily computed) value matches `got`."""
    for sentence, candidate in mistakes.items():
        try:
            value = candidate() if callable(candidate) else candidate
        except Exception:  # noqa: BLE001 - a candidate that cannot be computed does not match
            continue
        if torch.is_tensor(value) and close(got, value, atol=atol, rtol=rtol):
            return sentence
    return None


def expect_near(got, expected, what, *, mistakes=None, atol=1e-4, rtol=1e-3, context=""):
    """Like support.expect_close, with the same tolerance for naming the mistake as for the
    comparison (the learner computes in float32, the oracles in float64)."""
    expect_tensor(got, what, shape=expected.shape)
    if close(got, expected, atol=atol, rtol=rtol):
        return
    message = f"{what} is not what it should be{context}."
    mistake = likely_mistake(got, mistakes or {}, atol, rtol)
    if mistake:
        message += f"\nLikely mistake: {mistake}"
    message += (f"\n  expected {values_text(expected)}\n  got      {values_text(got)}"
                f"\n  (largest difference {largest_difference(got, expected):.3g}, "
                f"shape {shape_text(expected.shape)})")
    fail(message)


# ------------------------------------------------------------------ the positional encoding

def table64(max_len, d_model, *, exponent="pair", swapped=False, halves=False, first=0,
            multiplied=False):
    """The (max_len, d_model) sinusoidal table in float64, or one of its known mistakes."""
    positions = torch.arange(first, first + max_len, dtype=torch.float64).unsqueeze(1)
    column = torch.arange(d_model, dtype=torch.float64)
    if halves:
        half = d_model // 2
        angles = positions * 10000.0 ** (-2 * torch.arange(half, dtype=torch.float64) / d_model)
        return torch.cat([angles.sin(), angles.cos()], dim=1)
    power = {"pair": 2 * (column // 2), "column": column, "index": column // 2}[exponent] / d_model
    angles = positions * 10000.0 ** (power if multiplied else -power)
    even = (column % 2 == 0)
    if swapped:
        return torch.where(even, angles.cos(), angles.sin())
    return torch.where(even, angles.sin(), angles.cos())


def table_mistakes(max_len, d_model):
    def table(**how):
        return lambda: table64(max_len, d_model, **how)

    return {SIN_COS_SWAPPED: table(swapped=True), COLUMN_EXPONENT: table(exponent="column"),
            PAIR_EXPONENT: table(exponent="index"), HALVES: table(halves=True),
            MULTIPLIED_FREQUENCY: table(multiplied=True), POSITIONS_FROM_ONE: table(first=1)}


def learner_table(module, what):
    """The learner's `pe`, which must be a (max_len, d_model) tensor."""
    pe = getattr(module, "pe", None)
    if pe is None:
        fail(f"{what} has no attribute `pe`: keep the table in a buffer named pe, "
             "self.register_buffer(\"pe\", table).")
    expect_tensor(pe, f"The `pe` of {what}")
    return pe


def expect_table_shape(pe, max_len, d_model, what):
    expected = (max_len, d_model)
    if tuple(pe.shape) == expected:
        return
    if pe.dim() == 3 and 1 in tuple(pe.shape)[:2] and pe.numel() == max_len * d_model:
        fail(f"The `pe` of {what} has shape {shape_text(pe.shape)}; this course keeps it as "
             f"(max_len, d_model) = {shape_text(expected)}, without an axis for the batch: "
             "x + pe[:T] broadcasts the (T, d_model) rows over the batch by itself.")
    if tuple(pe.shape) == expected[::-1]:
        fail(f"The `pe` of {what} has shape {shape_text(pe.shape)}, (d_model, max_len); expected "
             f"(max_len, d_model) = {shape_text(expected)}: one row per position.")
    fail(f"The `pe` of {what} has shape {shape_text(pe.shape)}; expected (max_len, d_model) = "
         f"{shape_text(expected)}.")


def make_positional_encoding(learner, d_model, max_len=None):
    args = (d_model,) if max_len is None else (d_model, max_len)
    module = learner.PositionalEncoding(*args)
    if not isinstance(module, nn.Module):
        fail("PositionalEncoding should be an nn.Module: `class PositionalEncoding(nn.Module):`, with "
             "super().__init__() first in __init__.")
    return module


def test_positional_encoding_follows_the_formula(learner):
    """PositionalEncoding fills pe with sin(p / 10000^(2i/d)) in even columns and cos in odd ones"""
    for d_model, max_len in ((10, 23), (16, 9)):
        what = f"PositionalEncoding({d_model}, max_len={max_len})"
        pe = learner_table(make_positional_encoding(learner, d_model, max_len), what)
        expect_table_shape(pe, max_len, d_model, what)
        expect_near(pe, table64(max_len, d_model), f"The `pe` of {what}", atol=1e-4, rtol=1e-4,
                    mistakes=table_mistakes(max_len, d_model),
                    context=" (rows = positions, columns = features)")
    what = "PositionalEncoding(12) (max_len left at its default)"
    pe = learner_table(make_positional_encoding(learner, 12), what)
    if pe.dim() == 2 and pe.size(0) != 5000 and pe.size(1) == 12:
        fail(f"The `pe` of {what} has {pe.size(0)} rows; max_len defaults to 5000.")
    expect_table_shape(pe, 5000, 12, what)
    # Far positions: float32 arithmetic is allowed its rounding (the angles reach 5000 radians).
    expect_near(pe, table64(5000, 12), f"The `pe` of {what}", atol=3e-3, rtol=0,
                mistakes=table_mistakes(5000, 12))


def test_pe_is_a_buffer(learner):
    """pe is a registered buffer: it moves with .to() and is never trained"""
    module = make_positional_encoding(learner, 8, 20)
    pe = learner_table(module, "PositionalEncoding(8, 20)")
    if any(parameter is pe for parameter in module.parameters()) or isinstance(pe, nn.Parameter):
        fail(f"Likely mistake: {PE_PARAMETER}.")
    if not any(buffer is pe for _, buffer in module.named_buffers()):
        fail(f"Likely mistake: {PE_PLAIN_TENSOR}.")
    if pe.requires_grad:
        fail("pe requires a gradient (pe.requires_grad is True): the table is fixed, nothing should "
             "train it. Register the plain table, without requires_grad=True.")
    module.to(torch.float64)
    moved = getattr(module, "pe", None)
    if not (torch.is_tensor(moved) and moved.dtype == torch.float64):
        fail("After .to(torch.float64) the `pe` of PositionalEncoding(8, 20) is still "
             f"{getattr(moved, 'dtype', type(moved).__name__)}: it does not follow the module. "
             "Register it with self.register_buffer(\"pe\", table).")


def test_positional_encoding_adds_the_first_rows(learner):
    """PositionalEncoding.forward(x) returns x + pe[:T], the same rows for every sequence"""
    gen = generator(51)
    d_model, max_len = 12, 20
    module = make_positional_encoding(learner, d_model, max_len).eval()
    pe = learner_table(module, f"PositionalEncoding({d_model}, {max_len})").detach().double()
    expect_table_shape(pe, max_len, d_model, f"PositionalEncoding({d_model}, {max_len})")
    for batch, length in ((3, 7), (5, 4)):
        x = randn(gen, batch, length, d_model)
        call = f"PositionalEncoding({d_model}, max_len={max_len}).forward(x {shape_text(x.shape)})"
        try:
            got = module(x)
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
            broadcast = "must match the size" in str(error)
            fail(f"{call} raised an error:\n{format_learner_traceback(error)}"
                 + (f"\nLikely mistake: {WHOLE_TABLE}." if broadcast else ""))
        expect_tensor(got, f"The output of {call}", shape=x.shape)
        x64 = x.double()
        mistakes = {PE_NOT_ADDED: x64,
                    PE_ONE_ROW: lambda: closest(got, [x64 + pe[length], x64 + pe[length - 1]]),
                    PE_BY_BATCH: lambda: x64 + pe[:batch].unsqueeze(1),
                    PE_ONLY: pe[:length].expand_as(x64),
                    PE_SCALES_X: x64 * math.sqrt(d_model) + pe[:length]}
        expect_near(got, x64 + pe[:length], f"The output of {call}", mistakes=mistakes,
                    atol=1e-5, rtol=1e-5, context=" (expected x + pe[:T], with your own pe)")


# ------------------------------------------------------------------------------- the model

def make_model(learner, vocab_size, d_model, num_heads, num_layers, hidden_dim, max_len, seed):
    """The learner's CharTransformer in eval mode, every parameter drawn from a seeded generator
    (well spread, so that mistakes show), dropout 0."""
    torch.manual_seed(seed)
    model = learner.CharTransformer(vocab_size, d_model=d_model, num_heads=num_heads,
                                    num_layers=num_layers, hidden_dim=hidden_dim, max_len=max_len,
                                    dropout=0.0)
    if not isinstance(model, nn.Module):
        fail("CharTransformer should be an nn.Module: `class CharTransformer(nn.Module):`, with "
             "super().__init__() first in __init__.")
    gen = generator(seed)
    with torch.no_grad():
        for module in model.modules():
            for name, parameter in module.named_parameters(recurse=False):
                if isinstance(module, nn.LayerNorm):
                    value = (1.0 if name == "weight" else 0.0) + 0.2 * randn(gen, *parameter.shape)
                elif isinstance(module, nn.Embedding):
                    value = randn(gen, *parameter.shape)
                elif parameter.dim() >= 2:
                    value = randn(gen, *parameter.shape) / math.sqrt(parameter.shape[-1])
                else:
                    value = 0.2 * randn(gen, *parameter.shape)
                parameter.copy_(value)
    return model.eval()


def describe_model(vocab_size, d_model, num_heads, num_layers, hidden_dim, max_len):
    return (f"CharTransformer(vocab_size={vocab_size}, d_model={d_model}, num_heads={num_heads}, "
            f"num_layers={num_layers}, hidden_dim={hidden_dim}, max_len={max_len}, dropout=0.0)")


def layer_part(layer, name, index):
    part = getattr(layer, name, None)
    if part is None:
        fail(f"layers[{index}] has no `{name}`: the layers must be exercise 4's "
             "TransformerEncoderLayer (self_attention, norm1, feed_forward, norm2, ...).")
    return part


def model_parts(model, description):
    """embedding, positional_encoding, layers and lm_head, each checked to exist."""
    parts = []
    for name in ("embedding", "positional_encoding", "layers", "lm_head"):
        part = getattr(model, name, None)
        if part is None:
            present = ", ".join(n for n, _ in model.named_children())
            fail(f"{description} has no attribute `{name}`. The model's parts are embedding, "
                 "positional_encoding, layers and lm_head"
                 + (f"; yours has {present}" if present else "") + ".")
        parts.append(part)
    return parts


def weight_and_bias(linear):
    weight = linear.weight.detach().double()
    if linear.bias is None:
        return weight, torch.zeros(weight.size(0), dtype=torch.float64)
    return weight, linear.bias.detach().double()


def feed_forward_linears(layer):
    linears = [m for m in layer.feed_forward.modules() if isinstance(m, nn.Linear)]
    return linears[0], linears[-1]


def torch_layer(layer, d_model, num_heads, hidden_dim):
    """PyTorch's own encoder layer (float64, eval) holding the weights of a learner's layer."""
    oracle = nn.TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout=0.0, activation="relu",
                                        batch_first=True, norm_first=False).double().eval()
    attention = layer.self_attention
    q, k, v, o = (weight_and_bias(getattr(attention, name)) for name in
                  ("query_linear", "key_linear", "value_linear", "output_linear"))
    first, second = feed_forward_linears(layer)
    with torch.no_grad():
        oracle.self_attn.in_proj_weight.copy_(torch.cat([q[0], k[0], v[0]]))
        oracle.self_attn.in_proj_bias.copy_(torch.cat([q[1], k[1], v[1]]))
        oracle.self_attn.out_proj.weight.copy_(o[0])
        oracle.self_attn.out_proj.bias.copy_(o[1])
        for mine, theirs in ((first, oracle.linear1), (second, oracle.linear2)):
            theirs.weight.copy_(weight_and_bias(mine)[0])
            theirs.bias.copy_(weight_and_bias(mine)[1])
        for mine, theirs in ((layer.norm1, oracle.norm1), (layer.norm2, oracle.norm2)):
            theirs.weight.copy_(mine.weight.detach().double())
            theirs.bias.copy_(mine.bias.detach().double())
            theirs.eps = mine.eps
    return oracle


def inputs64(model, ids, scale, positions="added"):
    """Embeddings (times `scale`) plus the formula's positions, or the learner's own table
    (positions="own"), or none."""
    d_model = model.embedding.weight.size(1)
    x = model.embedding.weight.detach().double()[ids] * scale
    if positions == "added":
        x = x + table64(ids.size(1), d_model)
    elif positions == "own":
        x = x + model.positional_encoding.pe.detach().double()[:ids.size(1)]
    return x


def head64(model, x):
    weight, bias = weight_and_bias(model.lm_head)
    return x @ weight.T + bias


def oracle_logits(model, ids, scale, config):
    """The logits of a model built from PyTorch's nn.TransformerEncoderLayer with the learner's
    weights, in float64 (no positional encoding of the learner's is used: the formula's is)."""
    _, d_model, num_heads, _, hidden_dim, _ = config
    length = ids.size(1)
    hidden = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)  # True = may not
    x = inputs64(model, ids, scale)
    with torch.no_grad():
        for layer in model.layers:
            x = torch_layer(layer, d_model, num_heads, hidden_dim)(x, src_mask=hidden)
    return head64(model, x)


def attention64(attention, x, num_heads, allowed):
    batch, length, d_model = x.shape
    head_dim = d_model // num_heads

    def heads(name):
        weight, bias = weight_and_bias(getattr(attention, name))
        return (x @ weight.T + bias).view(batch, length, num_heads, head_dim).transpose(1, 2)

    q, k, v = heads("query_linear"), heads("key_linear"), heads("value_linear")
    scores = q @ k.transpose(-2, -1) / math.sqrt(head_dim)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, -1e9)
    merged = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, d_model)
    weight, bias = weight_and_bias(attention.output_linear)
    return merged @ weight.T + bias


def layer64(layer, x, num_heads, allowed):
    """A post-norm encoder layer in float64, written out, with the learner's weights."""
    first, second = feed_forward_linears(layer)

    def norm(module, h):
        return F.layer_norm(h, h.shape[-1:], module.weight.detach().double(),
                            module.bias.detach().double(), module.eps)

    def feed_forward(h):
        w1, b1 = weight_and_bias(first)
        w2, b2 = weight_and_bias(second)
        return (h @ w1.T + b1).relu() @ w2.T + b2

    x = norm(layer.norm1, x + attention64(layer.self_attention, x, num_heads, allowed))
    return norm(layer.norm2, x + feed_forward(x))


def mistaken_logits(model, ids, scale, config, *, positions="added", mask="causal", layers="chain"):
    """The logits under one known mistake, in float64 with the learner's weights."""
    num_heads = config[2]
    length = ids.size(1)
    causal = torch.ones(length, length, dtype=torch.bool).tril()
    allowed = {"causal": causal, "none": None, "inverted": ~causal, "transposed": causal.T}[mask]
    embedded = inputs64(model, ids, scale, positions)
    x = embedded
    for layer in model.layers:
        if layers == "none":
            break
        x = layer64(layer, embedded if layers == "last" else x, num_heads, allowed)
        if layers == "first":
            break
    if positions == "after":
        x = x + table64(length, x.size(-1))
    return head64(model, x)


def own_layers_logits(model, ids, scale):
    """The logits of the learner's model put together right around the learner's own layers:
    when these match, the bug is in the layers (exercise 3 or 4), not in the model."""
    copied = copy.deepcopy(model).double().eval()
    length = ids.size(1)
    x = inputs64(model, ids, scale)
    mask = torch.ones(length, length, dtype=torch.bool).tril()
    with torch.no_grad():
        for layer in copied.layers:
            x = layer(x, mask)
    return head64(model, x)


def scales(d_model):
    return (1.0, math.sqrt(d_model))


def closest(got, candidates):
    """Of the candidate tensors, the one nearest to `got` (used to try both embedding scales)."""
    best, best_distance = None, math.inf
    for candidate in candidates:
        distance = largest_difference(got, candidate) if got.shape == candidate.shape else math.inf
        if best is None or distance < best_distance:
            best, best_distance = candidate, distance
    return best


def model_mistakes(model, ids, config, got):
    d_model = config[1]

    def either_scale(compute):
        return lambda: closest(got, [compute(scale) for scale in scales(d_model)])

    def mistake(**how):
        return either_scale(lambda scale: mistaken_logits(model, ids, scale, config, **how))

    return {
        NO_POSITIONS: mistake(positions="none"),
        POSITIONS_AFTER_LAYERS: mistake(positions="after"),
        NO_MASK: mistake(mask="none"),
        MASK_INVERTED: mistake(mask="inverted"),
        MASK_TRANSPOSED: mistake(mask="transposed"),
        OWN_TABLE: mistake(positions="own"),
        ONLY_FIRST_LAYER: mistake(layers="first"),
        ONLY_LAST_LAYER: mistake(layers="last"),
        HEAD_ON_EMBEDDINGS: mistake(layers="none"),
        SCALED_BY_D_MODEL: lambda: mistaken_logits(model, ids, float(d_model), config),
        EARLIER_LAYERS: either_scale(lambda scale: own_layers_logits(model, ids, scale)),
    }


def expect_logits(logits, ids, config, call):
    """The logits are a finite (B, T, vocab_size) tensor; say what is wrong otherwise."""
    vocab_size, d_model = config[0], config[1]
    batch, length = ids.shape
    expect_tensor(logits, f"The output of {call}")
    expected = (batch, length, vocab_size)
    if tuple(logits.shape) != expected:
        likely = {
            (batch, length, d_model): "lm_head was not applied: the model returned the layers' "
                                      "vectors (B, T, d_model); return self.lm_head(x)",
            (length, batch, vocab_size): "the batch and time axes are swapped",
            (batch * length, vocab_size): "the logits were flattened; return them as (B, T, vocab_size) "
                                          "(the training loop flattens them itself)",
            (batch, vocab_size): "only the last position's logits were returned; return every "
                                 "position's, (B, T, vocab_size)",
        }.get(tuple(logits.shape))
        fail(f"The output of {call} has shape {shape_text(logits.shape)}; expected (B, T, vocab_size) "
             f"= {shape_text(expected)}." + (f"\nLikely mistake: {likely}." if likely else ""))
    finite = _isfinite(logits.detach())
    if not bool(finite.all()):
        bad = sorted({int(t) for t in (~finite).nonzero()[:, 1]})
        where = "every position" if len(bad) == length else f"positions {bad} (of 0 to {length - 1})"
        fail(f"The output of {call} holds NaN or inf at {where}. A position that may attend to no "
             "key at all gets a softmax over only -inf, which is NaN.\nLikely mistake: "
             f"{MASK_INVERTED}. (Or the mask hides the diagonal: a position may attend to itself.)")


def call_model(model, ids, config):
    call = f"{describe_model(*config)}.forward(ids {shape_text(ids.shape)})"
    logits = model(ids)
    expect_logits(logits, ids, config, call)
    return logits


def test_model_has_its_named_parts(learner):
    """CharTransformer has embedding, positional_encoding, layers, lm_head and max_len"""
    config = (11, 12, 2, 3, 20, 16)
    description = describe_model(*config)
    vocab_size, d_model, _, num_layers, hidden_dim, max_len = config
    model = make_model(learner, *config, seed=52)
    embedding, positional_encoding, layers, lm_head = model_parts(model, description)
    weight = getattr(embedding, "weight", None)
    if not (torch.is_tensor(weight) and tuple(weight.shape) == (vocab_size, d_model)):
        fail(f"In {description}, `embedding` should be nn.Embedding(vocab_size, d_model) = "
             f"nn.Embedding({vocab_size}, {d_model}); its weight has shape "
             f"{shape_text(weight.shape) if torch.is_tensor(weight) else 'none'}.")
    pe = learner_table(positional_encoding, f"the positional_encoding of {description}")
    if pe.dim() != 2 or pe.size(1) != d_model or pe.size(0) < max_len:
        fail(f"In {description}, positional_encoding.pe has shape {shape_text(pe.shape)}; expected "
             f"(at least max_len, d_model) = {shape_text((max_len, d_model))}: "
             "PositionalEncoding(d_model, max_len, dropout).")
    if not isinstance(layers, nn.ModuleList):
        fail(f"In {description}, `layers` is a {type(layers).__name__}; make it an nn.ModuleList, so that "
             "the layers' weights are registered and each layer can be called with the mask.")
    if len(layers) != num_layers:
        fail(f"{description} has {len(layers)} layers; expected num_layers = {num_layers}.")
    if len({id(layer) for layer in layers}) < len(layers):
        fail(f"In {description}, layers holds {len({id(layer) for layer in layers})} distinct layer "
             f"object(s) for {num_layers} places.\nLikely mistake: {SAME_LAYER}.")
    owned = [id(p) for layer in layers for p in layer.parameters()]
    if len(set(owned)) < len(owned):
        fail(f"In {description}, different layers share parameter tensors.\nLikely mistake: {SAME_LAYER}.")
    for index, layer in enumerate(layers):
        for name in ("self_attention", "norm1", "feed_forward", "norm2"):
            layer_part(layer, name, index)
    head_weight = getattr(lm_head, "weight", None)
    if not (torch.is_tensor(head_weight) and tuple(head_weight.shape) == (vocab_size, d_model)):
        found = shape_text(head_weight.shape) if torch.is_tensor(head_weight) else "none"
        fail(f"In {description}, `lm_head` should be nn.Linear(d_model, vocab_size) = "
             f"nn.Linear({d_model}, {vocab_size}), whose weight has shape ({vocab_size}, {d_model}); "
             f"yours has {found}.")
    parameters = {id(p) for p in model.parameters()}
    for name, part in (("embedding", embedding), ("lm_head", lm_head)):
        if id(part.weight) not in parameters:
            fail(f"The weight of `{name}` is not among the model's parameters(): make it an attribute "
                 "of the model, so that an optimizer trains it.")
    if getattr(model, "max_len", None) != max_len:
        fail(f"{description}.max_len is {getattr(model, 'max_len', 'missing')!r}; expected {max_len}: "
             "keep the argument, self.max_len = max_len (sampling crops its context to it).")
    defaults = learner.CharTransformer(9)
    found = (len(getattr(defaults, "layers", [])), tuple(defaults.embedding.weight.shape),
             getattr(defaults, "max_len", None))
    if found != (2, (9, 128), 256):
        fail(f"CharTransformer(9) has {found[0]} layers, an embedding of shape {shape_text(found[1])} "
             f"and max_len {found[2]}; the defaults are num_layers=2, d_model=128, max_len=256 "
             "(and num_heads=4, hidden_dim=512, dropout=0.1).")


def test_logits_have_one_score_per_character(learner):
    """forward(ids (B, T)) returns logits of shape (B, T, vocab_size)"""
    config = (11, 12, 2, 2, 20, 16)
    model = make_model(learner, *config, seed=53)
    gen = generator(53)
    for batch, length in ((3, 7), (2, 16), (4, 1)):
        call_model(model, random_ids(gen, config[0], batch, length), config)


def test_model_cannot_see_the_future(learner):
    """Changing the characters after position t leaves the logits up to t unchanged"""
    config = (13, 12, 3, 2, 20, 16)
    model = make_model(learner, *config, seed=54)
    gen = generator(54)
    ids = random_ids(gen, config[0], 2, 9)
    logits = call_model(model, ids, config).detach()
    for t in range(ids.size(1) - 1):
        changed = ids.clone()
        shift = 1 + torch.randint(config[0] - 1, changed[:, t + 1:].shape, generator=gen)
        changed[:, t + 1:] = (changed[:, t + 1:] + shift) % config[0]
        other = call_model(model, changed, config).detach()
        moved = [p for p in range(t + 1) if not close(other[:, p], logits[:, p])]
        if not moved:
            continue
        likely = likely_mistake(logits, {name: compute for name, compute in
                                         model_mistakes(model, ids, config, logits).items()
                                         if name in (NO_MASK, MASK_INVERTED, MASK_TRANSPOSED)},
                                1e-4, 1e-3)
        fail(f"{SEES_THE_FUTURE.capitalize()}: changing the characters after position {t} "
             f"(positions {t + 1} to {ids.size(1) - 1}) changed the logits at position {moved[0]}"
             + (f" (and at {moved[1:]})" if len(moved) > 1 else "")
             + f". The logits at position t may depend on ids[:, :t+1] only, or the model learns to "
             "copy the next character instead of predicting it.\n  logits at position "
             f"{moved[0]} before {values_text(logits[:, moved[0]])}\n  after the change        "
             f"{values_text(other[:, moved[0]])}\nLikely mistake: "
             + (likely or NO_MASK + "; or a mask that lets a position attend to later ones"))


def test_positions_change_the_logits(learner):
    """A run of one repeated character gives different logits at different positions"""
    config = (10, 12, 2, 2, 20, 16)
    model = make_model(learner, *config, seed=55)
    ids = torch.full((1, 8), 3, dtype=torch.long)
    logits = call_model(model, ids, config).detach()
    same = [t for t in range(1, ids.size(1)) if close(logits[0, t], logits[0, 0])]
    if same:
        fail(f"For the input {'c' * ids.size(1)!r} (one character repeated), the logits at positions "
             f"{same} are the same as at position 0: the model cannot tell positions apart, so it could "
             f"never learn that 'ccc' is followed by something else than 'c'.\n  position 0 "
             f"{values_text(logits[0, 0])}\n  position {same[0]} {values_text(logits[0, same[0]])}\n"
             f"Likely mistake: {NO_POSITIONS} (or the same row of pe was added at every position).")


def silent_layers(model, layers):
    """The indices of the layers that no gradient reached."""
    return [index for index, layer in enumerate(layers)
            if not any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in layer.parameters())]


def describe_silent(silent, count):
    if silent == list(range(count)):
        return HEAD_ON_EMBEDDINGS
    if silent == list(range(1, count)):
        return ONLY_FIRST_LAYER
    if silent == list(range(count - 1)):
        return ONLY_LAST_LAYER
    return "some layers are skipped: apply every layer in turn, x = layer(x, mask)"


def test_every_layer_takes_part(learner):
    """Every layer takes part: gradients reach each one, and changing its weights changes the logits"""
    config = (11, 12, 3, 3, 20, 16)
    model = make_model(learner, *config, seed=56)
    layers = model_parts(model, describe_model(*config))[2]
    gen = generator(56)
    ids = random_ids(gen, config[0], 2, 7)
    logits = call_model(model, ids, config)
    if not logits.requires_grad:
        fail("The logits carry no gradient (requires_grad is False): is the forward pass inside "
             "torch.no_grad(), or is something .detach()ed?")
    (logits * randn(gen, *logits.shape)).sum().backward()
    silent = silent_layers(model, layers)
    if silent:
        fail(f"No gradient reached layers {silent} (of {len(layers)}) when backward() ran from the "
             f"logits: training would never change them.\nLikely mistake: "
             f"{describe_silent(silent, len(layers))}.")
    for name in ("embedding", "lm_head"):
        grad = getattr(model, name).weight.grad
        if grad is None or not bool(grad.abs().sum() > 0):
            fail(f"No gradient reached `{name}` when backward() ran from the logits: it is cut off "
                 "from the output (a .detach(), .data, or a part that is not used).")
    before = logits.detach()
    for index, layer in enumerate(layers):
        saved = copy.deepcopy(layer.state_dict())
        with torch.no_grad():
            for parameter in layer.parameters():
                parameter.add_(0.5 * randn(gen, *parameter.shape))
            after = model(ids)
        layer.load_state_dict(saved)
        if close(after, before):
            fail(f"Changing the weights of layers[{index}] does not change the logits: that layer "
                 "takes no part in the output. Apply every layer in turn, x = layer(x, mask).")


def test_logits_match_pytorch(learner):
    """The logits match a model built from PyTorch's nn.TransformerEncoderLayer holding your weights"""
    gen = generator(57)
    for config, batch, length in (((13, 8, 2, 2, 20, 10), 2, 6), ((7, 12, 3, 3, 16, 9), 3, 5)):
        model = make_model(learner, *config, seed=57 + config[1])
        model_parts(model, describe_model(*config))
        ids = random_ids(gen, config[0], batch, length)
        with torch.no_grad():
            got = call_model(model, ids, config)
        candidates = [oracle_logits(model, ids, scale, config) for scale in scales(config[1])]
        if any(close(got, candidate, atol=1e-4, rtol=1e-3) for candidate in candidates):
            continue
        expect_near(got, closest(got, candidates), "The output (the logits)",
                    mistakes=model_mistakes(model, ids, config, got),
                    context=f" for {describe_model(*config)} on ids {shape_text(ids.shape)}, compared "
                            "with the same model made of torch.nn.TransformerEncoderLayer holding your "
                            "weights (embeddings scaled by sqrt(d_model) or not: both are accepted)")


def clear_refusal(error) -> bool:
    """A refusal that tells the learner what is wrong: see the module docstring."""
    text = str(error).lower()
    if isinstance(error, ValueError) and text.strip():
        return True
    return any(word in text for word in LENGTH_WORDS)


def test_too_long_input_is_refused(learner):
    """An input longer than max_len is refused with a clear error; max_len itself is fine"""
    config = (11, 12, 2, 1, 20, 8)
    model = make_model(learner, *config, seed=58)
    gen = generator(58)
    max_len = config[5]
    ids = random_ids(gen, config[0], 2, max_len)
    try:
        logits = model(ids)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
        if clear_refusal(error):
            fail(f"An input of exactly max_len = {max_len} characters was refused:\n"
                 f"{format_learner_traceback(error)}\nLikely mistake: the comparison is off by one: "
                 f"refuse T > max_len, not T >= max_len.")
        raise
    call = f"{describe_model(*config)}.forward(ids {shape_text(ids.shape)})"
    expect_logits(logits, ids, config, call)
    for length in (max_len + 3, max_len + 1):
        ids = random_ids(gen, config[0], 2, length)
        try:
            logits = model(ids)
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - judged below
            if clear_refusal(error):
                continue
            how = ("was stopped by an assert without a message" if isinstance(error, AssertionError)
                   else "crashed deep inside the model")
            fail(f"An input of T = {length} characters with max_len = {max_len} {how} instead of "
                 f"being refused with a clear message:\n"
                 f"{format_learner_traceback(error)}\nCompare T with self.max_len yourself at the start "
                 "of forward, and raise ValueError(f\"... {T} ... longer than max_len = ...\").")
        shape = shape_text(logits.shape) if torch.is_tensor(logits) else type(logits).__name__
        fail(f"An input of T = {length} characters, longer than max_len = {max_len}, was accepted (the "
             f"model returned {shape}). The model has no positions beyond max_len; check T against "
             "self.max_len at the start of forward and raise a ValueError that says so.")


class Adam:
    """Adam, written out. torch.optim's optimizers import torch._dynamo when the first one is made,
    which costs more than a second of CPU, longer than this whole check; the update is the same."""

    def __init__(self, parameters, lr, betas=(0.9, 0.999), eps=1e-8):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.lr, self.betas, self.eps, self.steps = lr, betas, eps, 0
        self.first = [torch.zeros_like(p) for p in self.parameters]
        self.second = [torch.zeros_like(p) for p in self.parameters]

    def zero_grad(self):
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self):
        self.steps += 1
        (beta1, beta2), t = self.betas, self.steps
        for parameter, first, second in zip(self.parameters, self.first, self.second):
            if parameter.grad is None:
                continue
            first.mul_(beta1).add_(parameter.grad, alpha=1 - beta1)
            second.mul_(beta2).addcmul_(parameter.grad, parameter.grad, value=1 - beta2)
            denominator = (second / (1 - beta2 ** t)).sqrt_().add_(self.eps)
            parameter.addcdiv_(first, denominator, value=-self.lr / (1 - beta1 ** t))


TEXT = "the cat sat on a mat; a rat ran at dawn."
STEPS, LEARNING_RATE, TARGET_LOSS = 80, 1e-2, 0.2  # the reference gets near 0.01


def test_a_small_model_learns_a_short_text(learner):
    """A small model learns a 40-character text by heart with Adam"""
    characters = sorted(set(TEXT))
    ids = torch.tensor([[characters.index(c) for c in TEXT]])
    inputs, targets = ids[:, :-1], ids[:, 1:]
    torch.manual_seed(59)
    config = (len(characters), 16, 2, 2, 32, 48)
    vocab_size, d_model, num_heads, num_layers, hidden_dim, max_len = config
    model = learner.CharTransformer(vocab_size, d_model=d_model, num_heads=num_heads,
                                    num_layers=num_layers, hidden_dim=hidden_dim, max_len=max_len,
                                    dropout=0.0).train()
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE)
    losses = []
    for _ in range(STEPS):
        logits = call_model(model, inputs, config) if not losses else model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, config[0]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    if losses[-1] < TARGET_LOSS:
        return
    fail(f"After {STEPS} steps of Adam (lr {LEARNING_RATE:g}) on the {len(TEXT)}-character text "
         f"{TEXT!r}, the loss is still {losses[-1]:.3f} (it started at {losses[0]:.3f}); a correct "
         f"model of this size gets below {TARGET_LOSS:g}. If the other checks pass, look for a part "
         "whose weights are not registered (kept in a plain list instead of nn.ModuleList) or a "
         ".detach() that stops the gradient.")
