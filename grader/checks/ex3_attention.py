"""Hidden checks for exercise 3 · attention.

The oracles: the formula itself, computed in float64, for scaled_dot_product_attention, and
torch.nn.MultiheadAttention (in float64, with the learner's own weights copied in) for
MultiHeadAttention. Every known mistake is recomputed on the same inputs and the same weights, so
that a failure can name it. Within a case every size differs from every other (batch, heads, Tq,
Tk, d, dv, head_dim), so that a swapped axis cannot hide.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from grader.checks.support import (close, expect_close, expect_tensor, fail, generator,
                                   name_mistake, shape_text, values_text)
from grader.loader import format_learner_traceback

_equal = torch.equal  # bound before learner code loads: patching torch.equal changes nothing here

LAYER_NAMES = ("query_linear", "key_linear", "value_linear", "output_linear")

# The mistakes, in the lesson's words.
SOFTMAX_QUERY_AXIS = ("the softmax was taken over the query axis (dim=-2); take it over the key axis, "
                      "dim=-1, so that each query's weights sum to 1")
NOT_SCALED = "the scores were not scaled: divide them by sqrt(d_k), d_k = query.size(-1)"
DIVIDED_BY_D = "the scores were divided by d_k instead of sqrt(d_k)"
MULTIPLIED = "the scores were multiplied by sqrt(d_k); divide by it instead"
SCORES_RETURNED = ("the weights returned are the scores before the softmax; return "
                   "softmax(scores, dim=-1)")
MASK_INVERTED = ("the mask is inverted: it hides the keys where it is True / 1. In this course the "
                 "mask is True where the query MAY attend: hide the scores where mask == 0")
MASK_IGNORED = "the mask was ignored: hide the scores where mask == 0 before the softmax"
MASK_AFTER_SOFTMAX = ("the mask was applied after the softmax: the hidden weights are 0 but the others "
                      "no longer sum to 1. Fill the scores with -inf before the softmax")
MASK_ZERO = ("the hidden scores were filled with 0 (masked_fill(..., 0) or scores * mask); a score "
             "of 0 still gets weight after the softmax: fill with float('-inf') (or -1e9)")
MASK_ADDED = ("the mask was added to the scores; this course's mask says who may attend (True / 1), "
              "it is not an additive -inf mask: hide the scores where mask == 0 with masked_fill")
SCORES_TIMES_VALUE = ("the output multiplies the scores (before the softmax) by the values; use the "
                      "weights: output = weights @ value")
SPLIT_NO_TRANSPOSE = ("the heads were split with a view straight to (B, num_heads, T, head_dim), without "
                      "transposing: view as (B, T, num_heads, head_dim), then .transpose(1, 2), so that "
                      "every head gets its slice of every position's features")
MERGE_NO_TRANSPOSE = ("the heads were merged with a view straight from (B, num_heads, Tq, head_dim) to "
                      "(B, Tq, d_model), without transposing back: .transpose(1, 2) first, then "
                      ".contiguous().view(B, Tq, d_model)")
SCALED_BY_D_MODEL = ("the scores were divided by sqrt(d_model) instead of sqrt(head_dim): in each head "
                     "the dot products run over head_dim features only")
NO_OUTPUT_LINEAR = ("output_linear was not applied: the merged heads still go through the output "
                    "projection")
KV_SWAPPED = ("key_linear and value_linear are swapped: the keys come from key_linear(key), the "
              "values from value_linear(value)")
VALUE_FROM_KEY = ("the values were computed from the key input, value_linear(key); use the value "
                  "input: value_linear(value)")
KEY_AS_VALUE = ("the keys were used as the values (key_linear where value_linear belongs, or k passed "
                "twice to the attention): the values are value_linear(value)")
MHA_MASK_IGNORED = ("the mask had no effect: pass it on to the attention, "
                    "scaled_dot_product_attention(q, k, v, mask)")


# ----------------------------------------------------------------------------------- inputs

def randn(gen, *shape):
    return torch.randn(*shape, generator=gen)


def mixed_mask(gen, *shape):
    """A random bool mask in which every query row allows at least one key and hides at least
    one, so that neither the mask nor its inverse hides a whole row."""
    keys = shape[-1]
    allowed = torch.rand(*shape, generator=gen) < 0.5
    kept = torch.randint(keys, (*shape[:-1], 1), generator=gen)
    hidden = (kept + 1 + torch.randint(keys - 1, (*shape[:-1], 1), generator=gen)) % keys
    return allowed.scatter(-1, kept, True).scatter(-1, hidden, False)


def padding_mask(lengths, keys):
    """(B, 1, 1, keys): True on the first `length` keys of each sequence, False on the padding."""
    return (torch.arange(keys) < torch.tensor(lengths).unsqueeze(-1)).view(len(lengths), 1, 1, keys)


def rectangular_causal_mask(q_len, k_len):
    """(q_len, k_len), True where key j <= query i: every row allows key 0, and with
    q_len < k_len every row also hides at least one key."""
    return torch.ones(q_len, k_len, dtype=torch.bool).tril()


def describe_call(name, query, key, value, mask=None):
    text = f"{name}(query {shape_text(query.shape)}, key {shape_text(key.shape)}, value {shape_text(value.shape)}"
    if mask is not None:
        text += f", mask {shape_text(mask.shape)} {str(mask.dtype).replace('torch.', '')}"
    return text + ")"


# ----------------------------------------------------------- scaled dot-product attention

def attention64(query, key, value, mask=None, *, scale=None, softmax_dim=-1, masking="fill",
                softmax=True):
    """(output, weights) of scaled dot-product attention in float64, or of one of its mistakes."""
    query, key, value = query.double(), key.double(), value.double()
    scores = query @ key.transpose(-2, -1)
    scores = scores * (1 / math.sqrt(query.size(-1)) if scale is None else scale)
    allowed = None if mask is None else mask != 0
    if allowed is not None:
        if masking == "fill":
            scores = scores.masked_fill(~allowed, float("-inf"))
        elif masking == "inverted":
            scores = scores.masked_fill(allowed, float("-inf"))
        elif masking == "zero":
            scores = scores.masked_fill(~allowed, 0.0)
        elif masking == "added":
            scores = scores + allowed
    weights = scores.softmax(softmax_dim) if softmax else scores
    if allowed is not None and masking == "after_softmax":
        weights = weights * allowed
    return weights @ value, weights


def weight_mistakes(query, key, value, mask=None):
    """What the weights would be under each known mistake (computed only when needed)."""
    def weights(**how):
        return lambda: attention64(query, key, value, mask, **how)[1]

    d_k = query.size(-1)
    mistakes = {}
    if mask is not None:
        mistakes.update({MASK_INVERTED: weights(masking="inverted"),
                         MASK_IGNORED: weights(masking="ignored"),
                         MASK_AFTER_SOFTMAX: weights(masking="after_softmax"),
                         MASK_ZERO: weights(masking="zero"),
                         MASK_ADDED: weights(masking="added")})
    mistakes[SOFTMAX_QUERY_AXIS] = weights(softmax_dim=-2)
    for dim in range(query.dim() - 2):
        mistakes[f"the softmax was taken over dim={dim}, a batch axis; take it over the key axis, "
                 f"dim=-1"] = weights(softmax_dim=dim)
    mistakes[NOT_SCALED] = weights(scale=1.0)
    mistakes[DIVIDED_BY_D] = weights(scale=1 / d_k)
    mistakes[MULTIPLIED] = weights(scale=math.sqrt(d_k))
    for size in sorted({*query.shape[:-1], *key.shape[:-1], value.size(-1)} - {d_k, 1}):
        mistakes[f"the scores were divided by sqrt({size}), the size of another axis; d_k is the size "
                 f"of the last axis, query.size(-1) = {d_k}"] = weights(scale=1 / math.sqrt(size))
    mistakes[SCORES_RETURNED] = weights(softmax=False)
    mistakes[SCORES_RETURNED + " (and scaled by 1 / sqrt(d_k))"] = weights(softmax=False, scale=1.0)
    return mistakes


def output_mistakes(query, key, value, mask=None):
    """What the output would be under each known mistake, the weights being right."""
    return {SCORES_TIMES_VALUE: lambda: attention64(query, key, value, softmax=False)[0]}


def as_pair(result, call):
    """The learner's (output, weights), or a failure that says what came instead."""
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return result
    if torch.is_tensor(result):
        fail(f"{call} returned one tensor of shape {shape_text(result.shape)}; it should return the "
             "pair (output, weights): `return output, weights`.")
    what = f"{type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) \
        else type(result).__name__
    fail(f"{call} should return the pair (output, weights); it returned {what}"
         + (" (did you forget a `return`?)" if result is None else "") + ".")


