"""The files a run is shared as, printed (not asserted): `python bench/bench_export.py`.

The interactive page (explorer/tools/html_page.py) for the smiley's pretrained model, Euler, at 1000 samples x 50
steps (51 frames; the issue's limit: 5 MB) and at 2000 x 100: its size, with and without the density layer, what
the run file inside it weighs, and the time to make it. Then the GIF and the video (explorer/tools/video.py) of the
same run: size and time. Each figure is the best of `REPEAT` runs.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import explorer as dx
from explorer.tools.runfile import pack_run

REPEAT = 3


def best(fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(REPEAT):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def pages(folder: Path, model, data) -> None:
    print("interactive page (.html): size, run file inside it, time to make (best of 3)")
    for n, steps in ((1000, 50), (2000, 100)):
        run = dx.sample(model, n=n, sampler="euler", steps=steps, seed=0)
        for density in (True, False):
            path = folder / f"run_{n}_{steps}_{density}.html"
            seconds, _ = best(lambda: dx.export.render_html(run, path, data=data, density=density))  # noqa: B023
            packed = len(pack_run(run, data, density=density).to_json())
            print(f"  {n} samples x {steps} steps, density {'on ' if density else 'off'}: "
                  f"{path.stat().st_size / 1e6:.2f} MB (run file {packed / 1e6:.2f} MB, Bokeh's JS and the page "
                  f"{(path.stat().st_size - packed) / 1e6:.2f} MB), {seconds:.2f} s")


def animations(folder: Path, model, data) -> None:
    run = dx.sample(model, n=1000, sampler="euler", steps=50, seed=0)
    print("animations of the same run (1000 samples x 50 steps: 51 frames, 480 px, 20 fps)")
    seconds, path = best(lambda: dx.export.render_gif(run, folder / "run.gif", data=data))
    print(f"  GIF: {path.stat().st_size / 1e3:.0f} kB, {seconds:.2f} s")
    for suffix in (".mp4", ".webm"):
        try:
            seconds, path = best(lambda: dx.export.render_video(run, folder / f"run{suffix}", data=data))  # noqa: B023
        except ImportError as err:  # the video needs PyAV (pip install av)
            print(f"  {suffix}: {err}")
            continue
        print(f"  video {suffix}: {path.stat().st_size / 1e3:.0f} kB, {seconds:.2f} s")


def main() -> None:
    model = dx.load_pretrained("smiley")
    data = dx.datasets.load("smiley", n=2000, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        pages(Path(tmp), model, data)
        animations(Path(tmp), model, data)


if __name__ == "__main__":
    main()
