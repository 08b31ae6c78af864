"""The setup in the URL without a browser: parsing, clamping, ignoring, and Panel's Location kept in step.
The round trip is generated from the parts (part.py): a setting added to Setup or Sampling is tested here too."""
from __future__ import annotations

import numpy as np
import param
import pytest
from panel.io.location import Location

from explorer.core.objectives import pair_problem
from explorer.core.solvers import SAMPLERS
from explorer.data import datasets
from explorer.training import train
from explorer.training.config import TrainConfig
from explorer.ui.session.choices import DRAWN
from explorer.ui.session.sampling import CFG
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.url_state import apply_setup, parse_setup, setup_query, shared_parts, sync_url, url_params

SMALL = dict(n_samples=100, sample_steps=5)


def test_parse_good_values():
    values, notes = parse_setup("?dataset=moons&sampler=ddim&eta=0.5&sample_steps=20&lr=1e-05&foo=bar")
    assert values == {"dataset": "moons", "sampler": "ddim", "eta": 0.5, "sample_steps": 20, "lr": 1e-05}
    assert notes == ["'foo' is not a setting of this page"] and isinstance(values["sample_steps"], int)


@pytest.mark.parametrize("query, name, value, says", [
    ("?eta=banana", "eta", None, "not a number"),
    ("?eta=nan", "eta", None, "not a number"),
    ("?eta=7", "eta", 1.0, "above 1.0"),
    ("?sample_steps=1e999", "sample_steps", None, "not a whole number"),
    ("?sample_steps=20.5", "sample_steps", None, "not a whole number"),
    ("?n_samples=3", "n_samples", 10, "below 10"),
    ("?dataset=nope", "dataset", None, "not one of smiley"),
    ("?sampler=", "sampler", None, "not one of"),
])
def test_parse_bad_values(query, name, value, says):
    values, notes = parse_setup(query)
    assert values.get(name) == value
    assert len(notes) == 1 and says in notes[0]


def test_bad_values_are_escaped_and_shortened():
    _, notes = parse_setup("?dataset=<script>alert(1)</script>" + "x" * 100)
    assert "<script" not in notes[0] and "&lt;script" in notes[0] and len(notes[0]) < 200
    assert parse_setup("?eta=0.5&" + "a" * 5000)[0] == {}


def test_sync_url_applies_the_link_and_follows_the_state():
    link = "?dataset=moons&sampler=ddim&eta=0.5&sample_steps=20&lesson=forward&step=2"
    state, loc = ExplorerState(**SMALL), Location(search=link)
    assert sync_url(state, loc)
    assert (state.dataset, state.sampler, state.eta, state.sample_steps) == ("moons", "ddim", 0.5, 20)
    assert len(state.run.times) == 21 and state.error == ""
    query = loc.query_params
    assert set(url_params()) <= set(query) and query["sampler"] == "ddim"
    assert (query["lesson"], query["step"]) == ("forward", 2)  # the keys other parts of the page read stay
    state.sampler = "euler"
    assert loc.query_params["sampler"] == "euler"
    state.sampling.guidance = 2.5  # a part's setting, set on the part
    assert loc.query_params["guidance"] == 2.5


def _other_value(p: param.Parameter, now):
    """A valid value of `p` other than `now` (None if it has only one), from its declaration alone."""
    if isinstance(p, param.Boolean):
        return not now
    if isinstance(p, param.Selector):
        return next((o for o in reversed(p.objects) if o != now and o != DRAWN), None)
    low, high = p.bounds
    if isinstance(p, param.Integer):
        return low if now != low else low + 1
    return low + (high - low) / 4 if now != low + (high - low) / 4 else low


@pytest.fixture(scope="module")
def snapshots():
    """A small conditional model with snapshots: what `label` and `guide` may name."""
    points, labels = datasets.load_labelled("moons", n=200, seed=0)
    return train(points, TrainConfig(steps=30, snapshot_every=10), labels=labels,
                 class_names=datasets.class_names("moons"))


