"""The run as a video (explorer/tools/video.py), decoded back with PyAV: one video frame per frame the GIF shows,
the right size, and the GIF's pictures (class colours, the grey ghost) within the video's compression."""
import sys

import av
import numpy as np
import pytest

import explorer as dx
from explorer.core.errors import ExplorerError
from explorer.tools.export import frame_indices, pixel_of
from explorer.tools.raster import paint_frames

COLOURS = ["#d62728", "#2ca02c", "#9467bd"]


@pytest.fixture(scope="module")
def labelled():
    points, classes = dx.datasets.load_labelled("three_dots", n=300, seed=0)
    run = dx.sample(dx.OracleDenoiser(points), n=120, sampler="euler", steps=30, seed=0)
    nearest = np.linalg.norm(run.samples[:, None] - points[None], axis=2).argmin(axis=1)
    return run, points, classes[nearest]


def decode(path) -> tuple[list[np.ndarray], str, float]:
    """Every frame of the video at `path` as RGB arrays, its codec's name and its frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return frames, stream.codec_context.name, float(stream.average_rate)


@pytest.mark.parametrize("suffix, codec", [(".mp4", "h264"), (".webm", "vp9")])
def test_the_video_has_one_frame_per_shown_frame_drawn_as_the_gif(labelled, tmp_path, suffix, codec):
    run, points, labels = labelled
    calls = []
    path = dx.export.render_video(run, tmp_path / f"run{suffix}", data=points, size=320, fps=25, labels=labels,
                                  class_colors=COLOURS, progress=lambda i, n: calls.append((i, n)))
    frames, name, rate = decode(path)
    shown = len(frame_indices(len(run.times)))  # the GIF's frames: all 31 of this run
    assert len(frames) == shown == 31 and name == codec and rate == 25
    assert all(f.shape == (320, 320, 3) for f in frames)
    assert calls == [(i, shown) for i in range(1, shown + 1)]
    gif = [np.asarray(im.convert("RGB"), np.int16) for im in paint_frames(
        run.points, run.times, range(shown), points, 320, (-4.0, 4.0, -4.0, 4.0), labels, COLOURS)]
    for k in (0, 15, 30):  # the GIF's picture, within what 4:2:0 video coding changes
        assert np.abs(frames[k].astype(np.int16) - gif[k]).mean() < 3, k
    last = frames[-1].astype(np.int16)
    for point, label in zip(run.samples, labels, strict=True):  # each sample's dot in its class's colour
        col, row = pixel_of(point, size=320)
        want = np.array([int(COLOURS[label][i:i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(last[row, col] - want).max() < 60, (point, label, last[row, col])
    ghost = np.all(gif[0] == 214, axis=2)  # the training points' grey ghost, where the GIF draws it at t = 1
    assert ghost.sum() > 500
    assert np.mean(np.abs(frames[0][ghost].astype(np.int16) - 214).max(axis=1) < 25) > 0.9


def test_long_runs_are_shown_at_most_at_120_frames(tmp_path):
    long_run = dx.sample(dx.GaussianDenoiser([0, 0], np.eye(2)), n=5, sampler="euler", steps=300, seed=0)
    frames, _, _ = decode(dx.export.render_video(long_run, tmp_path / "l.mp4", size=128))
    assert len(frames) == 120
    frames, _, _ = decode(dx.export.render_video(long_run, tmp_path / "s.webm", size=128, max_frames=10))
    assert len(frames) == 10


@pytest.mark.parametrize("name, kwargs, message", [
    ("run.avi", {}, r"a video is written as \.mp4 or \.webm: '.*run\.avi' ends in \.avi"),
    ("run.gif", {}, "ends in .gif"),
    ("missing/run.mp4", {}, "the folder '.*missing' does not exist"),
    ("run.mp4", {"size": 321}, "even number of pixels"),
    ("run.mp4", {"size": 64}, "size"),
    ("run.mp4", {"fps": 0}, "fps"),
    ("run.mp4", {"labels": [0, 1], "class_colors": COLOURS}, "one class per sample"),
    ("run.mp4", {"labels": [0] * 120}, "labels need class_colors"),
    ("run.mp4", {"progress": "yes"}, "progress"),
])
def test_bad_input_gives_a_clear_error_and_writes_nothing(labelled, tmp_path, name, kwargs, message):
    with pytest.raises(ExplorerError, match=message):
        dx.export.render_video(labelled[0], tmp_path / name, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_without_pyav_the_error_says_how_to_get_it(labelled, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` fails, as without the package
    with pytest.raises(ExplorerError, match="pip install av"):
        dx.export.render_video(labelled[0], tmp_path / "run.mp4")
    assert list(tmp_path.iterdir()) == []
