"""Per-thread CPU settings for the library's hot loops (training and sampling).

* Denormal floats make small MLPs crawl on x86 (one flow-matching run: 53 s with them, 3 s flushed
  to zero; docs/performance.md#denormals).
* torch's intra-op threads: on this 2-core machine one thread beat two by 10x when anything else
  was running (200 training steps: 1.7 s vs 18.7 s), because two threads spin-wait on each other's
  tiny matmuls. `EXPLORER_TORCH_THREADS` overrides the count (serve/settings.py; bench/bench_core.py
  --threads N measures either; docs/performance.md#threads).

This module is torch's thread policy, the one place that sets it:
`cpu_settings()` applies both for the duration of a train/sample call and restores them after, so
the caller's own numerics (and e.g. hypothesis, which checks for flushed denormals) are untouched.
Re-entrant: nested uses restore only at the outermost exit. `use_thread_policy()` sets the thread count for
the calling thread for good: the server at start-up, a training thread, the CLI.
"""
from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager

from explorer.core.lazy_import import lazy_module
from explorer.serve.settings import SETTINGS

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

THREADS = SETTINGS.torch_threads  # 0: torch's own choice
_local = threading.local()


def use_thread_policy(if_imported: bool = False) -> None:
    """torch's intra-op threads for the calling thread: THREADS (one, unless EXPLORER_TORCH_THREADS says).
    `if_imported`: only if torch is imported already. The server's sessions pass it: the first page is served
    without torch (docs/performance.md#first-page), so the session sets it again once its model has loaded
    (ui/session/first_run.py); `cpu_settings` applies THREADS inside every train and sample call anyway."""
    if if_imported and "torch" not in sys.modules:
        return
    if THREADS > 0 and torch.get_num_threads() != THREADS:
        torch.set_num_threads(THREADS)


@contextmanager
def cpu_settings():
    level = getattr(_local, "level", 0)
    if level == 0:
        torch.set_flush_denormal(True)
        _local.threads = torch.get_num_threads()
        if THREADS > 0 and _local.threads != THREADS:
            torch.set_num_threads(THREADS)
    _local.level = level + 1
    try:
        yield
    finally:
        _local.level -= 1
        if _local.level == 0:
            torch.set_flush_denormal(False)
            if torch.get_num_threads() != _local.threads:
                torch.set_num_threads(_local.threads)


def release_memory() -> bool:
    """Collect garbage and hand freed heap pages back to the system (glibc's malloc_trim). A server keeps
    the memory of closed sessions otherwise: glibc holds freed blocks for reuse, measured at ~8 MB per
    closed session on this machine. True if the trim ran (glibc found), False elsewhere."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


_frozen = threading.Lock()
_froze: set[str] = set()


def freeze_imports(what: str = "imports") -> bool:
    """Move every object alive now out of the garbage collector's sight, once per process (gc.freeze); True
    the first time. Call it after the imports and before the first session: the ~320 000 objects of Panel,
    Bokeh and torch are never garbage, yet each full collection walked them all (~0.1 s of the server's
    time, ~0.3 s with a class's sessions open). Only the objects alive at the call are frozen, so a session
    made later is collected as before (docs/performance.md#sessions). `what` names the call: the served app
    freezes once at its first page ("imports", before torch) and once after torch's import ("torch": then the
    first session's objects alive at that moment are frozen too, once per process)."""
    import gc

    global _froze
    with _frozen:
        if what in _froze:
            return False
        _froze.add(what)
    gc.collect()
    gc.freeze()
    return True


_warm = threading.Lock()
_warmed = False
# What the first page does without, imported by the warm-up instead of at start-up: torch itself (the first page
# shows a shipped run, docs/performance.md#first-page), the quality figures' distances, the density layer's blur
# and the OT coupling's assignment.
LATER_IMPORTS = ("torch", "scipy.spatial", "scipy.ndimage", "scipy.optimize")


def _warm_up(wait: Callable[[], None] | None = None) -> None:
    if wait is not None:
        wait()
    import torch as real_torch  # the session's model job may be importing it too: Python's import lock

    freeze_imports("torch")
    real_torch.optim.Adam([real_torch.zeros(1, requires_grad=True)])
    for name in LATER_IMPORTS:
        importlib.import_module(name)


def warm_up_soon(delay_s: float = 10.0, wait: Callable[[], None] | None = None) -> None:
    """In a background thread `delay_s` from now, once per process: import torch, make its first optimiser, and
    import LATER_IMPORTS. The optimiser imports torch._dynamo (~1.2 s here), which the first Train would otherwise
    wait for; done at start-up, these held back the server's first page (docs/performance.md#sessions). The app
    calls this once its first page is drawn, with `wait` (run first in that thread): until the server is quiet
    (ui/lazy.py wait_quiet). A Train or a density layer before then simply waits for the import to finish
    (Python's import lock)."""
    global _warmed
    with _warm:
        if _warmed:
            return
        _warmed = True
    timer = threading.Timer(delay_s, _warm_up, args=(wait,))
    timer.daemon = True
    timer.start()
