"""The one place that touches Panel's and Bokeh's internals: each use gated on the versions it was tested with.

Everything else in the package uses Panel's and Bokeh's public API (CustomJS with args, `doc.all_models` in
the page, `pn.state`, Bokeh's `validate`). What is left here has no public equivalent:

* `stable_defaults` (Bokeh's `Property.themed_default`, replaced): Bokeh recomputes a property's default at
  every read of a property that was never set, and serialising a model reads all of them: ~13 000 reads per new
  session, about a third of the server's time for a page with 30 sessions opening at once. The replacement
  keeps the default of each (class, property) once known to be immutable (None, a number, a string, a tuple
  of them), and leaves lists, dicts, models, defaults made by a function and theme overrides to Bokeh. It
  needs Bokeh's `_overridden_defaults` and `_may_have_unstable_default` (docs/performance.md#sessions).
* `quick_build` (Bokeh's `Property.prepare_value`, wrapped): `quick_build()` turns Bokeh's property checks
  off while a page is built (public: `bokeh.core.property.validation.validate`). Bokeh then also skips its
  conversions (a figure's `title="..."` stays a string instead of becoming a Title), which left a page
  blank (issue 23: /app?lesson=forward&step=2). The wrapper checks, and so converts, the properties that
  have conversions; the others go unchecked. Without the wrapper, quick_build() keeps the checks on.
* `checkbox_labels` (a page script that wraps BokehJS's CheckboxView.render): Bokeh 3.9 draws a checkbox as
  <input> + <div>label</div>; the text neither names the box for a screen reader nor toggles it when
  clicked. BokehJS has no hook for "a view was drawn", and a tab drawn again makes new views.
* `no_web_font` (Panel's Fast design `_resources`): the design links a Google web font, which fails offline
  (a classroom, the closed CI network) with a console error. Panel has no option to leave it out.
* `forget_js_callbacks` (Panel's `Callback.registry`/`Link.registry`): a widget's JS callbacks whose args
  name the widget keep its whole session alive after the tab closes (~8 MB each); Panel never drops them.
* `connection_count` (Bokeh's `session_context._session`): whether a page's websocket is connected, which
  lazy.after_first_paint uses to send the pages of a class in order. Bokeh exposes no public count.

`install()` (app.py, at import) checks each against the installed versions and applies the process-wide
ones; outside TESTED a patch is skipped with a warning in the log, and the page works without it (slower,
or without the labels). `applied()` names those in force; tests/ui/test_compat.py fails if any is not.
README "Moving to a new Panel or Bokeh" says how to re-test them on a new version.
"""
from __future__ import annotations

import inspect
import logging
from contextlib import contextmanager
from importlib.metadata import version as _installed
from weakref import WeakKeyDictionary

from bokeh.core.property.bases import Property, validation_on
from bokeh.core.property.descriptors import PropertyDescriptor
from bokeh.core.property.validation import validate
from packaging.version import Version

from explorer.serve.settings import SETTINGS

log = logging.getLogger("explorer.compat")
TESTED = {"bokeh": (Version("3.9"), Version("3.10")), "panel": (Version("1.9"), Version("1.10"))}  # [low, high)
PATCHES = {"stable_defaults": "bokeh", "quick_build": "bokeh", "checkbox_labels": "bokeh",
           "no_web_font": "panel", "forget_js_callbacks": "panel",
           "connection_count": "bokeh"}
_applied: set[str] = set()
_checked = False
_versions: dict[str, Version] = {}  # those install() checked against


def install(versions: dict[str, str] | None = None) -> set[str]:
    """Check every patch against `versions` (default: the installed ones), apply the process-wide ones, and
    return the names in force. Idempotent; `uninstall()` undoes it (tests)."""
    global _checked
    _versions.update({name: Version(v) for name, v in (versions or {n: _installed(n) for n in TESTED}).items()})
    for name, package in PATCHES.items():
        low, high = TESTED[package]
        found = _versions[package]
        if not low <= found < high:
            log.warning("%s %s is outside the tested %s >= %s, < %s: %s not applied (explorer/ui/compat.py)",
                        package, found, package, low, high, name)
        elif name in _applied or _apply(name):
            _applied.add(name)
        else:
            log.warning("%s %s has changed what %s relies on: not applied (explorer/ui/compat.py)",
                        package, found, name)
    _checked = True
    return applied()


