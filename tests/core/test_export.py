"""Exports of a sampling run: CSV (samples, trajectories) and the animated GIF."""
import numpy as np
import pytest
from PIL import Image

import explorer as dx
from explorer.core.errors import ExplorerError
from explorer.tools.export import MAX_FRAMES, frame_indices, pixel_of, render_gif, run_to_csv


@pytest.fixture(scope="module")
def data():
    return dx.datasets.load("three_dots", n=300, seed=0)


@pytest.fixture(scope="module")
def run(data):
    # The exact denoiser of the data: cheap, and it lands the samples on the three dots.
    return dx.sample(dx.OracleDenoiser(data), n=60, sampler="euler", steps=30, seed=0)


def _luminance(image, xy):
    r, g, b = image.convert("RGB").getpixel(xy)
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_samples_csv_round_trips(run, tmp_path):
    text = run_to_csv(run, tmp_path / "s.csv")
    assert text.startswith("x,y\n") and (tmp_path / "s.csv").read_text() == text
    np.testing.assert_allclose(dx.datasets.read_csv(tmp_path / "s.csv"), run.samples, atol=1e-6)


def test_trajectories_csv_is_long_format(run):
    lines = run_to_csv(run, trajectories=True).splitlines()
    frames, n = run.points.shape[:2]
    assert lines[0] == "frame,t,sample,x,y" and len(lines) == 1 + frames * n
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_array_equal(rows[:, 0], np.repeat(np.arange(frames), n))
    np.testing.assert_allclose(rows[:, 1], np.repeat(run.times, n), atol=1e-6)
    np.testing.assert_array_equal(rows[:, 2], np.tile(np.arange(n), frames))
    np.testing.assert_allclose(rows[:, 3:].reshape(frames, n, 2), run.points, atol=1e-6)


def test_gif_frames_size_progress_and_pixels(run, data, tmp_path):
    calls = []
    path = render_gif(run, tmp_path / "r.gif", data=data, size=200, progress=lambda i, n: calls.append((i, n)))
    frames = len(run.points)
    assert calls == [(i, frames) for i in range(1, frames + 1)]
    with Image.open(path) as im:
        assert im.format == "GIF" and im.size == (200, 200) and im.n_frames == frames
        im.seek(im.n_frames - 1)
        last = im.convert("RGB")
    for point in run.samples[:10]:
        assert _luminance(last, pixel_of(point, size=200)) < 128  # a dark dot where each sample is
    assert _luminance(last, pixel_of((3.5, -3.0), size=200)) > 250  # empty corner: white background


def test_gif_is_deterministic(run, tmp_path):
    a = render_gif(run, tmp_path / "a.gif", size=128).read_bytes()
    b = render_gif(run, tmp_path / "b.gif", size=128).read_bytes()
    assert a == b


def test_long_runs_are_subsampled_to_at_most_120_frames(data, tmp_path):
    long_run = dx.sample(dx.GaussianDenoiser([0, 0], np.eye(2)), n=5, sampler="euler", steps=300, seed=0)
    keep = frame_indices(301)
    assert len(keep) == MAX_FRAMES and keep[0] == 0 and keep[-1] == 300
    with Image.open(render_gif(long_run, tmp_path / "l.gif", size=128)) as im:
        assert im.n_frames == MAX_FRAMES
    with Image.open(render_gif(long_run, tmp_path / "s.gif", size=128, max_frames=10)) as im:
        assert im.n_frames == 10


@pytest.mark.parametrize("kwargs", [
    {"size": 64}, {"size": 2048}, {"size": 300.5}, {"fps": 0}, {"fps": 500}, {"bounds": (1, -1, -4, 4)},
    {"bounds": (0, 1, 2)}, {"bounds": (0, np.nan, 0, 1)}, {"max_frames": 500}, {"progress": "yes"},
    {"data": [[np.nan, 0.0], [1.0, 1.0]]},
])
def test_bad_gif_arguments_raise(run, tmp_path, kwargs):
    with pytest.raises(ExplorerError):
        render_gif(run, tmp_path / "x.gif", **kwargs)


def test_bad_runs_and_paths_raise(run, tmp_path):
    with pytest.raises(ExplorerError, match="sampling run"):
        run_to_csv(np.zeros((3, 2)))
    with pytest.raises(ExplorerError, match="does not exist"):
        render_gif(run, tmp_path / "missing" / "x.gif")
    with pytest.raises(ExplorerError, match="does not exist"):
        run_to_csv(run, tmp_path / "missing" / "x.csv")


def test_gif_draws_each_sample_in_its_class_colour(run, tmp_path):
    """Issue 24, item 10: the GIF drew every sample blue, where the page draws each in its class's colour."""
    points, classes = dx.datasets.load_labelled("three_dots", n=300, seed=0)
    nearest = np.linalg.norm(run.samples[:, None] - points[None], axis=2).argmin(axis=1)
    labels = classes[nearest]  # each sample's dot: its class
    colours = ["#d62728", "#2ca02c", "#9467bd"]
    path = render_gif(run, tmp_path / "c.gif", size=200, labels=labels, class_colors=colours)
    with Image.open(path) as im:
        im.seek(im.n_frames - 1)
        last = im.convert("RGB")
    assert len(set(labels.tolist())) == 3
    for point, k in zip(run.samples, labels, strict=True):
        assert last.getpixel(pixel_of(point, size=200)) == tuple(int(colours[k][i:i + 2], 16) for i in (1, 3, 5))
    no_class = np.full(len(labels), np.nan)  # samples of no class stay the samples' blue
    with Image.open(render_gif(run, tmp_path / "n.gif", size=200, labels=no_class, class_colors=colours)) as im:
        im.seek(im.n_frames - 1)
        last = im.convert("RGB")
    assert {last.getpixel(pixel_of(p, size=200)) for p in run.samples} == {(31, 78, 156)}


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": [0] * 60}, "labels need class_colors"),
    ({"labels": [0] * 59, "class_colors": ["#ff0000"]}, "one class per sample: 60 samples, got 59"),
    ({"labels": [0] * 60, "class_colors": ["red"]}, "must be '#rrggbb'"),
])
def test_bad_gif_class_colours_raise(run, tmp_path, kwargs, message):
    with pytest.raises(ExplorerError, match=message):
        render_gif(run, tmp_path / "x.gif", size=128, **kwargs)