def expect_attention_shapes(output, weights, query, key, value, call):
    lead = tuple(query.shape[:-2])
    q_len, d_k, k_len, d_v = query.size(-2), query.size(-1), key.size(-2), value.size(-1)
    weights_shape, output_shape = (*lead, q_len, k_len), (*lead, q_len, d_v)
    expect_tensor(output, f"The output of {call}")
    expect_tensor(weights, f"The weights of {call}")
    if tuple(output.shape) == weights_shape and tuple(weights.shape) == output_shape:
        fail(f"{call} returned (weights, output), the wrong way round: return output, weights "
             f"(output {shape_text(output_shape)}, weights {shape_text(weights_shape)}).")
    if tuple(weights.shape) == (*lead, k_len, q_len):
        fail(f"The weights of {call} have shape {shape_text(weights.shape)}; expected "
             f"{shape_text(weights_shape)}, one row per query and one column per key.\nLikely "
             "mistake: the scores were computed as key @ query.transpose(-2, -1); compute "
             "query @ key.transpose(-2, -1).")
    expect_tensor(weights, f"The weights of {call}", shape=weights_shape)
    if tuple(output.shape) == (*lead, q_len, d_k) and d_k != d_v:
        fail(f"The output of {call} has shape {shape_text(output.shape)}; expected "
             f"{shape_text(output_shape)}, one value-sized vector per query.\nLikely mistake: the "
             "weights multiplied the key instead of the value: output = weights @ value.")
    expect_tensor(output, f"The output of {call}", shape=output_shape)


