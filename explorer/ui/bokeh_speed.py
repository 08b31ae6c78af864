"""Two costs of Bokeh's property system that a new page pays for nothing (docs/performance.md#sessions).

A page is ~200 Bokeh models of ~60 properties each, and most properties keep their default. Bokeh
recomputes a default every time one is read: it looks up the class's overrides, copies the value and
validates it again. Serialising a model reads every property, including those it then leaves out because
they hold their default, so one new session read ~13 000 defaults. That was about a third of the server's time
for a page in a profile of 30 sessions opening at once.

* `remember_stable_defaults()` keeps the default of each (class, property) once it is known to be
  immutable: None, a number, a string, or a tuple of them. Defaults that can change or be shared by
  mistake (lists, dicts, models, defaults made by a function) and those a theme overrides are left to
  Bokeh, which keeps them per instance already. tests/ui/test_bokeh_speed.py compares the kept defaults
  with Bokeh's own for every model class Bokeh and Panel define.
* `quick_build()` turns Bokeh's property validation off while the app builds a session's page. The same
  views are built with validation on by their tests (tests/ui); `EXPLORER_VALIDATE_PROPERTIES=1` keeps it
  on in the served app too. Values that come from the browser are validated as before.
"""
from __future__ import annotations

import inspect
import os
from contextlib import contextmanager, nullcontext

from bokeh.core.property.bases import Property
from bokeh.core.property.descriptors import PropertyDescriptor
from bokeh.core.property.validation import validate

_MISSING, _BOKEHS = object(), object()  # _BOKEHS: a default left to Bokeh (not immutable), known after one read
_kept: dict[tuple[int, type, str], object] = {}  # (id of the Property, model class, name) -> prepared default
_bokeh_default = Property.themed_default


def _immutable(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return True
    return type(value) is tuple and all(_immutable(v) for v in value)


def _themed_default(self, cls, name, theme_overrides, *, no_eval=False):
    if no_eval or (theme_overrides is not None and name in theme_overrides):
        return _bokeh_default(self, cls, name, theme_overrides, no_eval=no_eval)
    key = (id(self), cls, name)  # the class in the key keeps it (and its properties) alive: ids stay unique
    value = _kept.get(key, _MISSING)
    if value is _BOKEHS:
        return _bokeh_default(self, cls, name, theme_overrides)
    if value is _MISSING:
        value = _bokeh_default(self, cls, name, theme_overrides)
        override = cls._overridden_defaults().get(name)
        stable = not self._may_have_unstable_default() and not PropertyDescriptor.is_unstable(override)
        _kept[key] = value if stable and _immutable(value) else _BOKEHS
    return value


def _bokeh_looks_as_expected() -> bool:
    """The patch replaces one method of Bokeh's Property: only if that method still takes what it did in
    Bokeh 3.9 (a later Bokeh that changed it simply runs without the patch)."""
    params = list(inspect.signature(_bokeh_default).parameters)
    return params == ["self", "cls", "name", "theme_overrides", "no_eval"]


def remember_stable_defaults() -> bool:
    """Install the cache of immutable defaults (once per process); False if Bokeh's internals have changed."""
    if Property.themed_default is _themed_default:
        return True
    if not _bokeh_looks_as_expected():
        return False
    Property.themed_default = _themed_default
    return True


def forget_stable_defaults() -> None:
    """Bokeh's own behaviour again (for tests)."""
    Property.themed_default = _bokeh_default
    _kept.clear()


@contextmanager
def quick_build():
    """Bokeh's property validation off for the block, unless EXPLORER_VALIDATE_PROPERTIES=1."""
    keep = os.environ.get("EXPLORER_VALIDATE_PROPERTIES", "") not in ("", "0")
    with nullcontext() if keep else validate(False):
        yield
