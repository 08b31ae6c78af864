"""Per-thread CPU settings for the library's hot loops.

Denormal floats make small MLPs crawl on x86 (one flow-matching run: 53 s with them, 3 s flushed
to zero; GUIDE §2). `flush_denormals()` turns flushing on for the duration of a train/sample call
in the calling thread and restores it after, so the caller's own numerics (and e.g. hypothesis,
which checks for this) are untouched. Re-entrant: nested uses restore only at the outermost exit.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

_depth = threading.local()


@contextmanager
def flush_denormals():
    level = getattr(_depth, "level", 0)
    if level == 0:
        torch.set_flush_denormal(True)
    _depth.level = level + 1
    try:
        yield
    finally:
        _depth.level -= 1
        if _depth.level == 0:
            torch.set_flush_denormal(False)
