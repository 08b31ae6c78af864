"""Hostile and clumsy input, through the paths a user takes (issue 6).

Each case goes through the dashboard's own objects (the drawing canvas, the CSV and model uploads, the
state behind the Train button and the sliders) and must end with a clear message in `state.error` (the
page shows it as a notification), no exception, the last good model still in place, and a second session
untouched. tests/browser/test_browser_hostile_input.py sends the worst of them through a real page.
"""
from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pytest
from browser_support import wait_for

from explorer import sample
from explorer.training import checkpoints
from explorer.training.config import TrainConfig
from explorer.ui.jobs.export_files import model_zip
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.draw_view import DrawView
from explorer.ui.views.export_view import ExportView


@pytest.fixture
def sessions():
    """Two sessions of one server: `mine` gets the hostile input, `other` must not notice."""
    mine, other = ExplorerState(), ExplorerState()
    before = {"mine": mine.model, "other": other.model, "other_run": other.run}
    yield mine, other, before
    for s in (mine, other):
        s.shutdown()
    assert other.model is before["other"] and other.run is before["other_run"], "the other session changed"
    assert not other.error


def _upload_csv(view: DrawView, data: bytes, name: str = "points.csv") -> None:
    view.upload.param.update(filename=name, value=data)  # one message from the page: name and content together


def _upload_model(view: ExportView, files: dict[str, bytes]) -> None:
    view.load_model(files)


def _finish(state: ExplorerState, timeout: float = 60.0) -> None:
    state.jobs.wait(timeout)


