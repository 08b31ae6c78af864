"""A module imported at its first use, so the first page of the dashboard is served without torch.

    from explorer.core.lazy_import import lazy_module
    torch = lazy_module("torch", globals())   # nothing imported yet
    torch.zeros(3)                            # imports torch, then this module's `torch` is torch itself

The registries (samplers, objectives, schedules, time grids) live beside the maths that uses torch; their
names, labels and knobs are all the first page needs. With `torch` bound this way, importing those modules
costs no torch: it is imported the first time a function of theirs runs (docs/performance.md#first-page).
After that, every module that asked gets the real module in its namespace, so later uses cost nothing.

Unlike importlib's LazyLoader, nothing is put in `sys.modules` before the import is real: libraries that ask
`"torch" in sys.modules` (and the tests that check the first page) see the truth. Two threads using it at
once are safe: Python's import lock makes the second wait for the first's import.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for module `name` in `namespace` until an attribute is asked for (see the module's docstring)."""

    def __init__(self, name: str, namespace: dict):
        self._name, self._namespace = name, namespace

    def _load(self) -> ModuleType:
        module = importlib.import_module(self._name)
        for key, value in list(self._namespace.items()):  # the caller's names for this stand-in: the module now
            if value is self:
                self._namespace[key] = module
        return module

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):  # copy, pickle and introspection: not a use
            raise AttributeError(attr)
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported at first use>"


def lazy_module(name: str, namespace: dict) -> LazyModule:
    """A stand-in for module `name`, to be bound in `namespace` (pass `globals()`); see the module's docstring."""
    return LazyModule(name, namespace)