def call_attention(learner, query, key, value, mask=None):
    args = (query, key, value) if mask is None else (query, key, value, mask)
    return learner.scaled_dot_product_attention(*args)


def expect_attention(learner, query, key, value, mask=None, result=None):
    """Run the learner's attention on one case (unless `result` is given) and compare it with
    the formula: shapes first, then the weights, then the output."""
    call = describe_call("scaled_dot_product_attention", query, key, value, mask)
    if result is None:
        result = call_attention(learner, query, key, value, mask)
    output, weights = as_pair(result, call)
    expect_attention_shapes(output, weights, query, key, value, call)
    expected_output, expected_weights = attention64(query, key, value, mask)
    context = f" for {call}"
    expect_close(weights, expected_weights, "The weights", context=context,
                 mistakes=weight_mistakes(query, key, value, mask))
    expect_close(output, expected_output, "The output", context=context,
                 mistakes=output_mistakes(query, key, value, mask))


def test_attention_weights_sum_to_one(learner):
    """scaled_dot_product_attention: each query's weights sum to 1 over the keys"""
    gen = generator(31)
    query, key, value = randn(gen, 3, 5, 4), randn(gen, 3, 7, 4), randn(gen, 3, 7, 6)
    call = describe_call("scaled_dot_product_attention", query, key, value)
    output, weights = as_pair(call_attention(learner, query, key, value), call)
    expect_attention_shapes(output, weights, query, key, value, call)
    weights = weights.detach().double()
    sums = weights.sum(-1)
    if close(sums, torch.ones_like(sums)) and bool((weights >= 0).all()):
        return
    likely = ""
    if bool((weights < 0).any()):
        likely = SCORES_RETURNED
    elif close(weights.sum(-2), torch.ones_like(weights.sum(-2))):
        likely = SOFTMAX_QUERY_AXIS
    elif close(weights.sum(0), torch.ones_like(weights.sum(0))):
        likely = "the softmax was taken over dim=0, the batch axis; take it over the key axis, dim=-1"
    fail(f"The weights of {call} should be positive and sum to 1 over the keys (the last axis), "
         f"one distribution per query; the first queries' weights sum to {values_text(sums, 4)}."
         + (f"\nLikely mistake: {likely}" if likely else ""))


def test_attention_matches_the_formula(learner):
    """scaled_dot_product_attention computes softmax(q @ kᵀ / sqrt(d_k)) @ value, with any leading axes"""
    gen = generator(32)
    cases = [  # (Tq, d) alone, then one batch axis, then two (batch, heads)
        (randn(gen, 5, 3), randn(gen, 6, 3), randn(gen, 6, 4)),
        (randn(gen, 3, 6, 5), randn(gen, 3, 4, 5), randn(gen, 3, 4, 2)),
        (randn(gen, 2, 3, 5, 4), randn(gen, 2, 3, 7, 4), randn(gen, 2, 3, 7, 6)),
    ]
    results, errors = [], []
    for query, key, value in cases:
        try:
            results.append(call_attention(learner, query, key, value))
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - explained below, with the learner's traceback
            results.append(None)
            errors.append((error, query, key, value))
    if errors and len(errors) < len(cases):
        error, query, key, value = errors[0]
        worked = next(c for c, r in zip(cases, results) if r is not None)
        fail(f"{describe_call('scaled_dot_product_attention', query, key, value)} raised an error, "
             f"although query {shape_text(worked[0].shape)} worked:\n{format_learner_traceback(error)}"
             "\nLikely mistake: your code assumes a fixed number of axes, e.g. key.T or "
             "key.transpose(1, 2), or `B, T, d = query.shape`. Swap the last two axes with "
             "key.transpose(-2, -1) and read d_k as query.size(-1), so that any leading axes "
             "(batch, heads) are carried along.")
    if errors:
        raise errors[0][0]
    for (query, key, value), result in zip(cases, results):
        expect_attention(learner, query, key, value, result=result)