# --- drawings and CSV files ---------------------------------------------------------------------
CSV_CASES = {
    "empty file": (b"", "empty"),
    "header only": (b"x,y\n", "no rows"),
    "text": (b"x,y\n1,2\nhello,3\n", "not a number"),
    "wrong column count": (b"x,y,z\n1,2,3\n4,5,6\n", "3 columns"),
    "nan": (b"x,y\n1,2\nnan,3\n4,5\n", "NaN"),
    "inf": (b"x,y\n1,2\ninf,3\n4,5\n", "infin"),
    "1e30": (b"x,y\n1,2\n1e30,3\n4,5\n", "1e+30"),
    "single point": (b"x,y\n1,2\n", "at least 2"),
    "binary junk": (bytes(range(256)) * 4, "is not UTF-8 text (undecodable byte at line 2)"),  # 0x80: line 2
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_upload_is_refused_with_a_message(sessions, case):
    mine, _other, before = sessions
    data, says = CSV_CASES[case]
    view = DrawView(state=mine)
    _upload_csv(view, data, name="<img src=x onerror=alert(1)>.csv")
    assert mine.error, f"{case}: no message"
    assert says.lower() in mine.error.lower(), mine.error
    assert "<img" not in mine.error and "&lt;img" in mine.error, "the file name must be escaped"
    assert mine.model is before["mine"] and mine.drawn is None


def test_a_million_points_and_a_50_mb_upload_are_refused(sessions):
    mine, _other, before = sessions
    view = DrawView(state=mine)
    rows = np.random.default_rng(0).uniform(-2, 2, size=(10**6, 2))
    _upload_csv(view, b"x,y\n" + b"".join(b"%.2f,%.2f\n" % tuple(r) for r in rows))
    assert "more than 100,000 rows" in mine.error, mine.error
    mine.error = ""
    _upload_csv(view, b"x,y\n" + b"0.5,0.5\n" * (50 * 2**20 // 8), name="huge.csv")
    assert mine.error == "huge.csv: the file is larger than the 20 MB limit", mine.error
    mine.error = ""
    assert not mine.set_drawn(rows)  # the same through the API
    assert mine.error.startswith("got 1,000,000 points but the limit is 100,000; subsample first"), mine.error
    assert mine.model is before["mine"] and mine.drawn is None


def test_empty_and_one_point_drawings(sessions):
    mine, _other, before = sessions
    view = DrawView(state=mine)
    view.stroke_source.data = {"xs": [], "ys": []}
    view._convert()
    assert not mine.error and mine.drawn is None  # nothing drawn yet: nothing to say
    view.stroke_source.data = {"xs": [[0.5]], "ys": [[0.5]]}  # a click, not a stroke
    view._convert()
    assert "single point" in mine.status and not mine.error and mine.drawn is None
    mine.dataset = "drawn"
    assert not mine.start_training() and "no training data" in mine.error
    assert mine.model is before["mine"] and not mine.training


# --- model files ----------------------------------------------------------------------------------
def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _good_files(state: ExplorerState) -> dict[str, bytes]:
    weights, config = checkpoints.to_bytes(state.model)
    return {"model.safetensors": weights, "config.json": config}


def _narrower(good: dict[str, bytes]) -> dict[str, bytes]:
    """The good weights with a config.json that asks for a 32-wide network: the tensors do not fit."""
    config = json.loads(good["config.json"])
    config["config"]["width"] = 32
    return {**good, "config.json": json.dumps(config).encode()}


# Each case: the files, and what the message says after the (escaped) file names.
MODEL_CASES = {
    "pickle, not safetensors": (lambda good: {"model.pt": b"\x80\x04\x95" + b"\x00" * 64},
                                "model.pt: choose the model's .zip, or its two files model.safetensors and "
                                "config.json together"),
    "garbage weights": (lambda good: {**good, "model.safetensors": b"not a safetensors file at all"},
                        "config.json: model.safetensors is not a safetensors file"),
    # which tensor is named first varies; each has a 96 where the configuration needs 32
    "wrong shapes": (_narrower, re.compile(r"config\.json: model\.safetensors: tensor '[\w.]+' has shape "
                                           r"\((?=[^)]*96)[\d, ]+\), the configuration needs \((?=[^)]*32)[\d, ]+\)$")),
    "unknown config keys": (lambda good: {**good, "config.json": json.dumps(
        {**json.loads(good["config.json"]), "exec": "rm -rf /"}).encode()}, "config.json has unknown keys ['exec']"),
    "config not JSON": (lambda good: {**good, "config.json": b"{width: 96"}, "config.json is not valid JSON"),
    "50 MB file": (lambda good: {"model.safetensors": b"\0" * (50 * 2**20)},
                   "model.safetensors: the upload is 52 MB; a model is at most 22 MB"),
    "zip of nothing useful": (lambda good: {"model.zip": _zip({"notes.txt": b"hello"})},
                              "model.zip: model.safetensors and config.json missing"),
}


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_bad_model_upload_is_refused_and_the_model_kept(sessions, case):
    mine, _other, before = sessions
    make, says = MODEL_CASES[case]
    view = ExportView(state=mine)
    _upload_model(view, {"<img src=x onerror=alert(1)>" + name: data for name, data in make(_good_files(mine)).items()})
    assert (says.search(mine.error) if isinstance(says, re.Pattern) else says in mine.error), mine.error
    assert "<img" not in mine.error and mine.error.startswith("&lt;img src=x onerror=alert(1)&gt;"), mine.error
    assert mine.model is before["mine"]


def test_a_good_model_upload_after_bad_ones_still_works(sessions):
    mine, _other, before = sessions
    view = ExportView(state=mine)
    _upload_model(view, {"x.safetensors": b"junk"})
    assert mine.error
    mine.error = ""
    other_model = ExplorerState(dataset="moons").model
    _upload_model(view, {"moons.zip": model_zip(other_model)})
    assert not mine.error and mine.model is not before["mine"]
    assert checkpoints.to_bytes(mine.model) == checkpoints.to_bytes(other_model)  # moons' weights and config
    assert mine.status.startswith("Loaded moons.zip: velocity on the rectified schedule"), mine.status


# --- knobs out of range -------------------------------------------------------------------------
@pytest.mark.parametrize(("knob", "value"), [("train_steps", 0), ("sample_steps", 0), ("sample_steps", 10**5),
                                             ("n_samples", 10**7), ("lr", float("nan")), ("lr", -1.0)])
def test_knobs_out_of_range_are_refused(sessions, knob, value):
    """The widgets are bounded in the page; the state refuses the rest with a message naming the bounds."""
    mine, _other, before = sessions
    with pytest.raises(ValueError, match=knob):
        setattr(mine, knob, value)
    assert mine.model is before["mine"] and mine.run is not None


def test_library_refuses_zero_and_huge_step_counts(sessions):
    mine, _other, _before = sessions
    with pytest.raises(Exception, match="1 to"):
        TrainConfig(steps=0)
    for steps in (0, 10**5):
        with pytest.raises(Exception, match="steps"):
            sample(mine.model, n=10, steps=steps)


# --- training -----------------------------------------------------------------------------------
def test_learning_rate_ten_diverges_and_the_last_model_survives(sessions):
    mine, _other, before = sessions
    mine.param.update(lr=10.0, train_steps=400)
    assert mine.start_training()
    _finish(mine)
    assert re.fullmatch(r"training diverged at step \d+ \(loss \S+\) with learning rate 10: its weights were "
                        r"dropped and the previous model is still shown\. Try a smaller learning rate "
                        r"\(1e-3 to 1e-2\)\.", mine.error), mine.error
    assert mine.status == (f"Training diverged at step {mine.diverged_at}: its weights were dropped and the previous "
                           "model is still shown. Try a smaller learning rate (1e-3 to 1e-2).")
    assert mine.diverged_at is not None and mine.model is before["mine"] and not mine.training


def test_train_pressed_twice_quickly_runs_once(sessions):
    mine, _other, _before = sessions
    mine.train_steps = 300
    assert mine.start_training()
    job = mine.jobs.get("training")
    assert not mine.start_training()
    assert "Already training" in mine.status and mine.jobs.jobs == (job,)
    _finish(mine)
    assert mine.model is not None and mine.model.log.steps_done == 300


def test_closing_the_tab_mid_training_stops_it_and_keeps_the_model(sessions):
    mine, _other, before = sessions
    mine.train_steps = 5000
    assert mine.start_training()
    job = mine.jobs.get("training")
    wait_for(lambda: (mine.poll(), mine.losses)[1], 30, "training to start")
    mine.shutdown()  # what the session-destroyed hook calls
    assert not job.alive, "the training thread outlived its session"
    assert mine.model is before["mine"]

