"""The drawing canvas without a browser: Undo and Clear update the dots, the status and the training data at once,
and an empty CSV gets a message (tests/browser/test_browser_drawing.py does the same in a real page)."""
from __future__ import annotations

import numpy as np
import pytest

from explorer.ui.session.state import DRAWN, ExplorerState
from explorer.ui.views.draw_view import DrawView

UPPER = {"xs": [-2.0, 0.0, 2.0], "ys": [1.5, 1.5, 1.5]}
LOWER = {"xs": [-2.0, 0.0, 2.0], "ys": [-1.5, -1.5, -1.5]}


@pytest.fixture
def view():
    state = ExplorerState()
    yield DrawView(state=state)
    state.shutdown()


def _draw(view, *strokes) -> None:
    """What the browser does: the FreehandDrawTool appends strokes to the source."""
    view.stroke_source.data = {"xs": [s["xs"] for s in strokes], "ys": [s["ys"] for s in strokes]}


def _dots(view) -> np.ndarray:
    return np.asarray(view.point_source.data["y"])


def test_undo_removes_the_last_strokes_points_from_everything(view):
    st = view.state
    _draw(view, UPPER)
    n_upper = len(st.drawn)
    _draw(view, UPPER, LOWER)
    assert len(st.drawn) > n_upper and (_dots(view) < 0).any()
    view._on_undo()
    assert len(st.drawn) == n_upper and len(st.data) == n_upper and len(_dots(view)) == n_upper
    assert (_dots(view) > 0).all(), "the lower stroke's dots must go"
    assert st.status.startswith("Undid the last stroke") and f"{n_upper} points" in st.status
    view._on_undo()  # the last stroke: nothing left to train on
    assert st.drawn is None and st.data is None and len(_dots(view)) == 0
    assert "no training points" in st.status
    assert not st.start_training() and "no training data" in st.error and not st.training
    view._on_undo()
    assert st.status.startswith("Nothing to undo")


def test_clear_removes_every_point_and_the_training_data(view):
    st = view.state
    model = st.model
    _draw(view, UPPER, LOWER)
    view._on_clear()
    assert view.stroke_source.data["xs"] == [] and len(_dots(view)) == 0
    assert st.drawn is None and st.data is None and st.dataset == DRAWN
    assert st.status.startswith("Cleared the drawing")
    assert not st.start_training() and "no training data" in st.error
    assert st.model is model, "the shown model stays"
    _draw(view, LOWER)  # drawing again works as before
    assert st.drawn is not None and len(_dots(view)) == len(st.drawn) == len(st.data)


def test_an_upload_then_undo_and_clear(view):
    st = view.state
    view.upload.param.update(filename="line.csv", value=b"x,y\n0,0\n1,1\n2,2\n")
    assert len(st.drawn) == 3 and st.status.startswith("Loaded 3 points")
    view._on_undo()
    assert len(st.drawn) == 3 and "Clear removes them" in st.status
    view._on_clear()
    assert st.drawn is None and len(_dots(view)) == 0


def test_an_empty_csv_says_so_and_keeps_the_data(view):
    st = view.state
    view.upload.param.update(filename="line.csv", value=b"x,y\n0,0\n1,1\n2,2\n")
    before = st.data
    st.error = ""
    view.upload.param.update(filename="empty.csv", value=None)  # how Panel hands over an empty file
    assert "empty.csv" in st.error and "empty" in st.error.replace("empty.csv", ""), st.error
    assert st.data is before and len(_dots(view)) == 3
    st.error = ""
    view.upload.param.update(filename=None, value=None)  # the page clearing the input: no news
    assert st.error == ""


def _draw_coloured(view, *strokes) -> None:
    """The tool gives each new stroke the colour picked then (its `cls` column)."""
    view.stroke_source.data = {"xs": [s["xs"] for s, _ in strokes], "ys": [s["ys"] for s, _ in strokes],
                               "cls": [c for _, c in strokes]}


def test_strokes_in_two_colours_make_two_classes_and_undo_takes_one_away(view):
    st = view.state
    view.ink.value = "green"
    assert view._tool.default_overrides == {"cls": "green"}, "the next stroke must get the colour picked"
    _draw_coloured(view, (UPPER, "green"), (LOWER, "purple"))
    assert st.class_names == ["green", "purple"] and st.conditional
    ys = np.asarray(st.data)[:, 1]
    assert (st.labels[ys > 0] == 0).all() and (st.labels[ys < 0] == 1).all()
    # the dots take their class's colour; the plots use the same colour for the class
    colors = np.asarray(view.point_source.data["color"])
    assert set(colors[_dots(view) > 0]) == {"#2ca02c"} and set(colors[_dots(view) < 0]) == {"#9467bd"}
    assert "2 classes (green, purple)" in st.status
    view._on_undo()  # one colour left: a drawing without classes
    assert st.labels is None and st.class_names == [] and len(st.data) == len(_dots(view))
    assert not st.conditional, "one colour left: nothing to train classes with, so Train must not refuse"
    assert view.stroke_source.data["cls"] == ["green"]


def test_a_labelled_upload_keeps_its_classes_and_the_download_writes_them(view):
    st = view.state
    text = b"# classes: left,right\nx,y,label\n-1,0,left\n-1.2,0.1,left\n1,0,right\n1.1,0.2,right\n"
    view.upload.param.update(value=text, filename="two.csv")
    assert st.class_names == ["left", "right"] and st.labels.tolist() == [0, 0, 1, 1]
    assert "4 points in 2 classes (left, right)" in st.status
    assert view._csv().getvalue() == ("# classes: left,right\nx,y,label\n-1.000000,0.000000,left\n"
                                      "-1.200000,0.100000,left\n1.000000,0.000000,right\n1.100000,0.200000,right\n")
    view.upload.param.update(value=b"x,y,label\n1,2,a\n3,4\n", filename="bad.csv")
    assert "line 3 has 2 columns" in st.error and st.class_names == ["left", "right"], "the last good data stays"
