"""A run's animation as a video: the GIF's frames (raster.py: class colours, the grey ghost, the caption and the
timeline) encoded with PyAV, whose wheel carries FFmpeg's libraries, so no ffmpeg program is needed or called.

    import explorer as dx
    dx.export.render_video(run, "run.mp4", data=points)      # H.264: plays in every browser and in slides
    dx.export.render_video(run, "run.webm", data=points)     # VP9: an open format, for the web

One video frame per frame the GIF shows (every frame of the run up to 120, else 120 evenly spaced ones, first and
last kept), at `fps` frames per second. Colours are 4:2:0 (what every player plays), so a class colour comes back
within a few levels of the GIF's and the tests (tests/core/test_video.py) compare the two.
"""
from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.tools.export import check_output, frame_indices, run_arrays
from explorer.tools.look import BOUNDS
from explorer.tools.raster import MAX_FRAMES, check_frame_args, paint_frames

SUFFIXES = (".mp4", ".webm")
# (container, codec, codec options) per file type: constant quality, tuned for flat colours and thin dots
ENCODERS = {
    ".mp4": ("mp4", "libx264", {"crf": "18", "preset": "medium", "tune": "animation"}),
    # VP9's "good" deadline took 4-5 s for 51 frames on one core; "realtime" 0.8 s, the file 25 % larger
    ".webm": ("webm", "libvpx-vp9", {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"}),
}


def _av():
    try:
        import av
    except ImportError:
        raise ExplorerError("writing a video needs PyAV: pip install av (its wheel carries FFmpeg)") from None
    return av


def render_video(
    run,
    path,
    data=None,
    size: int = 480,
    fps: float = 20,
    bounds=BOUNDS,
    progress: Callable[[int, int], object] | None = None,
    *,
    max_frames: int = MAX_FRAMES,
    labels=None,
    class_colors=(),
) -> Path:
    """Write the run's animation to `path` (.mp4: H.264, or .webm: VP9) and return the path.

    The frames are the GIF's (:func:`explorer.tools.export.render_gif`, same arguments): the samples over `data`
    as a grey ghost, each in its class's colour with `labels` and `class_colors`, the caption "t = 0.73" and a
    timeline. `size` must be even (the video's colour planes are half its size). ``progress(i, total)`` is called
    after each frame is encoded. The file is written whole or not at all: a failure leaves no partial video.
    """
    size, fps, box, max_frames = check_frame_args(size, fps, bounds, max_frames, what="video")
    if size % 2:
        raise ExplorerError(f"a video's side must be an even number of pixels; got size={size}")
    points, times = run_arrays(run)
    out = check_output(path, SUFFIXES, "a video")
    if progress is not None and not callable(progress):
        raise ExplorerError(f"progress must be a function progress(i, total) or None; got {type(progress).__name__}")
    keep = frame_indices(len(points), max_frames)
    frames = paint_frames(points, times, keep, data, size, box, labels, class_colors)  # checks its arguments
    av = _av()
    fmt, codec, options = ENCODERS[out.suffix.lower()]
    rate = Fraction(fps).limit_denominator(1001)
    fd, part = tempfile.mkstemp(suffix=out.suffix, prefix=".explorer-", dir=out.parent)
    os.close(fd)
    try:
        with av.open(part, mode="w", format=fmt) as container:
            stream = container.add_stream(codec, rate=rate, options=options)
            stream.width = stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.thread_count = 1  # one core per export: the server's other sessions keep theirs
            for i, image in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(np.asarray(image.convert("RGB")), format="rgb24")
                frame.pts, frame.time_base = i, 1 / rate
                container.mux(stream.encode(frame))
                if progress is not None:
                    progress(i + 1, len(keep))
            container.mux(stream.encode(None))  # flush the encoder's last frames
        os.replace(part, out)
    except (OSError, av.FFmpegError) as err:
        raise ExplorerError(f"could not write {str(out)!r}: {getattr(err, 'strerror', None) or err}") from None
    finally:
        if os.path.exists(part):
            os.unlink(part)
    return out
