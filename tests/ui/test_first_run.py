"""explorer/ui/session/first_run.py: the pretrained models' shipped default runs, and a served session that opens
on them while its model loads in the background (docs/performance.md#first-page)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import OrderedDict

import numpy as np
import pytest

from explorer.core.samplers import sample
from explorer.tools.runfile import RunFile
from explorer.training.model import DiffusionModel
from explorer.training.pretrained import available, folder, load_pretrained
from explorer.ui.session import first_run
from explorer.ui.session import state as state_module
from explorer.ui.session.first_run import RUN_FILE, WAITING, pack_default_run
from explorer.ui.session.state import ExplorerState


def _shipped(name: str) -> RunFile:
    return RunFile.read(folder(name) / RUN_FILE)


# The shipped runs were made by the session's own code, but float32 sums depend on how torch splits them over
# threads (its thread count, the CPU's vector width): recomputed in a test worker they differed by up to 4e-6 on
# a third of the points (CI, 2026-12-04). Equal to that rounding: far below what the page can show.
ATOL = 2e-5


def _same(a, b) -> None:
    """Nested meta (dicts, lists, numbers, strings) equal, numbers to float32 rounding."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (a, b)
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-4, abs=ATOL)
    else:
        assert a == b


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """As in a server that has loaded no model yet, with no shared runs: each test starts from nothing."""
    monkeypatch.setattr(first_run, "MODEL_READY", threading.Event())
    monkeypatch.setattr(state_module, "_SHARED_RUNS", OrderedDict())


@pytest.mark.parametrize("name", available())
def test_each_shipped_run_reproduces_from_its_pretrained_model(name):
    shipped = _shipped(name)
    model = load_pretrained(name)
    run = sample(model, n=1000, sampler="heun", steps=50, seed=1)  # the session's defaults (sampling.py)
    np.testing.assert_allclose(shipped.arrays["x"], run.points[..., 0], rtol=0, atol=ATOL)  # float32 both
    np.testing.assert_allclose(shipped.arrays["y"], run.points[..., 1], rtol=0, atol=ATOL)
    assert shipped.meta["times"] == run.times.tolist() and shipped.meta["nfe"] == run.nfe == 99
    state = ExplorerState(dataset=name)  # the session computes the same run and figures, and packs the same file
    again = pack_default_run(state)
    _same(again.meta, shipped.meta)
    assert again.arrays.keys() == shipped.arrays.keys()
    for key, array in again.arrays.items():
        assert array.dtype == shipped.arrays[key].dtype
        np.testing.assert_allclose(array, shipped.arrays[key], rtol=0, atol=ATOL)
    state.shutdown()