def applied() -> set[str]:
    return set(_applied)


def uninstall() -> None:
    """Bokeh's and Panel's own behaviour again (for tests); the next install() checks again."""
    global _checked
    Property.themed_default, Property.prepare_value = _bokeh_default, _bokeh_prepare
    _kept.clear()
    _applied.clear()
    _checked = False


def enabled(name: str) -> bool:
    if not _checked:
        install()
    return name in _applied


def _apply(name: str) -> bool:
    if name == "stable_defaults":
        if list(inspect.signature(_bokeh_default).parameters) != ["self", "cls", "name", "theme_overrides", "no_eval"]:
            return False
        Property.themed_default = _themed_default
    elif name == "quick_build":
        if list(inspect.signature(_bokeh_prepare).parameters) != ["self", "owner", "name", "value", "hint"]:
            return False
        Property.prepare_value = _prepare_value
    elif name == "forget_js_callbacks":
        from panel.links import Callback, Link

        return isinstance(getattr(Callback, "registry", None), dict | WeakKeyDictionary) and hasattr(Link, "registry")
    elif name == "no_web_font":
        from panel.theme import Fast

        return isinstance(getattr(Fast, "_resources", None), dict)
    return True


# --- Bokeh: defaults kept once known to be immutable (stable_defaults) ------------------------------------------
_MISSING, _BOKEHS = object(), object()  # _BOKEHS: a default left to Bokeh (not immutable), known after one read
_kept: dict[tuple[int, type, str], object] = {}  # (id of the Property, model class, name) -> prepared default
_bokeh_default = Property.themed_default
_bokeh_prepare = Property.prepare_value


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


def remember_stable_defaults() -> bool:
    """Install the cache of immutable defaults; False if it is not in force (see install())."""
    if enabled("stable_defaults"):
        return True
    low, high = TESTED["bokeh"]
    if low <= _versions["bokeh"] < high and _apply("stable_defaults"):  # again, after forget_stable_defaults()
        _applied.add("stable_defaults")
    return "stable_defaults" in _applied


def forget_stable_defaults() -> None:
    """Bokeh's own defaults again (for tests); remember_stable_defaults() puts the cache back."""
    Property.themed_default = _bokeh_default
    _kept.clear()
    _applied.discard("stable_defaults")


# --- Bokeh: property checks off while a page is built, conversions kept (quick_build) ----------------------------
_building = 0  # quick_build() blocks open (the event loop's thread builds the pages)


def _prepare_value(self, owner, name, value, *, hint=None):
    # Only in quick_build(): Bokeh turns its checks off itself too (making glyph methods' signatures, where a
    # default is still unevaluated), and there it must stay as it was.
    if _building and self.alternatives and not validation_on():  # Bokeh converts only what it checks
        try:
            with validate(True):
                return _bokeh_prepare(self, owner, name, value, hint=hint)
        except ValueError:  # neither valid nor convertible: unchecked, as the block asked
            pass
    return _bokeh_prepare(self, owner, name, value, hint=hint)


@contextmanager
def quick_build():
    """Bokeh's property checks off for the block (conversions still made), unless EXPLORER_VALIDATE_PROPERTIES=1
    or the conversions could not be kept (then the checks stay on: slower, the same page)."""
    global _building
    if SETTINGS.validate_properties or not enabled("quick_build"):
        yield
        return
    _building += 1
    try:
        with validate(False):
            yield
    finally:
        _building -= 1


