"""Argument checks shared by every public entry point: each returns the clean value or raises
ExplorerError with a message that says what was wrong and what is allowed."""
from __future__ import annotations

import math
import numbers

from explorer.core.errors import ExplorerError


def check_int(name: str, value, lo: int, hi: int) -> int:
    """`value` as an int in [lo, hi] (bools are not whole numbers here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise ExplorerError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def check_float(name: str, value, lo: float, hi: float) -> float:
    """`value` as a finite float in [lo, hi]."""
    if isinstance(value, bool):
        raise ExplorerError(f"{name} must be a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ExplorerError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ExplorerError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    return value