def test_attention_with_a_boolean_mask(learner):
    """A bool mask hides the keys where it is False, and broadcasts over batch and heads"""
    gen = generator(33)
    query, key, value = randn(gen, 3, 5, 4), randn(gen, 3, 7, 4), randn(gen, 3, 7, 6)
    expect_attention(learner, query, key, value, mixed_mask(gen, 5, 7))
    expect_attention(learner, query, key, value, mixed_mask(gen, 3, 5, 7))
    query, key, value = randn(gen, 3, 2, 5, 4), randn(gen, 3, 2, 7, 4), randn(gen, 3, 2, 7, 6)
    expect_attention(learner, query, key, value, padding_mask([6, 2, 4], 7))


def test_attention_with_a_0_1_mask(learner):
    """A mask of 0s and 1s (int or float) works like a bool mask"""
    gen = generator(34)
    query, key, value = randn(gen, 3, 5, 4), randn(gen, 3, 7, 4), randn(gen, 3, 7, 6)
    allowed = mixed_mask(gen, 5, 7)
    call_attention(learner, query, key, value, allowed)  # a bool mask first: its errors are plain
    for mask in (allowed.long(), allowed.float(), padding_mask([6, 2, 4], 7).int()):
        if mask.dim() == 4:
            query, key, value = randn(gen, 3, 2, 5, 4), randn(gen, 3, 2, 7, 4), randn(gen, 3, 2, 7, 6)
            call_attention(learner, query, key, value, mask.bool())  # new shapes: bool mask first
        try:
            result = call_attention(learner, query, key, value, mask)
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
            fail(f"{describe_call('scaled_dot_product_attention', query, key, value, mask)} raised "
                 f"an error, although the same mask as a bool tensor did not:\n"
                 f"{format_learner_traceback(error)}\nLikely mistake: `~mask`, or the mask used "
                 "directly as a condition (masked_fill(mask, ...), torch.where(mask, ...)), only "
                 "works on bool tensors. Compare instead: `mask == 0` is True where a key is "
                 "hidden, whatever the mask's dtype.")
        expect_attention(learner, query, key, value, mask, result=result)


# ------------------------------------------------------------------------------ causal mask

def mask_rows(mask) -> list[str]:
    return [" ".join("1" if bool(v) else "0" for v in row) for row in mask]


def test_causal_mask_allows_keys_up_to_the_query(learner):
    """causal_mask(size) is a (size, size) bool mask, True where key j <= query i"""
    for size in (4, 7, 1):
        got = learner.causal_mask(size)
        expect_tensor(got, f"causal_mask({size})")
        expected = torch.ones(size, size, dtype=torch.bool).tril()
        if tuple(got.shape) != (size, size):
            fail(f"causal_mask({size}) has shape {shape_text(got.shape)}; expected ({size}, {size}): "
                 "one row per query, one column per key.")
        pattern = got.detach().cpu() != 0
        if _equal(pattern, expected) and got.dtype == torch.bool:
            continue
        if _equal(pattern, expected):
            fail(f"causal_mask({size}) has the right pattern but dtype {got.dtype}; it should be a "
                 "bool tensor (dtype=torch.bool, or .bool() at the end): True / False says 'may "
                 "attend' without doubt, and masked_fill needs a bool mask.")
        likely = {
            "the diagonal is excluded: query i may attend to itself, key j <= i (tril with the "
            "default diagonal=0, not diagonal=-1)": expected.tril(-1),
            "the mask is inverted: True marks the future keys (j > i), as in PyTorch's own masks; "
            "in this course True means 'may attend', j <= i": ~expected,
            "the upper triangle (j >= i) was kept: a query may attend to the keys at or before "
            "it, j <= i: use tril, not triu": expected.T.contiguous(),
            "nothing is hidden: every key is allowed": torch.ones_like(expected),
        }
        mistake = next((name for name, mask in likely.items() if _equal(pattern, mask)), None)
        rows = "\n".join(f"    {e}    {g}" for e, g in zip(mask_rows(expected), mask_rows(pattern)))
        fail(f"causal_mask({size}) is not right (1 = may attend, rows = queries, columns = keys)."
             + (f"\nLikely mistake: {mistake}." if mistake else "")
             + f"\n    {'expected'.ljust(2 * size + 3)}got\n{rows}")


