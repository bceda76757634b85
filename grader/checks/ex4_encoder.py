"""Hidden checks for exercise 4 · encoder.

The oracle: torch.nn.TransformerEncoderLayer(d_model, num_heads, hidden_dim, activation="relu",
batch_first=True, norm_first=False), in float64, holding copies of the learner's own weights: the
attention's four projections (query, key and value stacked into in_proj_weight), both Linear layers
of the feed-forward network and both LayerNorms. The LayerNorms' weights and biases are randomised,
so that norm1 and norm2 cannot stand in for each other unnoticed. Every known wiring mistake is
recomputed in float64 on the same weights and inputs, so that a failure can name it, and a spy on
the learner's self_attention records how it was called, so that a call with the wrong arguments is
named too. Within a case every size differs from every other (batch, T, d_model, num_heads,
head_dim, hidden_dim), so that a swapped axis cannot hide.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from grader.checks.support import (close, expect_tensor, fail, generator, largest_difference,
                                   name_mistake, shape_text, values_text)
from grader.loader import format_learner_traceback

_is_tensor = torch.is_tensor
_isnan = torch.isnan
_equal = torch.equal

PART_NAMES = ("self_attention", "norm1", "dropout1", "feed_forward", "norm2", "dropout2")
ATTENTION_LAYERS = ("query_linear", "key_linear", "value_linear", "output_linear")

# (batch, T, d_model, num_heads, hidden_dim): in each, head_dim = d_model // num_heads differs too.
SMALL = (3, 5, 12, 2, 20)
NARROW = (2, 7, 15, 3, 11)  # hidden_dim below d_model: a hidden size fixed at 4 * d_model shows
MANY_HEADS = (4, 6, 10, 5, 9)

# The mistakes, in the lesson's words.
PRE_NORM = ("the layer is wired pre-norm, x + attention(norm1(x)) then x + feed_forward(norm2(x)); "
            "this course's layer is post-norm: add first, then normalise, "
            "x = norm1(x + dropout1(attention)), then x = norm2(x + dropout2(feed_forward(x)))")
NORM_BEFORE_ADD = ("each LayerNorm was applied to its sub-layer's output before the residual was "
                   "added, x + norm1(attention); normalise the sum instead: norm1(x + attention)")
NO_ATTENTION_RESIDUAL = ("the residual connection around the attention is missing: add the layer's "
                         "input back before norm1, norm1(x + dropout1(attention))")
NO_FEED_FORWARD_RESIDUAL = ("the residual connection around the feed-forward network is missing: "
                            "norm2(x + dropout2(feed_forward(x)))")
NO_RESIDUALS = ("both residual connections are missing: each sub-layer's input is added to its "
                "output before the LayerNorm, norm1(x + ...) and norm2(x + ...)")
NO_ACTIVATION = ("the feed-forward network has no activation: put a ReLU between its two Linear "
                 "layers (without it the two collapse into one linear map)")
GELU = ("the feed-forward network uses GELU; this course's layer, like "
        "torch.nn.TransformerEncoderLayer's default, uses ReLU between the two Linear layers")
ACTIVATION_AFTER_OUTPUT = ("a ReLU also follows the second Linear layer of the feed-forward network; "
                           "the ReLU belongs only between the two Linear layers")
MASK_NOT_PASSED = ("the mask was not passed on to the attention: "
                   "self.self_attention(x, x, x, mask)")
MASK_INVERTED = ("the mask was inverted (~mask) before the attention. In this course True means "
                 "'may attend', exactly what your attention of exercise 3 expects: pass the mask on "
                 "unchanged")
MASK_CHANGED = ("the mask that reached self_attention is not the one the layer was given: pass the "
                "`mask` argument on unchanged")
OWN_MASK = ("the layer made a mask of its own (a causal mask?) although it was given none; the caller "
            "decides which mask to use: pass on the `mask` argument as it is (None means no mask)")
NORM1_TWICE = ("norm1 was used twice; the second add & norm uses norm2: "
               "x = norm2(x + dropout2(feed_forward(x)))")
NORM2_TWICE = ("norm2 was used twice; the first add & norm uses norm1: "
               "x = norm1(x + dropout1(attention))")
NORMS_SWAPPED = ("norm1 and norm2 are swapped: norm1 follows the attention, norm2 the feed-forward "
                 "network")
FEED_FORWARD_ON_INPUT = ("the feed-forward network was given the layer's input instead of the result "
                         "of the first add & norm: x = norm1(...) first, then feed_forward(x)")
SECOND_RESIDUAL_FROM_INPUT = ("the second residual adds the layer's input instead of the result of "
                              "the first add & norm: after x = norm1(...), x = norm2(x + "
                              "dropout2(feed_forward(x))) with that new x")
DROPOUT_IN_EVAL = ("dropout is active in eval mode: two calls on the same input gave different "
                   "outputs. Use nn.Dropout modules (self.dropout1, ...), which switch off in eval "
                   "mode, or F.dropout(x, p, training=self.training)")
WRONG_ATTENTION_CALL = ("self_attention was called with the wrong arguments: self-attention takes "
                        "the layer's input x as query, key and value, then the mask: "
                        "self.self_attention(x, x, x, mask)")
PAIR_NOT_UNPACKED = ("self_attention returns a pair (output, weights); unpack it before adding the "
                     "residual: attended, _ = self.self_attention(x, x, x, mask)")


# ----------------------------------------------------------------------------------- inputs

def randn(gen, *shape):
    return torch.randn(*shape, generator=gen)


def causal(size):
    """(size, size) bool, True where key j <= query i (the course's convention)."""
    return torch.ones(size, size, dtype=torch.bool).tril()


def random_mask(gen, size):
    """A (size, size) bool mask in which every query row allows at least one key and hides at least
    one, so that neither the mask nor its inverse hides a whole row."""
    allowed = torch.rand(size, size, generator=gen) < 0.5
    kept = torch.randint(size, (size, 1), generator=gen)
    hidden = (kept + 1 + torch.randint(size - 1, (size, 1), generator=gen)) % size
    return allowed.scatter(-1, kept, True).scatter(-1, hidden, False)


def describe_call(x, mask=None):
    text = f"TransformerEncoderLayer(...)(x {shape_text(x.shape)}"
    if mask is not None:
        text += f", mask {shape_text(mask.shape)}"
    return text + ")"


def describe_sizes(sizes, dropout):
    batch, length, d_model, num_heads, hidden_dim = sizes
    return (f"TransformerEncoderLayer(d_model={d_model}, num_heads={num_heads}, "
            f"hidden_dim={hidden_dim}, dropout={dropout})")


# ------------------------------------------------------------------------- finding the parts

def linear_text(layer):
    if isinstance(layer, nn.Linear):
        return f"nn.Linear({layer.in_features}, {layer.out_features})"
    return type(layer).__name__


def has_shape(tensor, shape):
    return _is_tensor(tensor) and tuple(tensor.shape) == tuple(shape)


def part(layer, name, sizes):
    """The learner's attribute `name`, or a failure that says it is missing."""
    found = getattr(layer, name, None)
    if found is None:
        present = [n for n, _ in layer.named_children()]
        batch, length, d_model, num_heads, hidden_dim = sizes
        fail(f"TransformerEncoderLayer(d_model={d_model}, num_heads={num_heads}, hidden_dim="
             f"{hidden_dim}, ...) has no attribute `{name}`. The layer needs "
             f"{', '.join(PART_NAMES)} (see the stub)"
             + (f"; yours has {', '.join(present)}" if present else "") + ".")
    return found


def attention_layers(layer, sizes):
    """The four projections of self_attention, checked by name and shape."""
    d_model = sizes[2]
    attention = part(layer, "self_attention", sizes)
    if not isinstance(attention, nn.Module):
        fail(f"`self_attention` should be your MultiHeadAttention(d_model, num_heads) from exercise 3 "
             f"(an nn.Module); yours is {type(attention).__name__}.")
    layers = []
    for name in ATTENTION_LAYERS:
        linear = getattr(attention, name, None)
        if linear is None:
            fail(f"`self_attention` has no attribute `{name}`: it should be your MultiHeadAttention "
                 "of exercise 3, with query_linear, key_linear, value_linear and output_linear.")
        bias = getattr(linear, "bias", None)
        if not (has_shape(getattr(linear, "weight", None), (d_model, d_model))
                and (bias is None or has_shape(bias, (d_model,)))):
            fail(f"`self_attention.{name}` should be nn.Linear({d_model}, {d_model}) for "
                 f"d_model={d_model}; yours is {linear_text(linear)}.")
        layers.append(linear)
    return attention, layers


def feed_forward_layers(layer, sizes, attention):
    """(widen, narrow): the feed-forward network's Linear(d_model, hidden_dim) and
    Linear(hidden_dim, d_model), found by shape among its Linear layers (or, when there is no
    feed_forward module, among the layer's own Linear layers outside the attention)."""
    d_model, hidden_dim = sizes[2], sizes[4]
    network = getattr(layer, "feed_forward", None)
    if isinstance(network, nn.Module):
        pool = [m for m in network.modules() if isinstance(m, nn.Linear)]
        where = "`feed_forward`"
    else:
        inside_attention = {id(m) for m in attention.modules()}
        pool = [m for m in layer.modules() if isinstance(m, nn.Linear) and id(m) not in inside_attention]
        where = "the layer (outside self_attention)"
    widen = [m for m in pool if (m.in_features, m.out_features) == (d_model, hidden_dim)]
    narrow = [m for m in pool if (m.in_features, m.out_features) == (hidden_dim, d_model)]
    if len(widen) != 1 or len(narrow) != 1:
        found = ", ".join(linear_text(m) for m in pool) or "no nn.Linear at all"
        fail(f"For d_model={d_model} and hidden_dim={hidden_dim}, the feed-forward network should hold "
             f"nn.Linear({d_model}, {hidden_dim}) then nn.Linear({hidden_dim}, {d_model}): it widens "
             f"every position to hidden_dim features and narrows it back; {where} holds {found}."
             + ("\nLikely mistake: the hidden size is fixed in the code; use the `hidden_dim` argument."
                if pool and all(hidden_dim not in (m.in_features, m.out_features) for m in pool) else ""))
    return widen[0], narrow[0]


def norm_layer(layer, name, sizes):
    """norm1 or norm2: an nn.LayerNorm(d_model), or any module with a weight and a bias of shape
    (d_model,) (either may be None, as in LayerNorm(d_model, elementwise_affine=False))."""
    d_model = sizes[2]
    norm = part(layer, name, sizes)
    weight, bias = getattr(norm, "weight", None), getattr(norm, "bias", None)
    if not (isinstance(norm, nn.Module) and (weight is None or has_shape(weight, (d_model,)))
            and (bias is None or has_shape(bias, (d_model,)))
            and (isinstance(norm, nn.LayerNorm) or weight is not None)):
        found = (f"nn.LayerNorm({tuple(norm.normalized_shape)})" if isinstance(norm, nn.LayerNorm)
                 else type(norm).__name__)
        fail(f"`{name}` should be nn.LayerNorm({d_model}), normalising the d_model features of each "
             f"position; yours is {found}.")
    return norm


@dataclass
class Weights:
    """Float64 copies of the learner's weights, which the oracle and the mistakes compute with."""
    num_heads: int
    attention: dict
    linear1: tuple
    linear2: tuple
    norms: dict


def weight_and_bias(linear):
    weight = linear.weight.detach().double()
    bias = linear.bias.detach().double() if linear.bias is not None else torch.zeros(weight.size(0)).double()
    return weight, bias


def norm_weights(norm, d_model):
    weight = norm.weight.detach().double() if norm.weight is not None else torch.ones(d_model).double()
    bias = getattr(norm, "bias", None)
    bias = bias.detach().double() if bias is not None else torch.zeros(d_model).double()
    return weight, bias, float(getattr(norm, "eps", 1e-5))


@dataclass
class Built:
    layer: nn.Module
    attention: nn.Module
    weights: Weights
    parameters: dict  # name for the learner -> the parameter, for the gradient check


def make_layer(learner, sizes, dropout, seed):
    """The learner's TransformerEncoderLayer, made with the global generator seeded, so that
    whatever its __init__ draws is the same on every run."""
    _, _, d_model, num_heads, hidden_dim = sizes
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layer = learner.TransformerEncoderLayer(d_model, num_heads, hidden_dim, dropout)
    if not isinstance(layer, nn.Module):
        fail("TransformerEncoderLayer should be an nn.Module: "
             "`class TransformerEncoderLayer(nn.Module):`, with super().__init__() first in __init__.")
    return layer


def build_layer(learner, sizes, dropout, seed):
    """The learner's layer in eval mode, every weight it shares with PyTorch's layer set from a
    seeded generator: well-spread attention, and two LayerNorms that differ from each other."""
    d_model, num_heads = sizes[2], sizes[3]
    layer = make_layer(learner, sizes, dropout, seed)
    attention, projections = attention_layers(layer, sizes)
    linear1, linear2 = feed_forward_layers(layer, sizes, attention)
    norms = {name: norm_layer(layer, name, sizes) for name in ("norm1", "norm2")}
    gen = generator(seed)
    with torch.no_grad():
        for linear in projections + [linear1, linear2]:
            linear.weight.copy_(randn(gen, *linear.weight.shape) / math.sqrt(linear.in_features))
            if linear.bias is not None:
                linear.bias.copy_(0.3 * randn(gen, linear.out_features))
        for norm in norms.values():
            if norm.weight is not None:
                norm.weight.copy_(0.4 + 1.2 * torch.rand(d_model, generator=gen))
            if getattr(norm, "bias", None) is not None:
                norm.bias.copy_(0.5 * randn(gen, d_model))
    weights = Weights(num_heads,
                      {name: weight_and_bias(linear) for name, linear in zip(ATTENTION_LAYERS, projections)},
                      weight_and_bias(linear1), weight_and_bias(linear2),
                      {name: norm_weights(norm, d_model) for name, norm in norms.items()})
    parameters = {f"self_attention.{name}.weight": linear.weight
                  for name, linear in zip(ATTENTION_LAYERS, projections)}
    parameters["the feed-forward network's first Linear"] = linear1.weight
    parameters["the feed-forward network's second Linear"] = linear2.weight
    for name, norm in norms.items():
        for kind in ("weight", "bias"):
            if getattr(norm, kind, None) is not None:
                parameters[f"{name}.{kind}"] = getattr(norm, kind)
    return Built(layer.eval(), attention, weights, parameters)


# ------------------------------------------------------------------------------- the oracle

def pytorch_layer_output(weights, x, mask=None):
    """What torch.nn.TransformerEncoderLayer computes with the learner's weights, in float64."""
    d_model, hidden_dim = x.size(-1), weights.linear1[0].size(0)
    oracle = nn.TransformerEncoderLayer(d_model, weights.num_heads, hidden_dim, dropout=0.0,
                                        activation="relu", batch_first=True, norm_first=False)
    oracle = oracle.double().eval()
    attention = [weights.attention[name] for name in ATTENTION_LAYERS]
    with torch.no_grad():
        oracle.self_attn.in_proj_weight.copy_(torch.cat([w for w, _ in attention[:3]]))
        oracle.self_attn.in_proj_bias.copy_(torch.cat([b for _, b in attention[:3]]))
        oracle.self_attn.out_proj.weight.copy_(attention[3][0])
        oracle.self_attn.out_proj.bias.copy_(attention[3][1])
        for target, (weight, bias) in ((oracle.linear1, weights.linear1), (oracle.linear2, weights.linear2)):
            target.weight.copy_(weight)
            target.bias.copy_(bias)
        for target, name in ((oracle.norm1, "norm1"), (oracle.norm2, "norm2")):
            weight, bias, eps = weights.norms[name]
            target.weight.copy_(weight)
            target.bias.copy_(bias)
            target.eps = eps
    hidden = None if mask is None else mask == 0  # PyTorch's bool src_mask is True where NOT allowed
    # Called with autograd on (its parameters require grad), so that PyTorch takes its plain path
    # rather than the fused inference kernel.
    return oracle(x.double(), src_mask=hidden).detach()


def attend64(weights, x, mask=None):
    """Multi-head self-attention with the learner's projections, in float64."""
    batch, length, d_model = x.shape
    heads = weights.num_heads

    def project(inputs, name):
        weight, bias = weights.attention[name]
        return inputs @ weight.T + bias

    def split(inputs):  # (B, T, d_model) -> (B, heads, T, head_dim)
        return inputs.view(batch, length, heads, d_model // heads).transpose(1, 2)

    q, k, v = (split(project(x, name)) for name in ATTENTION_LAYERS[:3])
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_model // heads)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    output = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, d_model)
    return project(output, "output_linear")


def feed_forward64(weights, x, activation="relu"):
    (weight1, bias1), (weight2, bias2) = weights.linear1, weights.linear2
    hidden = x @ weight1.T + bias1
    hidden = {"relu": F.relu, "gelu": F.gelu, "none": lambda h: h, "relu_after": F.relu}[activation](hidden)
    output = hidden @ weight2.T + bias2
    return F.relu(output) if activation == "relu_after" else output


def encoder64(weights, x, mask=None, *, order="post", attention_mask="given", activation="relu",
              attention_residual=True, feed_forward_residual=True, norms=("norm1", "norm2"),
              feed_forward_input="first", second_residual="first"):
    """The layer's output in float64, as the contract says (the defaults) or with one mistake."""
    x = x.double()
    mask = {"given": mask, "none": None, "inverted": None if mask is None else mask == 0,
            "causal": causal(x.size(1))}[attention_mask]
    d_model = x.size(-1)

    def normalise(inputs, name):
        weight, bias, eps = weights.norms[name]
        return F.layer_norm(inputs, (d_model,), weight, bias, eps)

    first, second = norms
    if order == "pre":
        h = x + attend64(weights, normalise(x, first), mask)
        return h + feed_forward64(weights, normalise(h, second), activation)
    if order == "norm_before_add":
        h = x + normalise(attend64(weights, x, mask), first)
        return h + normalise(feed_forward64(weights, h, activation), second)
    attended = attend64(weights, x, mask)
    h = normalise(x + attended if attention_residual else attended, first)
    transformed = feed_forward64(weights, h if feed_forward_input == "first" else x, activation)
    base = h if second_residual == "first" else x
    return normalise(base + transformed if feed_forward_residual else transformed, second)


def layer_mistakes(weights, x, mask=None):
    """Each known mistake's output on the same weights and input (computed only when needed)."""
    def output(**how):
        return lambda: encoder64(weights, x, mask, **how)

    mistakes = {}
    if mask is not None:
        mistakes[MASK_NOT_PASSED] = output(attention_mask="none")
        mistakes[MASK_INVERTED] = output(attention_mask="inverted")
    else:
        mistakes[OWN_MASK] = output(attention_mask="causal")
    mistakes.update({
        PRE_NORM: output(order="pre"),
        NORM_BEFORE_ADD: output(order="norm_before_add"),
        NO_RESIDUALS: output(attention_residual=False, feed_forward_residual=False),
        NO_ATTENTION_RESIDUAL: output(attention_residual=False),
        NO_FEED_FORWARD_RESIDUAL: output(feed_forward_residual=False),
        NO_ACTIVATION: output(activation="none"),
        GELU: output(activation="gelu"),
        ACTIVATION_AFTER_OUTPUT: output(activation="relu_after"),
        NORM1_TWICE: output(norms=("norm1", "norm1")),
        NORM2_TWICE: output(norms=("norm2", "norm2")),
        NORMS_SWAPPED: output(norms=("norm2", "norm1")),
        FEED_FORWARD_ON_INPUT: output(feed_forward_input="input"),
        SECOND_RESIDUAL_FROM_INPUT: output(second_residual="input"),
    })
    return mistakes


# ------------------------------------------------------------------- running the learner's layer

MISSING = object()


class AttentionSpy:
    """Records the arguments self_attention is called with, to name a call that is not
    self_attention(x, x, x, mask). It only watches: the call itself is left as it is."""

    def __init__(self, attention):
        self.attention = attention
        self.calls = []
        self.handle = attention.register_forward_pre_hook(self.record, with_kwargs=True)

    def record(self, module, args, kwargs):
        self.calls.append((args, dict(kwargs)))

    def remove(self):
        self.handle.remove()

    def arguments(self):
        """(query, key, value, mask) of the first call, MISSING where one was not given; None if
        the attention was not called through its module (or its forward takes *args)."""
        if not self.calls:
            return None
        args, kwargs = self.calls[0]
        try:
            signature = inspect.signature(self.attention.forward)
            bound = signature.bind(*args, **kwargs)
        except (TypeError, ValueError):
            signature, bound = None, None
        if bound is None:  # the call itself does not fit the signature: read it as it was written
            given = list(args) + list(kwargs.values())
            return tuple(given[:4]) + (MISSING,) * (4 - min(4, len(given)))
        positional = [p for p in signature.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) < 3:
            return None
        values = [bound.arguments.get(p.name, MISSING) for p in positional[:4]]
        return tuple(values) + (MISSING,) * (4 - len(values))

    def problem(self, x, mask):
        """A sentence naming what is wrong with the recorded call, or None."""
        recorded = self.arguments()
        if recorded is None:
            return None
        *inputs, given_mask = recorded
        wrong = [f"its {role} was {describe_argument(value, x, mask)}"
                 for role, value in zip(("query", "key", "value"), inputs)
                 if not (_is_tensor(value) and tuple(value.shape) == tuple(x.shape) and close(value, x))]
        if wrong:
            return f"{WRONG_ATTENTION_CALL}; in yours {', '.join(wrong)}"
        given_mask = None if given_mask is MISSING else given_mask
        if mask is None:
            return OWN_MASK if _is_tensor(given_mask) else None
        if given_mask is None:
            return MASK_NOT_PASSED
        return mask_problem(given_mask, mask)


def describe_argument(value, x, mask):
    if value is MISSING:
        return "not given"
    if value is None:
        return "None"
    if not _is_tensor(value):
        return f"a {type(value).__name__}"
    if mask is not None and tuple(value.shape) == tuple(mask.shape) and bool(((value != 0) == mask).all()):
        return "the mask"
    if tuple(value.shape) == tuple(x.shape):
        return "not the layer's input x"
    return f"a tensor of shape {shape_text(value.shape)}, not the layer's input x {shape_text(x.shape)}"


def mask_problem(given_mask, mask):
    """None when the mask that reached the attention allows what the layer's mask allows."""
    if not _is_tensor(given_mask):
        return MASK_CHANGED
    try:
        given_allowed, allowed = torch.broadcast_tensors((given_mask != 0).cpu(), mask)
    except RuntimeError:
        return MASK_CHANGED
    if bool((given_allowed == allowed).all()):
        return None
    if bool((given_allowed == ~allowed).all()):
        return MASK_INVERTED
    return MASK_CHANGED


def run_layer(built, x, mask=None):
    """The learner's output for x (and mask), its type and shape checked; an error raised inside is
    explained when the attention's call or a pair left packed accounts for it."""
    call = describe_call(x, mask)
    spy = AttentionSpy(built.attention)
    try:
        result = built.layer(x.clone()) if mask is None else built.layer(x.clone(), mask)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - explained when we can, else reported as it is
        problem = spy.problem(x, mask)
        if problem is None and isinstance(error, TypeError) and "tuple" in str(error):
            problem = PAIR_NOT_UNPACKED
        if problem is None:
            raise
        fail(f"{call} raised an error:\n{format_learner_traceback(error)}\nLikely mistake: {problem}")
    finally:
        spy.remove()
    if isinstance(result, (tuple, list)):
        fail(f"{call} returned a {type(result).__name__} of {len(result)} items; forward should return "
             f"the output tensor alone, shape (B, T, d_model) = {shape_text(x.shape)}.")
    expect_tensor(result, f"The output of {call}")
    if tuple(result.shape) != tuple(x.shape):
        fail(f"The output of {call} has shape {shape_text(result.shape)}; expected the input's shape "
             f"(B, T, d_model) = {shape_text(x.shape)}: a layer keeps one d_model vector per position, "
             "so that layers can be stacked.")
    return result, spy


def same_output(first, second):
    """True when two runs gave the same output, NaN in the same places included (a mask that
    hides a whole row gives NaN every time: that is not randomness)."""
    first, second = first.detach(), second.detach()
    if first.shape != second.shape or not _equal(_isnan(first), _isnan(second)):
        return False
    return close(first.nan_to_num(0.0), second.nan_to_num(0.0))


def expect_oracle(built, x, mask, got, spy, context):
    """Compare with PyTorch's layer; on a difference, name the likely mistake."""
    expected = pytorch_layer_output(built.weights, x, mask)
    if close(got, expected):
        return
    again, _ = run_layer(built, x, mask)
    mistake = DROPOUT_IN_EVAL if not same_output(again, got) else None
    mistake = (mistake or name_mistake(got, layer_mistakes(built.weights, x, mask))
               or spy.problem(x, mask))
    fail(f"The output is not what it should be{context}."
         + (f"\nLikely mistake: {mistake}" if mistake else "")
         + f"\n  expected {values_text(expected)}\n  got      {values_text(got)}"
         f"\n  (largest difference {largest_difference(got, expected):.3g}, "
         f"shape {shape_text(expected.shape)})")


def expect_layer(learner, sizes, seed, mask_kind=None, dropout=0.2):
    """One case: the learner's layer (eval mode) against torch.nn.TransformerEncoderLayer."""
    batch, length, d_model, num_heads, hidden_dim = sizes
    built = build_layer(learner, sizes, dropout, seed)
    gen = generator(seed + 1000)
    x = randn(gen, batch, length, d_model)
    mask = {None: None, "causal": causal(length), "random": random_mask(gen, length)}[mask_kind]
    got, spy = run_layer(built, x, mask)
    context = (f" for {describe_call(x, mask)} with {describe_sizes(sizes, dropout)} in eval mode, "
               "compared with torch.nn.TransformerEncoderLayer holding your weights")
    expect_oracle(built, x, mask, got, spy, context)


# ----------------------------------------------------------------------------------- checks

def test_layer_has_its_named_parts(learner):
    """The layer has self_attention, norm1, dropout1, feed_forward, norm2 and dropout2"""
    for sizes in (SMALL, NARROW):
        layer = make_layer(learner, sizes, 0.1, seed=1)
        missing = [name for name in PART_NAMES if getattr(layer, name, None) is None]
        if missing:
            present = [n for n, _ in layer.named_children()]
            fail(f"{describe_sizes(sizes, 0.1)} has no {', '.join(f'`{n}`' for n in missing)}. The "
                 f"layer's parts are named {', '.join(PART_NAMES)}"
                 + (f"; yours has {', '.join(present)}" if present else "") + ".")
        attention, _ = attention_layers(layer, sizes)
        norms = [norm_layer(layer, name, sizes) for name in ("norm1", "norm2")]
        if norms[0] is norms[1]:
            fail("`norm1` and `norm2` are the same LayerNorm object: each add & norm needs its own "
                 "nn.LayerNorm(d_model), with its own weights.")
        for name in ("dropout1", "dropout2"):
            if not isinstance(getattr(layer, name), nn.Module):
                fail(f"`{name}` should be nn.Dropout(dropout); yours is "
                     f"{type(getattr(layer, name)).__name__}.")
        registered = {id(p) for p in layer.parameters()}
        for name, module in (("self_attention", attention), ("norm1", norms[0]), ("norm2", norms[1])):
            if any(id(p) not in registered for p in module.parameters()):
                fail(f"The parameters of `{name}` are not among the layer's parameters(), so an "
                     "optimizer would never train them: make it an attribute of the module "
                     f"(self.{name} = ...), not an item of a plain list or dict.")


def test_feed_forward_widens_then_narrows(learner):
    """feed_forward holds nn.Linear(d_model, hidden_dim) and nn.Linear(hidden_dim, d_model)"""
    for sizes in (SMALL, NARROW):
        layer = make_layer(learner, sizes, 0.1, seed=2)
        network = part(layer, "feed_forward", sizes)
        if not isinstance(network, nn.Module):
            fail("`feed_forward` should be a module, nn.Sequential(nn.Linear(d_model, hidden_dim), "
                 f"nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden_dim, d_model)); yours is "
                 f"{type(network).__name__}.")
        attention, _ = attention_layers(layer, sizes)
        widen, narrow = feed_forward_layers(layer, sizes, attention)
        registered = {id(p) for p in layer.parameters()}
        if id(widen.weight) not in registered or id(narrow.weight) not in registered:
            fail("The Linear layers of `feed_forward` are not among the layer's parameters(), so an "
                 "optimizer would never train them: build it as an nn.Sequential (or another module).")


def test_output_has_the_input_shape(learner):
    """forward(x, mask) returns one tensor of x's shape, (B, T, d_model)"""
    for seed, sizes in enumerate((SMALL, NARROW, MANY_HEADS), start=10):
        built = build_layer(learner, sizes, 0.1, seed)
        x = randn(generator(seed), *sizes[:3])
        run_layer(built, x)
        run_layer(built, x, causal(sizes[1]))


def test_matches_pytorch_without_a_mask(learner):
    """Without a mask the layer matches torch.nn.TransformerEncoderLayer holding the same weights"""
    expect_layer(learner, SMALL, seed=41)
    expect_layer(learner, NARROW, seed=42)


def test_matches_pytorch_with_a_causal_mask(learner):
    """With a causal mask the layer matches torch.nn.TransformerEncoderLayer"""
    expect_layer(learner, NARROW, seed=43, mask_kind="causal")
    expect_layer(learner, MANY_HEADS, seed=44, mask_kind="causal")


def test_matches_pytorch_with_any_mask(learner):
    """With any mask (True = may attend) the layer matches torch.nn.TransformerEncoderLayer"""
    expect_layer(learner, SMALL, seed=45, mask_kind="random")
    expect_layer(learner, MANY_HEADS, seed=46, mask_kind="random")


def test_causal_mask_keeps_the_future_out(learner):
    """With a causal mask, the output at position t does not depend on later positions"""
    batch, length, d_model = NARROW[:3]
    built = build_layer(learner, NARROW, 0.0, 47)
    gen = generator(47)
    x = randn(gen, batch, length, d_model)
    changed = x.clone()
    cut = length // 2
    changed[:, cut + 1:] = randn(gen, batch, length - cut - 1, d_model)
    mask = causal(length)
    before, spy = run_layer(built, x, mask)
    after, _ = run_layer(built, changed, mask)
    if same_output(before[:, :cut + 1], after[:, :cut + 1]):
        return
    likely = spy.problem(x, mask)
    fail(f"With a causal mask, changing the input at positions {cut + 1} to {length - 1} changed the "
         f"output at positions 0 to {cut}: earlier positions saw later ones, which a language model "
         "must never do (it would read the answer it is asked to predict)."
         + (f"\nLikely mistake: {likely}" if likely else "")
         + f"\n  before {values_text(before[:, cut])}\n  after  {values_text(after[:, cut])}"
         f"  (position {cut})")


def test_eval_mode_is_deterministic(learner):
    """In eval mode dropout is off: the same input gives the same output"""
    built = build_layer(learner, SMALL, 0.5, 48)
    x = randn(generator(48), *SMALL[:3])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(48)
        first, _ = run_layer(built, x)
        second, _ = run_layer(built, x)
    if not same_output(first, second):
        fail("In eval mode, with dropout=0.5, two calls on the same input gave different outputs."
             f"\nLikely mistake: {DROPOUT_IN_EVAL}"
             f"\n  first  {values_text(first)}\n  second {values_text(second)}")


def test_training_mode_applies_dropout(learner):
    """In training mode dropout changes the output; with dropout=0 it changes nothing"""
    built = build_layer(learner, NARROW, 0.5, 49)
    x = randn(generator(49), *NARROW[:3])
    evaluated, _ = run_layer(built, x)
    built.layer.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(49)
        trained = [run_layer(built, x)[0] for _ in range(2)]
    if all(same_output(output, evaluated) for output in trained):
        fail("In training mode, with dropout=0.5, the output is the same as in eval mode: dropout is "
             "never applied. Use the dropouts: x = norm1(x + dropout1(attention)), "
             "x = norm2(x + dropout2(feed_forward(x))), and nn.Dropout(dropout) inside feed_forward.")
    built = build_layer(learner, NARROW, 0.0, 50)
    evaluated, _ = run_layer(built, x)
    built.layer.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(50)
        trained, _ = run_layer(built, x)
    if not same_output(trained, evaluated):
        fail("In training mode with dropout=0.0 the output should be what eval mode gives (a dropout "
             "of 0 drops nothing), but it is not."
             "\nLikely mistake: a dropout rate written into the code, e.g. nn.Dropout(0.1); use the "
             "`dropout` argument everywhere."
             f"\n  eval mode     {values_text(evaluated)}\n  training mode {values_text(trained)}")


def test_gradients_reach_every_part(learner):
    """Gradients flow back to the attention, the feed-forward network and both norms"""
    built = build_layer(learner, SMALL, 0.0, 51)
    built.layer.train()
    gen = generator(51)
    x = randn(gen, *SMALL[:3])
    output, _ = run_layer(built, x)
    if not output.requires_grad:
        fail("The layer's output carries no gradient (output.requires_grad is False): is the forward "
             "pass inside torch.no_grad(), or is something .detach()ed?")
    try:
        (output * randn(gen, *output.shape)).sum().backward()
    except RuntimeError as error:
        if "inplace" not in str(error):
            raise
        fail("backward() from the layer's output failed: a tensor that autograd still needed was "
             "changed in place.\nLikely mistake: an in-place update such as `x += ...` or "
             "`x.add_(...)` on a tensor that a Linear or LayerNorm has already used; write "
             f"`x = x + ...` instead.\n  ({type(error).__name__}: {str(error).splitlines()[0][:160]})")
    missing = [name for name, parameter in built.parameters.items()
               if parameter.grad is None or not bool(parameter.grad.abs().sum() > 0)]
    if missing:
        fail(f"No gradient reached {', '.join(missing)} when backward() ran from the output: it is cut "
             "off from the output (a .detach(), .data, .item(), torch.no_grad(), or a part that is "
             "not used), so training would never change it.")
