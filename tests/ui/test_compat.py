"""explorer/ui/compat.py: the one module that touches Panel's and Bokeh's internals, each use gated on the versions
it was tested with. Fails loudly when a gated patch does not apply on the installed (tested) versions."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import panel as pn
import pytest
from bokeh.core.property.bases import Property, validation_on
from bokeh.document import Document
from bokeh.models import Model
from panel.io.state import set_curdoc
from panel.theme import Fast

from explorer.serve.settings import Settings
from explorer.ui import compat

PACKAGE = Path(compat.__file__).resolve().parents[1]


@pytest.fixture
def fresh():
    """compat checked anew by the test; installed as the app installs it afterwards."""
    compat.uninstall()
    yield
    compat.uninstall()
    compat.install()


def test_every_patch_applies_on_the_installed_versions(fresh, monkeypatch):
    """If this fails after an upgrade, a patch lost its hook: re-test it (README: Moving to a new Panel or Bokeh)."""
    assert compat.install() == set(compat.PATCHES)
    assert compat.applied() == set(compat.PATCHES)
    assert Property.themed_default is compat._themed_default
    assert Property.prepare_value is compat._prepare_value
    monkeypatch.setattr(compat, "SETTINGS", Settings(validate_properties=False))
    with compat.quick_build():
        assert not validation_on()


@pytest.mark.parametrize("versions, skipped", [
    ({"bokeh": "3.10.0", "panel": "1.9.4"}, {"stable_defaults", "quick_build", "checkbox_labels", "connection_count"}),
    ({"bokeh": "3.9.2", "panel": "1.10.0"}, {"no_web_font", "forget_js_callbacks"}),
    ({"bokeh": "3.8.9", "panel": "1.8.0"}, set(compat.PATCHES)),
])
def test_outside_the_tested_versions_a_patch_is_skipped_with_a_warning(fresh, caplog, monkeypatch, versions, skipped):
    with caplog.at_level(logging.WARNING, logger="explorer.compat"):
        assert compat.install(versions) == set(compat.PATCHES) - skipped
    warned = {name for name in compat.PATCHES if any(f"{name} not applied" in r.getMessage() for r in caplog.records)}
    assert warned == skipped
    if "stable_defaults" in skipped:
        assert Property.themed_default is compat._bokeh_default and not compat.remember_stable_defaults()
    if "quick_build" in skipped:  # Bokeh's own behaviour: the checks stay on while a page is built
        assert Property.prepare_value is compat._bokeh_prepare
        monkeypatch.setattr(compat, "SETTINGS", Settings(validate_properties=False))
        with compat.quick_build():
            assert validation_on()
    if "no_web_font" in skipped:
        assert compat.without_web_font(Fast) is Fast
    assert compat.name_checkboxes(Document()) is False  # outside a server: never


def test_a_changed_hook_is_not_patched(fresh, caplog, monkeypatch):
    """A Bokeh of the tested range whose method no longer takes what the patch expects: left alone, said."""
    monkeypatch.setattr(compat, "_bokeh_default", lambda self, cls, name: None)
    with caplog.at_level(logging.WARNING, logger="explorer.compat"):
        assert "stable_defaults" not in compat.install()
    assert any("changed what stable_defaults relies on" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()


def test_the_panel_patches_do_what_they_say():
    compat.install()
    offline = compat.without_web_font(Fast)
    assert offline.__name__ == "Fast" and offline._resources["font"] == {} and Fast._resources["font"]
    slider = pn.widgets.IntSlider()
    slider.jscallback(value="console.log(1)")
    from panel.links import Callback

    assert slider in Callback.registry
    compat.forget_js_callbacks(slider)
    assert slider not in Callback.registry


def test_every_tab_view_is_the_same_built_with_the_checks_off():
    """The speed patches must not change what a page shows: every tab's view, built in quick_build as a link
    opening it with the page builds it, serialises to what the view built with Bokeh's checks on does."""
    from explorer.ui.explorer import Explorer
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.tabs import TABS

    compat.install()
    state = ExplorerState()

    def built(tab: str | None, quick: bool) -> str:
        doc = Document()
        with set_curdoc(doc), (compat.quick_build() if quick else pn.io.hold()):
            view = TABS[tab].view(state) if tab else Explorer(state=state)
            model = pn.panel(view).get_root(doc)
        ids: dict[str, str] = {}
        text = str(_describe(model))
        text = re.sub(r"\b\d{12,}\b", "<id()>", text)  # Panel's links tag their callbacks with Python object ids
        return re.sub(r"p\d+", lambda m: ids.setdefault(m.group(), f"#{len(ids)}"), text)

    for tab in (None, *TABS):
        assert built(tab, quick=True) == built(tab, quick=False), tab or "explore"


def _describe(model: Model) -> list:
    """Each model reachable from `model`, in order: its type and the type and value of each property set."""
    out = []
    for m in sorted(model.references(), key=lambda m: int(m.id[1:]) if m.id[1:].isdigit() else 0):
        props = m.properties_with_values(include_defaults=False)
        if re.fullmatch(r"[A-Za-z]+\d{5}", str(props.get("name", ""))):
            del props["name"]  # Panel's own name for a component (a counter of the components made)
        out.append((type(m).__name__, {k: (type(v).__name__, v if not isinstance(v, Model) else v.id)
                                        for k, v in sorted(props.items()) if k != "data"}))
    return out


def test_no_other_module_touches_panels_or_bokehs_internals():
    """The boundary: outside compat.py, no private name of Panel or Bokeh and no patch of BokehJS's classes."""
    private = re.compile(r"\b(pn|panel|bokeh|Bokeh|doc|document|session_context|state\.curdoc|Fast|Property|"
                         r"Callback|Link|widget|w)\._[a-zA-Z]|_all_models|\.prototype\b|_busy__ignore|"
                         r"\b_resources\b|from bokeh\.core\.property|from panel\.io\.\w+ import _|"
                         r"_get_theme_from_query_args|_toggle_active|[\"']_session[\"']|(Callback|Link)\.registry|"
                         r"proto\.render\s*=|_overridden_defaults|_may_have_unstable_default|"
                         r"(themed_default|prepare_value)\s*=|pn\.state\._")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "compat.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if private.search(line):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