class DeviceSpy(TorchFunctionMode):
    """Notes whether any torch call made inside it was handed the given device (`torch.ones(...,
    device=device)`, `mask.to(device)`, ...): on a machine with a CPU only, this is how a check can
    tell that the `device` argument is used rather than ignored."""

    def __init__(self, device):
        super().__init__()
        self.device_type = torch.device(device).type
        self.used = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for argument in (*args, *kwargs.values()):
            if isinstance(argument, (str, torch.device)) and not self.used:
                try:
                    self.used = torch.device(argument).type == self.device_type
                except (RuntimeError, TypeError, ValueError):  # a string that is not a device
                    pass
        return func(*args, **kwargs)


def test_causal_mask_honours_the_device(learner):
    """causal_mask(size, device) makes the mask on the device it is given"""
    for device in ("cpu", torch.device("cpu")):
        got = learner.causal_mask(5, device=device)
        expect_tensor(got, f"causal_mask(5, device={device!r})", shape=(5, 5))
        if got.device.type != "cpu":
            fail(f"causal_mask(5, device={device!r}) gave a tensor on {got.device}; expected cpu.")
    device = torch.device("cpu")  # made outside the spy: torch.device(...) itself goes through it
    spy = DeviceSpy("cpu")
    try:
        with spy:
            learner.causal_mask(5, device=device)
    except Exception:  # noqa: BLE001 - it ran fine above: the spy is to blame, not the learner
        return
    if not spy.used:
        fail("causal_mask(5, device=torch.device('cpu')) never handed `device` to torch: the "
             "argument is ignored, so on a GPU the mask would stay on the CPU, away from the model. "
             "Make the mask there: torch.ones(..., device=device), or .to(device) at the end.")


# ----------------------------------------------------------------------- multi-head attention

def find_layers(module, d_model, num_heads):
    """The four projections, checked by name and shape."""
    layers = []
    for name in LAYER_NAMES:
        layer = getattr(module, name, None)
        if layer is None:
            present = [n for n, _ in module.named_children()]
            fail(f"MultiHeadAttention({d_model}, {num_heads}) has no attribute `{name}`. The four "
                 "projections must be nn.Linear(d_model, d_model) layers named query_linear, "
                 "key_linear, value_linear and output_linear"
                 + (f"; yours has {', '.join(present)}" if present else "") + ".")
        weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
        if not (torch.is_tensor(weight) and tuple(weight.shape) == (d_model, d_model)
                and (bias is None or (torch.is_tensor(bias) and tuple(bias.shape) == (d_model,)))):
            found = (f"nn.Linear({layer.in_features}, {layer.out_features})"
                     if isinstance(layer, nn.Linear) else type(layer).__name__)
            fail(f"In MultiHeadAttention({d_model}, {num_heads}), `{name}` should be "
                 f"nn.Linear({d_model}, {d_model}); yours is {found}.")
        layers.append(layer)
    return layers


def make_attention(learner, d_model, num_heads, gen):
    """The learner's MultiHeadAttention in eval mode, with well-spread weights of our own (the
    default initialisation gives nearly uniform attention, in which many mistakes would hide)."""
    module = learner.MultiHeadAttention(d_model, num_heads)
    if not isinstance(module, nn.Module):
        fail("MultiHeadAttention should be an nn.Module: `class MultiHeadAttention(nn.Module):`, "
             "with super().__init__() first in __init__.")
    with torch.no_grad():
        for layer in find_layers(module, d_model, num_heads):
            layer.weight.copy_(randn(gen, d_model, d_model) / math.sqrt(d_model))
            if layer.bias is not None:
                layer.bias.copy_(0.3 * randn(gen, d_model))
    return module.eval()


def weight_and_bias(layer):
    weight = layer.weight.detach().double()
    bias = layer.bias.detach().double() if layer.bias is not None else torch.zeros(weight.size(0)).double()
    return weight, bias


