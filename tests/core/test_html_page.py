"""The run's interactive HTML page, read as a file (tests/browser/test_browser_run_page.py opens it in Chromium)."""
import html
import re

import numpy as np
import pytest
from run_page_support import embedded_run_file

import explorer as dx
from explorer.core.errors import ExplorerError

MAX_PAGE_BYTES = 5_000_000  # issue 28: 1000 samples x 50 frames in at most 5 MB


@pytest.fixture(scope="module")
def data():
    return dx.datasets.load("smiley", n=2000, seed=0)


@pytest.fixture(scope="module")
def run():
    return dx.sample(dx.load_pretrained("smiley"), n=1000, sampler="euler", steps=50, seed=0)


def test_the_page_is_self_contained_and_carries_the_frames_as_binary(run, data, tmp_path):
    import panel  # noqa: F401 (imported, as in the served app, Panel's models ask Bokeh for scripts of their own)

    path = dx.export.render_html(run, tmp_path / "run.html", data=data)
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size <= MAX_PAGE_BYTES, path.stat().st_size
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+href=", text)  # nothing fetched
    assert "Bokeh" in text and "bokeh-widgets" in text.lower()  # Bokeh's own code is inside
    packed = embedded_run_file(text)
    assert packed.frames == 51 and packed.n == 1000
    np.testing.assert_array_equal(packed.arrays["x"], run.points[..., 0])
    np.testing.assert_array_equal(packed.arrays["y"], run.points[..., 1])
    np.testing.assert_array_equal(packed.arrays["t"], run.times.astype(np.float32))
    assert "density" in packed.arrays and len(packed.arrays["data_x"]) == 2000
    # no frame travels as a JSON list of numbers: the biggest list in the document is short
    lists = re.findall(r"\[(?:-?\d+\.\d+,){50,}", text)
    assert lists == []


def test_a_page_without_density_is_smaller(run, tmp_path):
    full = dx.export.render_html(run, tmp_path / "a.html").stat().st_size
    lean = dx.export.render_html(run, tmp_path / "b.htm", density=False).stat().st_size
    assert lean < full - 800_000  # the KDE alone is 51 x 64 x 64 float32 = 836 kB


@pytest.mark.parametrize("name, kwargs, message", [
    ("run.txt", {}, r"an interactive page is written as \.html or \.htm: '.*run\.txt' ends in \.txt"),
    ("run", {}, "ends in no extension"),
    ("missing/run.html", {}, "the folder '.*missing' does not exist"),
    ("run.html", {"layers": ("Vector field",)}, "unknown layer"),
    ("run.html", {"labels": [0, 1]}, "one class per sample"),
])
def test_bad_input_gives_a_clear_error_and_writes_nothing(run, tmp_path, name, kwargs, message):
    with pytest.raises(ExplorerError, match=message):
        dx.export.render_html(run, tmp_path / name, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_is_not_a_file(run, tmp_path):
    (tmp_path / "x.html").mkdir()
    with pytest.raises(ExplorerError, match="it is a folder"):
        dx.export.render_html(run, tmp_path / "x.html")


def test_show_embeds_the_same_page_in_an_iframe_for_notebooks(data):
    small = dx.sample(dx.OracleDenoiser(data), n=50, sampler="euler", steps=5, seed=0)
    shown = dx.show(small, data=data)
    out = shown._repr_html_()
    assert out.startswith("<iframe srcdoc=\"") and 'sandbox="allow-scripts' in out
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1))
    assert inner == shown.html
    packed = embedded_run_file(inner)
    np.testing.assert_array_equal(packed.arrays["x"], small.points[..., 0])