def test_a_served_session_opens_on_the_shipped_run_without_importing_torch():
    code = ("import sys\nfrom explorer.ui.session.state import ExplorerState\n"
            "st = ExplorerState(model_later=True)\n"
            "print('torch' in sys.modules, 'scipy' in sys.modules, st.model, st.run.points.shape, "
            "st.quality['verdict'], st.first_run.awaiting)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "None", "(51,", "1000,", "2)", "generalises", "smiley"]


def test_the_first_run_is_the_file_and_a_sampler_change_waits_for_the_model():
    st = ExplorerState(model_later=True)
    shipped = _shipped("smiley")
    assert st.model is None and st.first_run.awaiting == "smiley"
    np.testing.assert_array_equal(st.run.samples, np.c_[shipped.arrays["x"][-1], shipped.arrays["y"][-1]])
    assert st.quality == shipped.meta["quality"] and st.frame == 50
    assert st.status == "Loaded the pretrained smiley model. Press Train to learn it yourself."
    first = st.run
    st.first_run.fetch()  # the page is drawn: the model is on its way
    st.sampler = "euler"
    assert st.status == WAITING and st.run is first and st.jobs.running("model")  # nothing lost, nothing wrong
    assert st.jobs.wait(300)
    assert isinstance(st.model, DiffusionModel) and st.first_run.awaiting is None
    expected = sample(load_pretrained("smiley"), n=1000, sampler="euler", steps=50, seed=1)
    np.testing.assert_allclose(st.run.samples, expected.samples, rtol=0, atol=ATOL)  # the session's thread vs ours
    assert st.run.settings.sampler == "euler" and "Loading the model" not in st.status
    st.sampler = "heun"  # back to the shipped settings: the shared run, the file's
    np.testing.assert_array_equal(st.run.samples, first.samples)
    st.shutdown()


def test_the_model_arriving_with_the_settings_unchanged_keeps_the_shown_run():
    st = ExplorerState(model_later=True)
    first = st.run
    runs = []
    st.param.watch(runs.append, ["run", "frame"])
    st.first_run.fetch()  # what the page does once drawn
    assert st.jobs.wait(300)
    assert isinstance(st.model, DiffusionModel) and st.run is first  # the shared run: nothing resent
    assert runs == [], "the page would repack and move the player to a frame for nothing"
    assert first_run.MODEL_READY.is_set()
    later = ExplorerState(model_later=True)  # once a model has loaded, sessions load theirs at once
    assert isinstance(later.model, DiffusionModel) and later.first_run.awaiting is None
    later.shutdown()
    st.shutdown()


def test_another_set_before_the_model_shows_its_file_and_gets_its_own_model():
    st = ExplorerState(model_later=True)
    st.first_run.fetch()
    st.dataset = "moons"  # while smiley's model is on its way
    np.testing.assert_allclose(st.run.points[..., 0], _shipped("moons").arrays["x"], rtol=0, atol=ATOL)
    st.jobs.wait(300)  # smiley's arrives and is not used: moons' is fetched
    assert st.jobs.wait(300)
    assert st.model is not None and st.model_dataset == "moons"
    assert st.model.data_box == load_pretrained("moons").data_box
    st.shutdown()


def test_training_before_the_model_is_in_keeps_the_trained_model():
    st = ExplorerState(model_later=True, train_steps=30)
    assert st.start_training()
    st.first_run.fetch()
    assert st.jobs.wait(300)
    assert isinstance(st.model, DiffusionModel) and st.model_dataset is None  # the trained one, not the pretrained
    assert st.model.config.steps == 30 and not st.training
    st.shutdown()


def _busy_server(asked: list):
    """An `until_free` for a server that never gets quiet: holds the load until told it is needed (or stopped)."""
    def until_free(enough):
        asked.append(enough)
        while not enough():
            time.sleep(0.02)
    return until_free


def test_a_load_held_for_a_quiet_server_goes_at_once_when_the_model_is_needed():
    st = ExplorerState(model_later=True)
    asked = []
    st.first_run.fetch(until_free=_busy_server(asked))  # the page is drawn; other pages keep the server busy
    time.sleep(0.5)
    assert len(asked) == 1 and st.jobs.running("model") and st.model is None, "the load waits for the server"
    assert not asked[0]()
    st.sampler = "euler"  # needs the model: the held load goes now
    assert st.status == WAITING and asked[0]()
    assert st.jobs.wait(300)
    assert isinstance(st.model, DiffusionModel) and st.run.settings.sampler == "euler"
    st.shutdown()


def test_a_held_load_ends_quietly_when_its_session_closes():
    st = ExplorerState(model_later=True)
    asked = []
    st.first_run.fetch(until_free=_busy_server(asked))
    time.sleep(0.3)
    st.shutdown()  # the tab closed: its jobs stop, the wait ends
    assert asked and asked[0]() and not st.jobs.running("model")
    assert st.model is None and not st.error and not first_run.MODEL_READY.is_set()


def test_a_link_that_asks_for_another_run_before_the_page_is_drawn_loads_the_model_at_once():
    st = ExplorerState(model_later=True)
    st.param.update(sampler="ddim", sample_steps=20)  # what url_state does with ?sampler=ddim&sample_steps=20
    assert isinstance(st.model, DiffusionModel) and st.first_run.awaiting is None
    assert st.run.settings.sampler == "ddim" and len(st.run.times) == 21 and st.status != WAITING
    st.shutdown()


def test_settings_the_file_does_not_hold_load_the_model_at_once():
    st = ExplorerState(model_later=True, n_samples=300)
    assert isinstance(st.model, DiffusionModel) and st.first_run.awaiting is None and len(st.run.samples) == 300
    st.shutdown()


def test_a_run_file_of_another_model_is_not_used(monkeypatch):
    monkeypatch.setattr(first_run, "model_sha", lambda name: "0" * 64)  # as if the model had been regenerated
    st = ExplorerState(model_later=True)
    assert isinstance(st.model, DiffusionModel) and st.first_run.awaiting is None
    st.shutdown()