def torch_attention(module, num_heads, query, key, value, mask=None):
    """(output, weights) of torch.nn.MultiheadAttention in float64, with the learner's weights."""
    d_model, (batch, q_len, _), k_len = query.size(-1), query.shape, key.size(1)
    oracle = nn.MultiheadAttention(d_model, num_heads, bias=True, batch_first=True).double().eval()
    weights, biases = zip(*(weight_and_bias(getattr(module, name)) for name in LAYER_NAMES))
    hidden = None
    if mask is not None:  # PyTorch's bool attn_mask is True where attending is NOT allowed
        hidden = (mask == 0).expand(batch, num_heads, q_len, k_len).reshape(-1, q_len, k_len)
    with torch.no_grad():
        oracle.in_proj_weight.copy_(torch.cat(weights[:3]))
        oracle.in_proj_bias.copy_(torch.cat(biases[:3]))
        oracle.out_proj.weight.copy_(weights[3])
        oracle.out_proj.bias.copy_(biases[3])
        return oracle(query.double(), key.double(), value.double(), attn_mask=hidden,
                      need_weights=True, average_attn_weights=False)


def attention_mistake(module, num_heads, query, key, value, mask=None, *, split="transpose",
                      merge="transpose", scale="head_dim", output_linear=True, key_layer="key_linear",
                      value_layer="value_linear", value_input="value", **how):
    """(output, weights) of multi-head attention with the learner's weights, computed with one of
    the known mistakes (float64)."""
    (batch, q_len, d_model), k_len = query.shape, key.size(1)
    head_dim = d_model // num_heads

    def project(x, name):
        weight, bias = weight_and_bias(getattr(module, name))
        return x.double() @ weight.T + bias

    def heads(x, length):
        if split == "transpose":
            return x.view(batch, length, num_heads, head_dim).transpose(1, 2)
        return x.reshape(batch, num_heads, length, head_dim)

    q = heads(project(query, "query_linear"), q_len)
    k = heads(project(key, key_layer), k_len)
    v = heads(project(value if value_input == "value" else key, value_layer), k_len)
    factor = {"head_dim": 1 / math.sqrt(head_dim), "d_model": 1 / math.sqrt(d_model), "none": 1.0}[scale]
    output, weights = attention64(q, k, v, mask, scale=factor, **how)
    if merge == "transpose":
        output = output.transpose(1, 2)
    output = output.reshape(batch, q_len, d_model)
    if output_linear:
        output = project(output, "output_linear")
    return output, weights


def mha_mistakes(module, num_heads, query, key, value, mask, part, ignore_last_query=()):
    """Each known mistake's output (part=0) or weights (part=1), computed when needed. For the
    mistakes named in `ignore_last_query` the last query row is not compared (an inverted causal
    mask hides that whole row: NaN with -inf, uniform with -1e9, both fine)."""
    def mistake(name, **how):
        def compute(got):
            value_ = attention_mistake(module, num_heads, query, key, value, mask, **how)[part]
            if name in ignore_last_query:
                value_ = value_.clone()
                value_[..., -1, :] = got.detach().double()[..., -1, :]
            return value_
        return compute

    weights_named = [
        (SPLIT_NO_TRANSPOSE, {"split": "view"}),
        (SCALED_BY_D_MODEL, {"scale": "d_model"}),
        (NOT_SCALED, {"scale": "none"}),
        (SOFTMAX_QUERY_AXIS, {"softmax_dim": -2}),
        (KV_SWAPPED, {"key_layer": "value_linear", "value_layer": "key_linear"}),
    ]
    if mask is not None:
        weights_named = [(MASK_INVERTED, {"masking": "inverted"}),
                         (MHA_MASK_IGNORED, {"masking": "ignored"})] + weights_named
    output_named = [
        (MERGE_NO_TRANSPOSE, {"merge": "view"}),
        (NO_OUTPUT_LINEAR, {"output_linear": False}),
        (VALUE_FROM_KEY, {"value_input": "key"}),
        (KEY_AS_VALUE, {"value_layer": "key_linear", "value_input": "key"}),
    ]
    return [(name, mistake(name, **how)) for name, how in (weights_named + output_named
                                                           if part == 0 else weights_named)]


def expect_mha_close(got, expected, what, candidates, context):
    mistakes = {name: (lambda compute=compute: compute(got)) for name, compute in candidates}
    expect_close(got, expected, what, mistakes=mistakes, context=context)