def test_every_shared_setting_round_trips_the_link(snapshots):
    """Every setting of the SHARED parts, each set to another value than a new session's, goes into the link
    and comes back in a new session; the settings are read from the parts, not listed."""
    page = ExplorerState(**SMALL)
    setup, sampling, plot = shared_parts(page).values()  # in the order the link applies them: the data first
    chosen = {n: _other_value(setup.param[n], getattr(setup, n)) for n in setup.names()}
    if pair_problem(chosen["objective"], chosen["schedule"]):  # e.g. a flow map, which trains on 'rectified' only
        chosen["objective"] = next(o for o in reversed(setup.param["objective"].objects)
                                   if o != setup.objective and not pair_problem(o, chosen["schedule"]))
    setup.param.update(chosen)
    plot.param.update({n: _other_value(plot.param[n], getattr(plot, n)) for n in plot.link_names()})
    page.use_model(snapshots)  # a model trained here, with snapshots to guide with
    others = {n: _other_value(sampling.param[n], getattr(sampling, n)) for n in sampling.names()}
    sampling.param.update({n: v for n, v in others.items() if v is not None})
    link = setup_query(page)
    fresh = ExplorerState(**SMALL)
    notes = apply_setup(fresh, link)  # a new page shows the set's pretrained model: no snapshots, nor its classes
    assert len(notes) == 2 and notes[0].startswith(f"label='{page.label}' is not one of no class, every class")
    assert notes[1].startswith(f"guide='{page.guide}' is not one of no class")
    fresh.use_model(snapshots)  # once it has them (the student trained the same), the whole link applies
    assert apply_setup(fresh, link) == []
    names = url_params()
    assert {n: getattr(fresh, n) for n in names} == {n: getattr(page, n) for n in names}
    defaults = ExplorerState(**SMALL)
    same = [n for n in names if getattr(page, n) == getattr(defaults, n)]
    assert same == [], f"not tried with another value than a new session's: {same}"
    for name in ("conditional", "label", "guidance", "guide", "coupling", "source", "use_oracle", "grid", "tab",
                 "show_density"):
        assert f"{name}=" in link
    assert page.label in page.model.class_names and page.guide.startswith("snapshot at step")  # the model's own


def test_an_unknown_key_gets_a_notice_with_what_it_may_mean():
    values, notes = parse_setup("?steps=40&samplr=ddim&lesson=forward&step=2&tab=schedule&time=0.5&theme=dark")
    assert values == {"tab": "schedule"}
    assert notes == ["'steps' is not a setting of this page (did you mean train_steps or sample_steps?)",
                     "'samplr' is not a setting of this page (did you mean sampler?)"]
    state = ExplorerState(**SMALL)
    assert apply_setup(state, "?steps=40&sampler=ddim") == [
        "'steps' is not a setting of this page (did you mean train_steps or sample_steps?)"]
    assert state.sampler == "ddim" and state.sample_steps == SAMPLERS["ddim"].default_steps  # the sampler's own


def test_an_out_of_range_value_gets_a_notice_and_the_nearest_allowed():
    state, loc = ExplorerState(**SMALL), Location(search="?sample_steps=999999&guidance=50&conditional=maybe")
    sync_url(state, loc)
    assert state.sample_steps == 500 and state.guidance == 10.0 and state.conditional is False
    assert "sample_steps='999999' is above 500: using 500" in state.error
    assert "guidance='50' is above 10.0: using 10.0" in state.error
    assert "conditional='maybe' is not true or false" in state.error
    assert loc.query_params["sample_steps"] == 500 and loc.query_params["conditional"] is False


def test_a_class_or_snapshot_the_session_does_not_have_gets_a_notice():
    state = ExplorerState(**SMALL)  # smiley: its classes; the pretrained model has no snapshots
    notes = apply_setup(state, "?dataset=moons&label=lower+moon&guide=snapshot+at+step+400&conditional=true")
    assert (state.dataset, state.label, state.conditional, state.guide) == ("moons", "lower moon", True, CFG)
    assert len(notes) == 1 and notes[0].startswith("guide='snapshot at step 400' is not one of no class")
    notes = apply_setup(ExplorerState(**SMALL), "?label=lower+moon")  # smiley has no lower moon
    assert len(notes) == 1 and "label='lower moon' is not one of" in notes[0] and "mouth" in notes[0]