# --- BokehJS: a view's render wrapped, so a view drawn again is fixed again (checkbox_labels) --------
# `fix(view)` once per drawing of a view: a flag on the view, cleared by each render.
_ON_EACH_RENDER_JS = """
const key = '__explorer_' + %(flag)s, fix_once = (view) => {
  if (view[key]) return;
  view[key] = true;
  (%(fix)s)(view);
};
const wanted = %(wanted)s, patch = (proto) => {
  if (proto == null || Object.prototype.hasOwnProperty.call(proto, key)) return;
  const render = proto.render;
  proto.render = function () { this[key] = false; render.call(this); if (wanted(this.model)) fix_once(this); };
  proto[key] = false;
};
%(more)s
for (const doc of Bokeh.documents)
  for (const m of doc.all_models) {
    if (!wanted(m)) continue;
    const view = Bokeh.index.find_one(m);
    if (view == null) continue;
    patch(Object.getPrototypeOf(view));
    fix_once(view);
  }
"""
_CHECKBOX_FIX = """(view) => {
  if (view.checkbox_el == null || view.label_el == null) return;
  view.checkbox_el.setAttribute('aria-label', view.model.label);
  view.label_el.style.cursor = 'pointer';
  view.label_el.addEventListener('click', () => { if (!view.model.disabled) view.model.active = !view.model.active; });
}"""
# Checkboxes drawn later even if the first paint had none (app.py sends the sidebar after it): the view class
# itself, from BokehJS's model registry.
_CHECKBOX_CLASS_JS = """
const Checkbox = Bokeh.Models.get('Checkbox');
if (Checkbox != null && Checkbox.prototype.default_view != null) patch(Checkbox.prototype.default_view.prototype);
"""


def _on_ready(doc, name: str, code: str) -> bool:
    from bokeh.models import CustomJS

    if doc is None or doc.session_context is None or not enabled(name):
        return False
    doc.js_on_event("document_ready", CustomJS(code=code))
    return True


def name_checkboxes(doc) -> bool:
    """Once the page is drawn: every checkbox, now and drawn later, named by its label, which toggles it."""
    code = _ON_EACH_RENDER_JS % {"flag": "'checkbox'", "fix": _CHECKBOX_FIX, "more": _CHECKBOX_CLASS_JS,
                                 "wanted": "(m) => m.type === 'Checkbox' || m.constructor.__name__ === 'Checkbox'"}
    return _on_ready(doc, "checkbox_labels", code)


# --- Panel ------------------------------------------------------------------------------------------------------
def forget_js_callbacks(*widgets) -> None:
    """Drop `widgets` from Panel's registries of jscallback/jslink (call when their session ends)."""
    if not enabled("forget_js_callbacks"):
        return
    from panel.links import Callback, Link

    for widget in widgets:
        Callback.registry.pop(widget, None)
        Link.registry.pop(widget, None)


def without_web_font(design):
    """`design` (a Panel Design class) without its web font; the class keeps its name, by which Panel finds the
    design's bundled files. The design itself if that cannot be done."""
    resources = getattr(design, "_resources", None)
    if not enabled("no_web_font") or not isinstance(resources, dict):
        return design
    return type(design.__name__, (design,), {"_resources": {**resources, "font": {}}})


def _connections(doc) -> int | None:
    """How many browsers `doc`'s session has connected (Bokeh's ServerSession.connection_count); None if unknown."""
    if not enabled("connection_count"):
        return None
    session = getattr(getattr(doc, "session_context", None), "_session", None)
    return None if session is None else getattr(session, "connection_count", 0)


def connected(doc) -> bool:
    """True while `doc`'s session has a browser connected (its websocket open); False if unknown."""
    return (_connections(doc) or 0) > 0


def gone(doc) -> bool:
    """True when `doc`'s browser has closed its websocket (known only where `connection_count` is tested: else
    False, and the page is treated as open)."""
    return _connections(doc) == 0


# --- for tests and bench/: a served session before and after the browser says "drawn" ------------------------------
def hold_onload(doc) -> None:
    """Panel holds `doc`'s onload callbacks, as for a served page its browser has not drawn yet."""
    import panel as pn

    pn.state._loaded[doc] = False


def fire_onload(doc) -> None:
    """What the browser's "document ready" sets off: Panel runs `doc`'s onload callbacks."""
    import panel as pn

    pn.state._on_load(doc)


def forget_onload(doc) -> None:
    import panel as pn

    pn.state._loaded.pop(doc, None)