def call_mha(module, num_heads, query, key, value, mask=None):
    """The learner's (output, weights), their shapes checked against the contract."""
    call = describe_call("MultiHeadAttention", query, key, value, mask)
    args = (query, key, value) if mask is None else (query, key, value, mask)
    output, weights = as_pair(module(*args), call)
    (batch, q_len, d_model), k_len = query.shape, key.size(1)
    heads, head_dim = num_heads, d_model // num_heads
    expect_tensor(output, f"The output of {call}")
    expect_tensor(weights, f"The weights of {call}")
    known = {
        (batch, q_len, k_len): "the weights were averaged over the heads; return every head's "
                               "weights, shape (B, num_heads, Tq, Tk)",
        (batch, q_len, heads, heads): "the heads were split with view(B, T, num_heads, head_dim) "
                                      "but not transposed, so the attention ran across the heads "
                                      "instead of across the positions: add .transpose(1, 2) to get "
                                      "(B, num_heads, T, head_dim)",
        (batch * heads, q_len, k_len): "the heads were folded into the batch axis: give the weights "
                                       "back as (B, num_heads, Tq, Tk)",
        (batch, heads, k_len, q_len): "the scores were computed as key @ query.transpose(-2, -1); "
                                      "compute query @ key.transpose(-2, -1)",
    }
    expected_shape = (batch, heads, q_len, k_len)
    if tuple(weights.shape) != expected_shape:
        likely = known.get(tuple(weights.shape))
        fail(f"The weights of {call} have shape {shape_text(weights.shape)}; expected (B, num_heads, "
             f"Tq, Tk) = {shape_text(expected_shape)}." + (f"\nLikely mistake: {likely}." if likely else ""))
    if tuple(output.shape) != (batch, q_len, d_model):
        likely = "the heads were not merged back into (B, Tq, d_model)" \
            if tuple(output.shape) == (batch, heads, q_len, head_dim) else None
        fail(f"The output of {call} has shape {shape_text(output.shape)}; expected (B, Tq, d_model) "
             f"= {shape_text((batch, q_len, d_model))}." + (f"\nLikely mistake: {likely}." if likely else ""))
    return output, weights


def expect_mha(learner, d_model, num_heads, batch, q_len, k_len, seed, *, cross, mask=None,
               ignore_last_query=()):
    """One case: the learner's MultiHeadAttention against torch.nn.MultiheadAttention."""
    gen = generator(seed)
    module = make_attention(learner, d_model, num_heads, gen)
    query = randn(gen, batch, q_len, d_model)
    key, value = (randn(gen, batch, k_len, d_model), randn(gen, batch, k_len, d_model)) if cross \
        else (query, query)
    output, weights = call_mha(module, num_heads, query, key, value, mask)
    expected_output, expected_weights = torch_attention(module, num_heads, query, key, value, mask)
    context = (f" for {describe_call('MultiHeadAttention', query, key, value, mask)} with "
               f"d_model={d_model}, num_heads={num_heads}, compared with torch.nn.MultiheadAttention "
               f"holding your weights")
    args = (module, num_heads, query, key, value, mask)
    expect_mha_close(weights, expected_weights, "The weights",
                     mha_mistakes(*args, part=1, ignore_last_query=ignore_last_query), context)
    expect_mha_close(output, expected_output, "The output",
                     mha_mistakes(*args, part=0, ignore_last_query=ignore_last_query), context)


def test_attention_has_four_named_linear_layers(learner):
    """MultiHeadAttention has four nn.Linear(d_model, d_model) named query/key/value/output_linear"""
    for d_model, num_heads in ((12, 3), (10, 2)):
        module = learner.MultiHeadAttention(d_model, num_heads)
        if not isinstance(module, nn.Module):
            fail("MultiHeadAttention should be an nn.Module: `class MultiHeadAttention(nn.Module):`, "
                 "with super().__init__() first in __init__.")
        parameters = {id(p) for p in module.parameters()}
        for name, layer in zip(LAYER_NAMES, find_layers(module, d_model, num_heads)):
            if id(layer.weight) not in parameters:
                fail(f"The weight of `{name}` is not among MultiHeadAttention's parameters(), so an "
                     "optimizer would never train it: make it an nn.Linear attribute of the module.")


def test_attention_refuses_heads_that_do_not_divide_d_model(learner):
    """MultiHeadAttention refuses a d_model that num_heads does not divide"""
    learner.MultiHeadAttention(12, 3)  # a valid one first: a stub or a crash shows up plainly here
    for d_model, num_heads in ((10, 3), (12, 5)):
        try:
            learner.MultiHeadAttention(d_model, num_heads)
        except Exception:  # noqa: BLE001 - any clear refusal will do
            continue
        fail(f"MultiHeadAttention({d_model}, {num_heads}) was accepted, but {num_heads} heads cannot "
             f"share {d_model} features evenly (head_dim would be {d_model / num_heads:.3g}). Check "
             "that d_model is divisible by num_heads in __init__ and raise an error (a ValueError "
             "with a clear message) when it is not.")


