"""The ``train``, ``distil`` and ``sample`` subcommands of ``diffusion-explorer`` (``serve`` lives in cli.py).

    diffusion-explorer train --dataset smiley --steps 1500 --out smiley_fm
    diffusion-explorer train --csv my_points.csv --objective eps --schedule cosine --out mine
    diffusion-explorer sample smiley_fm --sampler heun --steps 50 --n 2000 --gif run.gif --csv run.csv
    diffusion-explorer distil smiley_fm --method meanflow --out smiley_mf
    diffusion-explorer sample smiley_mf --steps 1
    diffusion-explorer sample smiley --data smiley --html run.html --video run.mp4

Each command raises ExplorerError (or OSError) for bad input; cli.main turns that into a one-line
message on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from explorer import load, load_pretrained, sample, save, train
from explorer.core import metrics
from explorer.core.errors import ExplorerError
from explorer.core.objectives import OBJECTIVES
from explorer.core.samplers import all_knobs
from explorer.core.schedules import SCHEDULES
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.data import datasets
from explorer.data.dataset_specs import DATASETS
from explorer.serve.runtime import use_thread_policy
from explorer.tools.export import check_output, check_writable, render_gif, render_html, render_video, run_to_csv
from explorer.tools.html_page import SUFFIXES as HTML_SUFFIXES
from explorer.tools.video import SUFFIXES as VIDEO_SUFFIXES
from explorer.training.config import TrainConfig
from explorer.training.distillation import distil, flow_map_methods
from explorer.training.flow_recipes import FLOW_MAP_RECIPES
from explorer.training.model import DiffusionModel
from explorer.training.pretrained import available

_DEFAULTS = TrainConfig()  # the help texts quote the library's own defaults


def _choices(registry, default: str | None = None) -> str:
    """'eps (ε-prediction (DDPM)), x0 (...), ...' from a registry, marking the default."""
    return ", ".join(f"{n}{' (the default)' if n == default else ''}: {registry[n].label}" for n in registry)


class ProgressBar:
    """A one-line text progress bar on a stream (stderr by default).

    On a terminal the line is redrawn in place; elsewhere (a log file, a CI job) a line is written
    at every tenth of the way, so the log stays readable.
    """

    WIDTH = 30

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._last_tenth = -1

    def update(self, done: int, total: int, extra: str = "") -> None:
        frac = min(max(done / total, 0.0), 1.0) if total else 1.0
        filled = round(frac * self.WIDTH)
        line = (f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{total} "
                f"{time.perf_counter() - self.started:.1f}s {extra}").rstrip()
        if self.live:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif int(frac * 10) > self._last_tenth:
            self._last_tenth = int(frac * 10)
            self.stream.write(line + "\n")
        self.stream.flush()


def add_train_parser(sub) -> None:
    p = sub.add_parser(
        "train", help="train a model on a built-in dataset or a CSV and save it to a folder",
        description="Train a model and save it as OUT/model.safetensors + OUT/config.json. Options left "
                    "out take the library's defaults (explorer/training/config.py says why each is what it is).")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--dataset", metavar="NAME", help=f"a built-in dataset; {_choices(DATASETS, 'smiley')}")
    src.add_argument("--csv", metavar="FILE", help="a CSV of x,y points to train on instead")
    p.add_argument("--points", type=int, default=2000, help="how many points of a built-in dataset (default 2000)")
    d = _DEFAULTS
    p.add_argument("--objective", help=f"what the network predicts; {_choices(OBJECTIVES, d.objective)}")
    p.add_argument("--schedule", help=f"the noise path; {_choices(SCHEDULES, d.schedule)}")
    p.add_argument("--steps", type=int, help=f"training steps (default {d.steps})")
    p.add_argument("--lr", type=float, help=f"Adam's learning rate (default {d.lr:g})")
    p.add_argument("--width", type=int, help=f"hidden units per layer (default {d.width})")
    p.add_argument("--depth", type=int, help=f"hidden layers (default {d.depth})")
    p.add_argument("--batch-size", type=int, help=f"points per step (default {d.batch_size})")
    p.add_argument("--seed", type=int, help=f"seed of the weights and of the training noise (default {d.seed})")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to save the model in (created)")
    p.set_defaults(func=cmd_train)


def add_sample_parser(sub) -> None:
    p = sub.add_parser(
        "sample", help="sample a saved model; write the run as a GIF, a video, an interactive page and/or a CSV",
        description="Sample a model saved by `train` (or a pretrained one, by dataset name). With none of "
                    "--gif, --video, --html and --csv the samples are printed to stdout as x,y CSV.")
    p.add_argument("model", metavar="DIR", help="a folder written by `train`, or a pretrained model's name: "
                                                f"{', '.join(available())}")
    p.add_argument("--sampler", help="how to walk from noise to data (default: the model's own, heun, or jump for a "
                                     f"flow map); {_choices(SAMPLERS)}")
    p.add_argument("--steps", type=int, help="sampler steps (default: the sampler's own, 50 for most)")
    p.add_argument("--grid", help=f"where the steps go (default: the sampler's own); {_choices(TIME_GRIDS)}")
    p.add_argument("--n", type=int, default=2000, help="number of samples (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the starting noise (default 0)")
    for knob in all_knobs().values():  # every registered sampler's knobs: --eta, --noise, ...
        owners = ", ".join(n for n in SAMPLERS if SAMPLERS[n].knob(knob.name) is not None)
        lo, hi = knob.bounds
        p.add_argument(f"--{knob.name.replace('_', '-')}", dest=f"knob_{knob.name}", type=float,
                       metavar=knob.name.upper(),
                       help=f"{knob.doc} ({owners}; {lo:g} to {hi:g}, default {knob.default:g})")
    p.add_argument("--gif", metavar="FILE", help="write an animation of the run, noise to data")
    p.add_argument("--video", metavar="FILE", help="write the GIF's frames as a video: FILE.mp4 (H.264) or "
                                                   "FILE.webm (VP9); --size and --fps apply")
    p.add_argument("--html", metavar="FILE", help="write the run as one interactive page (plot, time slider, play) "
                                                  "that opens offline, from file://")
    p.add_argument("--csv", metavar="FILE", help="write the samples as x,y CSV")
    p.add_argument("--trajectories", action="store_true",
                   help="with --csv: write every frame, as frame,t,sample,x,y")
    p.add_argument("--data", metavar="NAME|FILE",
                   help="a built-in dataset or CSV: drawn as a grey ghost in the GIF, the video and the page, and "
                        "the samples' energy distance to it is printed")
    p.add_argument("--size", type=int, default=480, help="GIF and video side in pixels (default 480, at most 1024)")
    p.add_argument("--fps", type=float, default=20, help="GIF and video frames per second (default 20)")
    p.set_defaults(func=cmd_sample)


def add_distil_parser(sub) -> None:
    p = sub.add_parser(
        "distil", help="distil a saved model into a flow map (one- and few-jump sampling) and save it",
        description="Train a flow-map model on a saved model's own ODE map (docs/flow_maps.md) and save it as "
                    "OUT/model.safetensors + OUT/config.json; `sample OUT --steps 1` then takes one jump.")
    p.add_argument("model", metavar="DIR", help="a folder written by `train` (velocity on rectified), or a "
                                                f"pretrained model's name: {', '.join(available())}")
    p.add_argument("--method", default="meanflow",
                   help=f"the flow-map objective; one of {', '.join(flow_map_methods())} (default meanflow)")
    p.add_argument("--steps", type=int, help="training steps (default: the distillation recipe's, "
                                             f"{FLOW_MAP_RECIPES['distilled']['steps']})")
    p.add_argument("--lr", type=float, help="Adam's learning rate (default: the teacher's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the student and its training noise (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to save the flow map in (created)")
    p.set_defaults(func=cmd_distil)


def cmd_distil(args: argparse.Namespace) -> int:
    use_thread_policy()
    teacher = _load_model(args.model)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise OSError(f"{str(out)!r} exists and is not a folder")
    if not isinstance(teacher, DiffusionModel):
        raise ExplorerError(f"{args.model!r} is not a trained model")
    given = {"steps": args.steps, "lr": args.lr}
    recipe = {k: v for k, v in FLOW_MAP_RECIPES["distilled"].items() if k != "objective"}  # docs/flow_maps.md#recipe
    recipe.update({k: v for k, v in given.items() if v is not None})
    config = replace(teacher.config, objective=args.method if args.method in OBJECTIVES else "meanflow",
                     seed=args.seed, snapshot_every=0, coupling="independent", **recipe)
    print(f"distilling {args.model} with {args.method}: {config.steps} steps", file=sys.stderr)
    bar = ProgressBar("distil")
    model = distil(teacher, method=args.method, config=config, seed=args.seed,
                   callback=lambda step, loss, _preview: bar.update(step, config.steps, f"loss {loss:.4f}"))
    folder = save(model, out)
    print(f"{model.log.message}; saved to {folder}/", file=sys.stderr)
    return 0


def _points_from(source: str, n: int = 2000):
    """A built-in dataset by name, or the points of a CSV file (an unknown name's error lists the names)."""
    if source not in datasets.names() and (Path(source).is_file() or source.lower().endswith(".csv")):
        return datasets.read_csv(source)
    return datasets.load(source, n=n, seed=0)


def cmd_train(args: argparse.Namespace) -> int:
    use_thread_policy()  # one thread per training run: faster on a shared 2-core machine (serve/runtime.py)
    source = args.csv if args.csv is not None else (args.dataset or "smiley")
    points = _points_from(source, args.points)
    given = {"objective": args.objective, "schedule": args.schedule, "steps": args.steps, "lr": args.lr,
             "width": args.width, "depth": args.depth, "batch_size": args.batch_size, "seed": args.seed}
    config = TrainConfig(**{k: v for k, v in given.items() if v is not None})
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise OSError(f"{str(out)!r} exists and is not a folder")
    print(f"training {config.objective} on the {config.schedule} path: {len(points)} points from {source}, "
          f"{config.steps} steps, {config.depth}x{config.width} network", file=sys.stderr)
    bar = ProgressBar("train")
    model = train(points, config, callback=lambda step, loss, _preview: bar.update(step, config.steps,
                                                                                   f"loss {loss:.4f}"))
    if model.log.diverged:
        print(f"warning: {model.log.message}", file=sys.stderr)
    folder = save(model, out)
    print(f"{model.log.message}; saved to {folder}/", file=sys.stderr)
    return 0


def _load_model(name: str):
    if not Path(name).exists() and name in available():
        return load_pretrained(name)
    return load(name)


def cmd_sample(args: argparse.Namespace) -> int:
    use_thread_policy()
    for path in (args.csv, args.gif):
        if path:
            check_writable(path)  # before sampling, not after
    if args.html:
        check_output(args.html, HTML_SUFFIXES, "an interactive page")
    if args.video:
        check_output(args.video, VIDEO_SUFFIXES, "a video")
        if args.size % 2:
            raise ExplorerError(f"a video's side must be an even number of pixels; got --size {args.size}")
    model = _load_model(args.model)
    data = _points_from(args.data) if args.data else None
    knobs = {k[len("knob_"):]: v for k, v in vars(args).items() if k.startswith("knob_") and v is not None}
    run = sample(model, n=args.n, sampler=args.sampler, steps=args.steps, seed=args.seed, grid=args.grid, **knobs)
    print(f"sampled {args.n} points with {run.settings.describe()}", file=sys.stderr)
    if data is not None:
        score = metrics.energy_distance(run.samples, data)
        print(f"energy distance to {args.data}: {score:.4f}", file=sys.stderr)
    if args.csv:
        run_to_csv(run, args.csv, trajectories=args.trajectories)
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.gif:
        bar = ProgressBar("gif")
        render_gif(run, args.gif, data=data, size=args.size, fps=args.fps, progress=bar.update)
        print(f"wrote {args.gif}", file=sys.stderr)
    if args.video:
        bar = ProgressBar("video")
        render_video(run, args.video, data=data, size=args.size, fps=args.fps, progress=bar.update)
        print(f"wrote {args.video}", file=sys.stderr)
    if args.html:
        out = render_html(run, args.html, data=data, title=f"Diffusion Explorer: {Path(args.model).name}")
        print(f"wrote {args.html} ({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    if not (args.csv or args.gif or args.video or args.html):
        sys.stdout.write(run_to_csv(run, trajectories=args.trajectories))
    return 0
