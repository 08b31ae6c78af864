"""Registries: one place per concept (samplers, objectives, schedules, time grids).

A concept is one registered spec that carries its name, labels, knobs and behaviour; the library, the
dashboard, the address bar and the command line all read their choices from here. Adding a sampler is
one `SAMPLERS.register(SamplerSpec(...))`; nothing else needs editing.

    from explorer.core.samplers import SAMPLERS
    list(SAMPLERS)              # the names, in registration order
    SAMPLERS["ddim"].label      # a spec (an unknown name is an ExplorerError listing the choices)
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from explorer.core.checks import check_float
from explorer.core.errors import ExplorerError

T = TypeVar("T")


@dataclass(frozen=True)
class Knob:
    """A number a spec takes (DDIM's η, the SDE's noise level...): its range, default and meaning.
    A knob name means the same everywhere: two samplers that share a name share the knob."""

    name: str
    label: str
    default: float
    bounds: tuple[float, float]
    step: float = 0.05
    doc: str = ""
    symbol: str = ""  # in compact text ("η = 0.5"); the name if empty

    def check(self, value) -> float:
        return check_float(self.name, value, *self.bounds)


class Registry(Generic[T]):
    """Named specs in registration order. Iterating yields the names (so `list(r)` and `name in r`
    work as with a tuple of names); `r[name]` the spec. `watch(fn)` calls fn() after every change."""

    def __init__(self, kind: str):
        self.kind = kind
        self._specs: dict[str, T] = {}
        self._watchers: list[Callable[[], None]] = []

    def register(self, spec: T, replace: bool = False) -> T:
        name = spec.name
        if not isinstance(name, str) or not name.isidentifier():
            raise ExplorerError(f"a {self.kind} name must be a Python identifier, got {name!r}")
        if name in self._specs and not replace:
            raise ExplorerError(f"a {self.kind} named {name!r} is already registered")
        self._specs[name] = spec
        self._changed()
        return spec

    def unregister(self, name: str) -> None:
        self._specs.pop(name, None)
        self._changed()

    @contextmanager
    def registered(self, spec: T):
        """Register `spec` for the duration of a `with` block (tests, experiments)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def watch(self, fn: Callable[[], None]) -> None:
        self._watchers.append(fn)

    def _changed(self) -> None:
        for fn in self._watchers:
            fn()

    def __getitem__(self, name) -> T:
        try:
            return self._specs[name]
        except (KeyError, TypeError):
            raise ExplorerError(f"unknown {self.kind} {name!r}; choose one of {', '.join(self._specs)}") from None

    def get(self, name, default=None):
        return self._specs.get(name, default) if isinstance(name, str) else default

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._specs))

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    def specs(self) -> list[T]:
        return list(self._specs.values())

    def labels(self) -> dict[str, str]:
        """{name: label}, in registration order."""
        return {name: spec.label for name, spec in self._specs.items()}

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._specs)})"