def test_sync_url_with_garbage_keeps_the_good_values():
    state, loc = ExplorerState(**SMALL), Location(search="?eta=banana&dataset=nope&sampler=ddim")
    sync_url(state, loc)
    assert state.sampler == "ddim" and state.dataset == "smiley" and state.eta == 0.0
    assert "eta='banana'" in state.error and "dataset='nope'" in state.error
    assert loc.query_params["eta"] == 0.0 and loc.query_params["dataset"] == "smiley"  # the URL is cleaned


def test_drawn_falls_back_with_a_status():
    state, loc = ExplorerState(dataset="moons", **SMALL), Location(search="?dataset=drawn")
    sync_url(state, loc)
    assert state.dataset == "smiley" and "drawing cannot travel in a link" in state.status and not state.error


def test_a_later_url_change_is_applied_value_by_value():
    state, loc = ExplorerState(**SMALL), Location(search="")
    sync_url(state, loc)
    loc.search = "?sampler=sde&noise=banana"  # sync alone would drop both: it applies a URL in one batch
    assert state.sampler == "sde" and "noise='banana'" in state.error


def test_no_location_no_sync():
    assert sync_url(ExplorerState(**SMALL), None) is False  # outside a served page pn.state.location is None


def test_the_page_sending_its_link_back_changes_nothing():
    state, loc = ExplorerState(**SMALL), Location(search="?dataset=drawn&eta=banana&sampler=ddim")
    sync_url(state, loc)
    errors = []
    state.param.watch(lambda e: errors.append(e.new), "error")
    loc.search = "?dataset=drawn&eta=banana&sampler=ddim"  # what the browser does once the page is up
    assert (state.dataset, state.sampler, state.eta) == ("smiley", "ddim", 0.0) and not errors
    assert loc.query_params["dataset"] == "smiley"


def test_a_drawing_is_named_in_the_url_and_kept():
    state, loc = ExplorerState(**SMALL), Location(search="")
    sync_url(state, loc)
    assert state.set_drawn(np.random.default_rng(0).normal(size=(50, 2)))
    assert state.dataset == "drawn" and loc.query_params["dataset"] == "drawn"
    state.sampler = "euler"
    assert state.dataset == "drawn" and loc.query_params["sampler"] == "euler"
    state.dataset = "moons"
    assert loc.query_params["dataset"] == "moons"


class _ServedDoc:
    """A served document as replace_query sees it: a location model, a session, and Bokeh's queue of next-tick
    callbacks, run here by hand (Bokeh runs them under the document's lock)."""

    def __init__(self):
        from bokeh.models import Div

        self.location = Div(name="location")
        self.session_context = object()
        self.queue = []

    def get_model_by_name(self, name):
        return self.location if name == "location" else None

    def add_next_tick_callback(self, callback):
        self.queue.append(callback)


def test_a_served_address_is_written_through_the_documents_queue_even_from_a_thread():
    import threading

    from explorer.ui.session.url_state import replace_query

    doc, loc = _ServedDoc(), Location(search="?a=1")
    writer = threading.Thread(target=replace_query, args=(loc, "?sampler=euler", doc))  # off the session's loop
    writer.start()
    writer.join()
    assert loc.search == "?sampler=euler"  # the server's own copy at once
    assert doc.location.tags == [] and len(doc.queue) == 1  # the model not touched outside the lock
    replace_query(loc, "?sampler=heun", doc)
    for callback in doc.queue:  # the loop's next ticks, in order: the page ends on the last address
        callback()
    assert doc.location.tags == ["?sampler=heun"]
    replace_query(loc, "?sampler=heun", doc)  # unchanged: nothing queued
    assert len(doc.queue) == 2
