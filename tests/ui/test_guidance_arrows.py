"""The guidance arrows at a tapped point (explorer/ui/plot/guidance_arrows.py), without a browser: they follow the
sidebar (guide, class, w) with no new tap, and their names lie apart from each other and inside the plot's frame,
measured with the fonts Chromium draws them in (DejaVu Sans Bold, Liberation Sans Bold: Bokeh's "helvetica")."""
from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import ImageFont

from explorer.ui.session.sampling import CFG
from explorer.ui.session.state import ExplorerState
from explorer.ui.style import BOUNDS, MAIN_PLOT_PX

FONTS = [p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf") if Path(p).exists()]


@pytest.fixture(scope="module")
def view():
    from explorer.ui.plot.main_view import MainView

    state = ExplorerState(dataset="moons", conditional=True, train_steps=400, n_samples=200, sample_steps=10)
    assert state.start_training()
    deadline = time.monotonic() + 60
    while state.training and time.monotonic() < deadline:
        state.poll()
        time.sleep(0.05)
    assert state.model is not None and state.model.snapshots, state.error
    v = MainView(state=state)
    v.player.pause()
    return v


def _texts(view):
    return list(view._arrows.source.data["text"])


def test_the_arrows_follow_the_guide_the_class_and_w_without_a_new_tap(view):
    st = view.state
    st.param.update(label="upper moon", guidance=2.0, guide=CFG)
    view._on_tap(SimpleNamespace(x=0.0, y=-2.5))
    assert _texts(view) == ["no class", "upper moon", "guided, w = 2"]
    before = np.array(view._arrows.source.data["x1"])
    st.guide = "snapshot at step 200"  # autoguidance: the grey arrow is now the snapshot's
    assert _texts(view)[0] == "step 200 (guide)", _texts(view)
    assert "no class" not in _texts(view)
    assert not np.allclose(view._arrows.source.data["x1"], before), "the arrows were recomputed, not renamed"
    assert st.status.startswith("Arrows at") and "grey step 200 (guide)" in st.status, st.status
    st.label = "lower moon"
    assert _texts(view)[1] == "lower moon"
    st.guidance = 3.0
    assert _texts(view)[2] == "guided, w = 3"
    assert view._arrows.source.data["x0"] == [0.0] * 3  # the same tapped point
    st.label = "every class"  # no single class: no arrows
    assert view._arrows.source.data["x0"] == []
    st.param.update(label="upper moon", guide=CFG, guidance=1.0)
    assert view._arrows.source.data["x0"] == [], "cleared arrows do not come back"


def _boxes(view, font) -> list[tuple[float, float, float, float]]:
    """The names' boxes (left, right, bottom, top) in screen pixels from the plot's lower left, as the text glyph
    draws them: its anchor fields, pixel offsets, alignment and baseline; the width measured in `font`."""
    fig = view._fig
    glyph = next(r for r in fig.renderers if r.name == "arrows_text_r").glyph
    data, ppu = view._arrows.source.data, MAIN_PLOT_PX / (BOUNDS[1] - BOUNDS[0])
    size = int(str(glyph.text_font_size).rstrip("px"))
    boxes = []
    for k, text in enumerate(data["text"]):
        w, h = ImageFont.truetype(font, size).getlength(text), 1.2 * size
        x = (data[glyph.x if isinstance(glyph.x, str) else glyph.x.field][k] - BOUNDS[0]) * ppu + glyph.x_offset
        y = (data[glyph.y if isinstance(glyph.y, str) else glyph.y.field][k] - BOUNDS[2]) * ppu - glyph.y_offset
        left = {"left": x, "center": x - w / 2, "right": x - w}.get(glyph.text_align, x)
        bottom = {"bottom": y, "alphabetic": y, "middle": y - h / 2, "top": y - h}.get(glyph.text_baseline, y)
        boxes.append((left, left + w, bottom, bottom + h))
    return boxes


@pytest.mark.parametrize("where", [(3.5, 3.4), (-3.6, -3.5), (3.7, -3.6), (0.0, 0.0), (2.4, 1.6)])
def test_the_names_do_not_overlap_and_stay_inside_the_plot(view, where):
    st = view.state
    st.param.update(label="upper moon", guidance=2.5, guide="snapshot at step 200")
    view._clear_traces()
    view._on_tap(SimpleNamespace(x=where[0], y=where[1]))
    assert len(_texts(view)) == 3
    assert FONTS, "no font to measure the names with"
    for font in FONTS:
        boxes = _boxes(view, font)
        for left, right, bottom, top in boxes:
            assert 0 <= left and right <= MAIN_PLOT_PX and 0 <= bottom and top <= MAIN_PLOT_PX, (where, font, boxes)
        for i in range(3):
            for j in range(i):
                a, b = boxes[i], boxes[j]
                apart = a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]
                assert apart, (where, font, _texts(view), boxes)
