"""What every check module shares: failing with a message, comparing tensors, naming mistakes.

This module is imported in the child process before any learner code is loaded, and it binds
the torch functions it compares with at that moment. Learner code that later replaces
`torch.allclose` (or friends) changes nothing here.
"""

from __future__ import annotations

import math
import types
from typing import NoReturn

import torch

_allclose = torch.allclose
_is_tensor = torch.is_tensor
_isfinite = torch.isfinite
_equal = torch.equal
_as_tensor = torch.as_tensor
_float64 = torch.float64
_Tensor = torch.Tensor


class CheckFailure(AssertionError):
    """A check failed; the message is written for the learner."""


def fail(message: str) -> NoReturn:
    raise CheckFailure(message)


class Learner:
    """The learner's definitions. Asking for a name they have not defined fails the check with a
    message that says which name is missing, instead of an AttributeError."""

    def __init__(self, module: types.ModuleType):
        self._module = module

    def __getattr__(self, name: str):
        try:
            return getattr(self._module, name)
        except AttributeError:
            fail(f"Your file does not define `{name}`, which this exercise asks for "
                 f"(check its spelling against the stub).")

    def has(self, name: str) -> bool:
        return hasattr(self._module, name)


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def shape_text(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def values_text(tensor, count: int = 6) -> str:
    """The first few values of a tensor, short enough for a message."""
    flat = tensor.detach().reshape(-1).to(_float64)
    shown = ", ".join(f"{float(v):.4g}" for v in flat[:count])
    return f"[{shown}{', ...' if flat.numel() > count else ''}]"


def expect_tensor(value, what: str, shape=None, dtype=None) -> None:
    """Fail unless `value` is a tensor of the given shape (and dtype)."""
    if not _is_tensor(value):
        fail(f"{what} should be a torch tensor, but your code gave {type(value).__name__}"
             + (" (did you forget a `return`?)" if value is None else "") + ".")
    if shape is not None and tuple(value.shape) != tuple(shape):
        fail(f"{what} has shape {shape_text(value.shape)}; expected {shape_text(shape)}.")
    if dtype is not None and value.dtype != dtype:
        fail(f"{what} has dtype {value.dtype}; expected {dtype}.")


def close(got, expected, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """True when two tensors have the same shape and values within tolerance (NaN never close)."""
    if not (_is_tensor(got) and _is_tensor(expected)) or got.shape != expected.shape:
        return False
    got64, expected64 = got.detach().to(_float64), expected.detach().to(_float64)
    if not bool(_isfinite(got64).all()) and bool(_isfinite(expected64).all()):
        return False
    return bool(_allclose(got64, expected64, atol=atol, rtol=rtol, equal_nan=False))


def largest_difference(got, expected) -> float:
    difference = (got.detach().to(_float64) - expected.detach().to(_float64)).abs()
    difference = difference.nan_to_num(nan=math.inf)
    return float(difference.max()) if difference.numel() else 0.0


def name_mistake(got, mistakes: dict[str, object]) -> str | None:
    """The first described mistake whose output matches what the learner's code gave.

    `mistakes` maps a sentence naming a mistake to the tensor that mistake produces on the same
    inputs (or to a function computing it, called only when needed). This is how a check can say
    *which* mistake was made rather than only that the numbers differ.
    """
    for description, candidate in mistakes.items():
        try:
            value = candidate() if callable(candidate) else candidate
        except Exception:  # noqa: BLE001 - a candidate that cannot be built does not match
            continue
        if _is_tensor(value) and close(got, value):
            return description
    return None


def expect_close(got, expected, what: str, mistakes: dict[str, object] | None = None,
                 atol: float = 1e-5, rtol: float = 1e-4, context: str = "") -> None:
    """Fail unless `got` matches `expected`; the message shows both and names the likely mistake."""
    expect_tensor(got, what, shape=expected.shape)
    if close(got, expected, atol, rtol):
        return
    message = f"{what} is not what it should be{context}."
    mistake = name_mistake(got, mistakes or {})
    if mistake:
        message += f"\nLikely mistake: {mistake}"
    message += (f"\n  expected {values_text(expected)}\n  got      {values_text(got)}"
                f"\n  (largest difference {largest_difference(got, expected):.3g}, shape {shape_text(expected.shape)})")
    fail(message)
