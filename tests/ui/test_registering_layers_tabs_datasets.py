"""A plot layer, a tab and a dataset registered here in the test and nowhere else: the layer toggles, the legend,
the tabs, the dataset menu, the address bar, the lessons and the command line all offer them.

The contract of explorer/ui/plot/layers.py, explorer/ui/tabs.py and explorer/data/dataset_specs.py: adding one is
one registration (HALO, NOTES and PLUS below), and no other file is edited (as test_registering_specs.py does for
a sampler).
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager

import numpy as np
import panel as pn
import pytest

from explorer import GaussianDenoiser
from explorer.data.dataset_specs import DATASETS, DatasetSpec
from explorer.tools.cli import main as cli_main
from explorer.ui.base import StateView
from explorer.ui.plot.layers import LAYERS, LayerSpec
from explorer.ui.tabs import TABS, TabSpec

# --- a layer: a ring round the first samples, packed per run, drawn in the page at the shown frame ---------------
HALO_JS = """
const r = c.layer.halo_r, d = c.d;
if (!r || !r.visible || !d.halo_n || !d.halo_n[0]) return;
const m = d.halo_n[0];
r.data_source.setv({data: {x: c.sx.slice(0, m), y: c.sy.slice(0, m)}}, c.quiet);
"""


def draw_halo(canvas, layer):
    return [canvas.fig.scatter("x", "y", source=layer.source("halo", {"x": [], "y": []}), size=14, fill_alpha=0,
                               line_color="#b8860b", visible=False, name="halo_r")]


def pack_halo(run, model):
    return {"halo_n": [min(20, run.points.shape[1])]}


HALO = LayerSpec("halo", "Halo (test)", draw_halo, HALO_JS, pack=pack_halo, z=65, color="#b8860b",
                 doc="A ring round the first 20 samples.", legend=("◎", "Halo: a ring round 20 samples", "halo"))


# --- a tab: a note on the dataset shown, made when first opened -----------------------------------------------
class NoteView(StateView):
    made = 0

    def __init__(self, **params):
        super().__init__(**params)
        NoteView.made += 1
        self.note = pn.pane.Markdown(f"Training on {self.state.dataset}.")

    def __panel__(self):
        return self.note


NOTES = TabSpec("notes", "Notes (test)", lambda state: NoteView(state=state))


# --- a dataset: a plus sign, in two classes ---------------------------------------------------------------------
def plus(n, rng):
    u = rng.uniform(-2.0, 2.0, n)
    upright = rng.random(n) < 0.5
    pts = np.where(upright[:, None], np.stack([0 * u, u], 1), np.stack([u, 0 * u], 1))
    return pts + rng.normal(0, 0.05, (n, 2))


PLUS = DatasetSpec("plus", "Plus (test)", plus, classes=("across", "up"),
                   labeller=lambda p: (np.abs(p[:, 1]) > np.abs(p[:, 0])).astype(int))


@contextmanager
def registering(*pairs):
    """Register each (registry, spec) for the duration of a `with` block."""
    with ExitStack() as stack:
        for registry, spec in pairs:
            stack.enter_context(registry.registered(spec))
        yield


@pytest.fixture
def registered():
    with registering((LAYERS, HALO), (TABS, NOTES), (DATASETS, PLUS)):
        yield
    from explorer.ui.session.state import ExplorerState

    assert "halo" not in LAYERS and "notes" not in TABS and "plus" not in DATASETS
    assert "plus" not in ExplorerState.param.dataset.objects and "notes" not in ExplorerState.param.tab.objects


def test_the_layer_is_a_toggle_in_the_legend_and_made_when_first_shown(registered):
    from explorer.ui.plot.main_view import MainView
    from explorer.ui.session.state import ExplorerState

    state = ExplorerState()
    state.model = GaussianDenoiser([0.5, -0.5], 0.05 * np.eye(2), "rectified")
    view = MainView(state=state)
    assert view._layers.options["Halo (test)"] == "show_halo" and not state.show_halo
    assert "Halo (test)" in view._legend.object  # none on: the legend names it among the layers to switch on
    assert ["halo", HALO_JS] in view._store.tags  # its page code, keyed by its name
    layer = view.layers["halo"]
    assert not layer.built and "halo_n" not in view._store.data
    names = {r.name for r in view._fig.renderers}
    assert "halo_r" not in names
    view._layers.value = [*view._layers.value, "show_halo"]  # the checkbox
    assert state.show_halo and layer.built and layer.renderers[0].visible
    assert view._store.data["halo_n"] == [20]
    assert "Halo: a ring round 20 samples" in view._legend.object and "#b8860b" in view._legend.object
    rs = view._fig.renderers
    assert rs.index(view.layers["trajectories"].renderers[0]) < rs.index(layer.renderers[0])  # z 65: above tails
    state.show_halo = False
    assert not layer.renderers[0].visible and "show_halo" not in view._layers.value


def test_the_tab_is_offered_and_made_when_first_opened(registered):
    from explorer.ui.explorer import Explorer

    ex = Explorer()
    assert "Notes (test)" in Explorer.TAB_NAMES and ex.TAB_NAMES[-1] == "Notes (test)"
    assert len(ex.tabs) == len(ex.TAB_NAMES) == 11
    before = NoteView.made
    assert "notes" not in ex._views and NoteView.made == before
    ex.state.tab = "notes"  # what the link's ?tab=notes sets
    assert ex.tabs.active == len(ex.TAB_NAMES) - 1 and isinstance(ex._views["notes"], NoteView)
    assert NoteView.made == before + 1 and len(ex._slots["notes"].objects) == 1
    ex.tabs.active = 0
    ex.show_tab("Notes (test)")  # a lesson's set: tab=Notes (test)
    assert ex.state.tab == "notes" and NoteView.made == before + 1  # made once


def test_the_dataset_is_in_the_menu_loads_with_its_classes_and_is_a_source(registered):
    import explorer as dx
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.views.controls import Controls

    assert "plus" in dx.datasets.names() and dx.datasets.class_names("plus") == ["across", "up"]
    state = ExplorerState()
    controls = Controls(state=state)
    assert controls.dataset.options["Plus (test)"] == "plus"
    state.dataset = "plus"
    assert state.data.shape == (2000, 2) and state.class_names == ["across", "up"]
    np.testing.assert_array_equal(state.labels, np.abs(state.data[:, 1]) > np.abs(state.data[:, 0]))
    assert "plus" in ExplorerState.param.source.objects
    with pytest.raises(dx.ExplorerError, match="no pretrained model for 'plus'"):
        dx.load_pretrained("plus")


def test_the_link_and_the_lessons_accept_them(registered):
    from explorer.ui.session.lesson_state import check_settings
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.session.url_state import apply_setup, parse_setup, url_params

    assert {"show_halo", "tab"} <= set(url_params())
    values, notes = parse_setup("?dataset=plus&show_halo=true&tab=notes")
    assert values == {"dataset": "plus", "show_halo": True, "tab": "notes"} and notes == []
    _, notes = parse_setup("?show_halo=maybe&tab=nowhere")
    notes = sorted(notes)  # (in the order the parts declare them: a layer registered later comes after the tab)
    assert notes[0] == "show_halo='maybe' is not true or false" and notes[1].startswith("tab='nowhere' is not one of")
    assert "notes" in notes[1]
    state = ExplorerState()
    assert apply_setup(state, "?dataset=plus&show_halo=true") == []
    assert state.dataset == "plus" and state.show_halo and state.class_names == ["across", "up"]
    settings = check_settings(ExplorerState(), {"tab": "Notes (test)", "show_halo": "true", "dataset": "plus"})
    assert settings == {"tab": "Notes (test)", "show_halo": True, "dataset": "plus"}


def test_the_command_line_offers_them(registered, capsys):
    assert cli_main(["train", "--help"]) == 0
    assert "plus: Plus (test)" in " ".join(capsys.readouterr().out.split())
    assert cli_main(["serve", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "notes: Notes (test)" in out and "halo: Halo (test)" in out
    assert cli_main(["serve", "--tab", "nowhere"]) == 2
    assert "invalid choice: 'nowhere'" in capsys.readouterr().err
    code = cli_main(["sample", "three_dots", "--n", "20", "--steps", "2", "--data", "plus"])
    assert code == 0 and "energy distance to plus:" in capsys.readouterr().err
