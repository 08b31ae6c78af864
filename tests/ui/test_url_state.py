"""The setup in the URL without a browser: parsing, clamping, ignoring, and Panel's Location kept in step."""
from __future__ import annotations

import numpy as np
import pytest
from panel.io.location import Location

from explorer.ui.session.state import ExplorerState
from explorer.ui.session.url_state import parse_setup, sync_url, url_params

SMALL = dict(n_samples=100, sample_steps=5)


def test_parse_good_values():
    values, notes = parse_setup("?dataset=moons&sampler=ddim&eta=0.5&sample_steps=20&lr=1e-05&foo=bar")
    assert values == {"dataset": "moons", "sampler": "ddim", "eta": 0.5, "sample_steps": 20, "lr": 1e-05}
    assert notes == [] and isinstance(values["sample_steps"], int)


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
    state, loc = ExplorerState(**SMALL), Location(search="?dataset=moons&sampler=ddim&eta=0.5&sample_steps=20&x=1")
    assert sync_url(state, loc)
    assert (state.dataset, state.sampler, state.eta, state.sample_steps) == ("moons", "ddim", 0.5, 20)
    assert len(state.run.times) == 21 and state.error == ""
    query = loc.query_params
    assert set(url_params()) <= set(query) and query["x"] == 1 and query["sampler"] == "ddim"
    state.sampler = "euler"
    assert loc.query_params["sampler"] == "euler"


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