def test_attention_returns_output_and_per_head_weights(learner):
    """MultiHeadAttention returns output (B, Tq, d_model) and weights (B, num_heads, Tq, Tk)"""
    for d_model, num_heads, batch, q_len, k_len in ((12, 3, 2, 5, 7), (10, 2, 3, 6, 4)):
        gen = generator(40 + d_model)
        module = make_attention(learner, d_model, num_heads, gen)
        query, key = randn(gen, batch, q_len, d_model), randn(gen, batch, k_len, d_model)
        call_mha(module, num_heads, query, key, key)


def test_self_attention_matches_pytorch(learner):
    """Self-attention matches torch.nn.MultiheadAttention holding the same weights"""
    expect_mha(learner, 12, 3, 2, 5, 5, seed=41, cross=False)
    expect_mha(learner, 10, 2, 3, 7, 7, seed=42, cross=False)


def test_cross_attention_matches_pytorch(learner):
    """Cross-attention (Tq != Tk, key != value) matches torch.nn.MultiheadAttention"""
    expect_mha(learner, 12, 3, 2, 5, 7, seed=43, cross=True)
    expect_mha(learner, 10, 2, 3, 6, 4, seed=44, cross=True)


def test_causal_mask_in_multi_head_attention(learner):
    """A causal mask (Tq, Tk) in MultiHeadAttention matches torch.nn.MultiheadAttention"""
    expect_mha(learner, 12, 3, 2, 6, 6, seed=45, cross=False, mask=rectangular_causal_mask(6, 6),
               ignore_last_query=(MASK_INVERTED,))
    expect_mha(learner, 10, 2, 3, 4, 6, seed=46, cross=True, mask=rectangular_causal_mask(4, 6))


def test_padding_mask_in_multi_head_attention(learner):
    """A padding mask (B, 1, 1, Tk) in MultiHeadAttention matches torch.nn.MultiheadAttention"""
    expect_mha(learner, 15, 5, 2, 6, 6, seed=47, cross=False, mask=padding_mask([4, 2], 6))
    expect_mha(learner, 10, 2, 3, 4, 7, seed=48, cross=True, mask=padding_mask([5, 2, 6], 7))


def test_sequences_of_a_batch_are_attended_on_their_own(learner):
    """Each sequence of a batch is attended on its own, whatever the others hold"""
    gen = generator(49)
    module = make_attention(learner, 12, 2, gen)
    x = randn(gen, 3, 5, 12)
    mask = padding_mask([4, 2, 3], 5)
    output, weights = call_mha(module, 2, x, x, x, mask)
    for b in range(3):
        alone = x[b:b + 1]
        output_alone, weights_alone = call_mha(module, 2, alone, alone, alone, mask[b:b + 1])
        for what, together, single in (("output", output, output_alone), ("weights", weights, weights_alone)):
            if not close(together[b:b + 1], single):
                fail(f"The {what} for sequence {b} of a batch of 3 differ from its {what} when it is "
                     "attended alone: sequences in a batch must not see each other. Look for a "
                     "softmax, view or reshape that mixes the batch axis with another one."
                     f"\n  in the batch {values_text(together[b:b + 1])}\n  alone        {values_text(single)}")


def test_gradients_reach_all_four_layers(learner):
    """Gradients flow back to all four linear layers"""
    gen = generator(50)
    module = make_attention(learner, 12, 3, gen).train()
    query, key = randn(gen, 2, 5, 12), randn(gen, 2, 7, 12)
    output, _ = call_mha(module, 3, query, key, key)
    if not output.requires_grad:
        fail("The output of MultiHeadAttention carries no gradient (output.requires_grad is False): "
             "is the forward pass inside torch.no_grad(), or is something .detach()ed?")
    (output * randn(gen, *output.shape)).sum().backward()
    missing = [name for name in LAYER_NAMES if getattr(module, name).weight.grad is None
               or not bool(getattr(module, name).weight.grad.abs().sum() > 0)]
    if missing:
        fail(f"No gradient reached {', '.join(f'`{n}`' for n in missing)} when backward() ran "
             "from the output: its result is cut off from the output (a .detach(), .data, .item(), "
             "torch.no_grad(), or a layer that is not used), so training would never change it.")
