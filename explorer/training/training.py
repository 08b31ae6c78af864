"""Training: regress the network on the objective's target at random (x0, eps, t).

    x0 ~ data,  eps ~ N(0, I),  t ~ U(T_MIN, 1),  x_t = alpha(t) x0 + sigma(t) eps,
    loss = | net(x_t, t) - target(objective, x0, eps, t) |²

One loop serves every objective and schedule; only `training_target` differs.
"""
from __future__ import annotations

import copy
import math
import threading
import time
from contextlib import closing
from dataclasses import replace
from typing import Callable

import numpy as np
import torch

from explorer.core.couplings import paired_batches
from explorer.core.errors import ExplorerError
from explorer.core.flow_losses import FlowBatch
from explorer.core.objectives import OBJECTIVES, training_target
from explorer.data.datasets import validate
from explorer.data.labels import check_labels
from explorer.serve.runtime import cpu_settings
from explorer.training.config import TrainConfig
from explorer.training.model import DiffusionModel

# Keep t away from 0, where sigma = 0 and the VP velocity target sigma' blows up.
T_MIN = 1e-3
# A loss above this (targets are O(1)) or a non-finite one means the run has diverged.
_DIVERGED_LOSS = 1e6
# How often the last good weights are copied, so a divergence loses at most this many steps.
_CHECKPOINT_EVERY = 50

Callback = Callable[..., object]


def train(
    points,
    config: TrainConfig | None = None,
    callback: Callback | None = None,
    stop: threading.Event | None = None,
    *,
    labels=None,
    class_names=None,
    source=None,
    pairs=None,
    preview_every: int = 100,
    preview_n: int = 500,
    teacher=None,
) -> DiffusionModel:
    """Train a model on `points` (n, 2).

    With `labels` (one whole number per point) the model is conditional: it learns every class and, with
    the labels dropped to "no class" a `config.label_dropout` share of the time, the unconditional model
    too (what classifier-free guidance needs). `class_names` name the classes (default "class 1" .. "class k").
    `source` (m, 2): any distribution to start from instead of Gaussian noise (flow matching transports it
    to the data; the model samples from it). `pairs` (n, 2): the noise of each point, fixed (reflow).

    `callback(step, loss, preview)` is called every 10 steps and at the end; `preview` is None or,
    every `preview_every` steps, an (preview_n, 2) array of samples from the current model.
    `stop` (a threading.Event) ends training early; the model trained so far is returned.
    `teacher` (a Denoiser on the rectified path; with a flow-map objective only) replaces the conditional velocity
    eps - x0 by the teacher's own v(x_t, t): distillation of its ODE map (dx.distil; docs/flow_maps.md).
    A diverging run stops, keeps the last finite weights and says so in `model.log.message`.
    """
    data = torch.from_numpy(validate(points))
    config = (config or TrainConfig()).validate()
    lab = None
    if labels is not None:
        lab = torch.from_numpy(check_labels(labels, len(data)))
        if not config.classes:
            config = replace(config, classes=int(lab.max()) + 1).validate()
        check_labels(labels, len(data), config.classes)
    elif config.classes:
        raise ExplorerError(f"the configuration has {config.classes} classes but no labels were given")
    src, paired = _check_source(config, data, source, pairs)
    if teacher is not None and not OBJECTIVES[config.objective].flow_map:
        raise ExplorerError(f"a teacher is distilled into a flow map: objective {config.objective!r} is not one "
                            f"(choose one of {', '.join(o for o in OBJECTIVES if OBJECTIVES[o].flow_map)})")
    with cpu_settings():
        model = _train(data, lab, config, callback, stop, preview_every, preview_n, src, paired, teacher)
    if class_names is not None:
        names = [str(c) for c in class_names]
        if len(names) != config.classes:
            raise ExplorerError(f"class_names must name the {config.classes} classes, got {len(names)} names")
        model.class_names = names
    return model


def _check_source(config, data, source, pairs):
    """(source, pairs) as float32 tensors, or ExplorerError: only flow matching on the straight path can start
    anywhere; epsilon, x0, v and the VP schedules are defined by Gaussian noise."""
    if source is None and pairs is None:
        return None, None
    if (config.objective, config.schedule) != ("velocity", "rectified"):
        raise ExplorerError("another source than Gaussian noise (or fixed pairs) needs flow matching: objective "
                            f"'velocity' on the 'rectified' schedule; {config.objective!r} on {config.schedule!r} "
                            "is defined by Gaussian noise")
    src = None if source is None else torch.from_numpy(validate(source))
    paired = None if pairs is None else torch.from_numpy(validate(pairs))
    if paired is not None and paired.shape != data.shape:
        raise ExplorerError(f"pairs must hold one noise point per data point, shape {tuple(data.shape)}, "
                            f"got {tuple(paired.shape)}")
    return src, paired


def _train(data, labels, config, callback, stop, preview_every, preview_n, source=None, pairs=None,
           teacher=None) -> DiffusionModel:
    gen = torch.Generator().manual_seed(config.seed)
    box = (float(data[:, 0].min()), float(data[:, 0].max()), float(data[:, 1].min()), float(data[:, 1].max()))
    with torch.random.fork_rng():  # seeded initial weights without touching the caller's global RNG
        torch.manual_seed(config.seed)
        model = DiffusionModel(config, data_box=box)
    model.source = None if source is None else source.numpy()
    net, sched, log = model.net, model.schedule, model.log
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    good_state = copy.deepcopy(net.state_dict())
    started = time.perf_counter()
    n, bs = data.shape[0], config.batch_size
    recent: list[float] = []
    flow_loss = OBJECTIVES[config.objective].loss  # a flow map's own loss (core/flow_losses.py), or None
    teacher_v = None if teacher is None else teacher.velocity

    def draw():
        rows = torch.randint(0, n, (bs,), generator=gen)
        if pairs is not None:  # reflow: each point keeps its own noise
            eps = pairs[rows]
        elif source is not None:  # any source: its points stand in for the noise
            eps = source[torch.randint(0, len(source), (bs,), generator=gen)]
        else:
            eps = torch.randn(bs, 2, generator=gen)
        return rows, data[rows], eps

    # "ot": each batch paired one batch ahead, in a worker thread that closing() ends
    with closing(paired_batches(draw, config.coupling == "ot")) as batches:
        for step in range(1, config.steps + 1):
            if stop is not None and stop.is_set():
                log.stopped = True
                log.message = f"stopped after {log.steps_done} of {config.steps} steps"
                break
            for group in opt.param_groups:
                group["lr"] = _lr_at(config, step)
            rows, x0, eps = next(batches)
            if flow_loss is not None:
                batch = FlowBatch(x0, eps, gen, (step - 1) / config.steps, teacher_v)
                loss = flow_loss(net, batch)
            else:
                loss = _regression_loss(net, sched, config, x0, eps, labels, rows, gen, bs)
            value = float(loss.detach())
            if not math.isfinite(value) or value > _DIVERGED_LOSS:
                net.load_state_dict(good_state)
                log.diverged = True
                log.message = (
                    f"training diverged at step {step} (loss {value:.3g}) with learning rate {config.lr:g}; "
                    f"kept the weights from step {log.steps_done - log.steps_done % _CHECKPOINT_EVERY}. "
                    "Try a smaller learning rate (1e-3 to 1e-2)."
                )
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            log.losses.append(value)
            log.steps_done = step
            recent.append(value)
            if step % _CHECKPOINT_EVERY == 0 and _finite(net):
                good_state = copy.deepcopy(net.state_dict())
            if config.snapshot_every and step % config.snapshot_every == 0 and step < config.steps and _finite(net):
                model.snapshots[step] = copy.deepcopy(net.state_dict())
            if callback is not None and (step % 10 == 0 or step == config.steps):
                preview = None
                if preview_every and (step % preview_every == 0 or step == config.steps):
                    preview = _preview(model, preview_n, config.seed)
                callback(step, float(np.mean(recent)), preview)
                recent.clear()
    log.seconds = time.perf_counter() - started
    if not log.message:
        log.message = f"trained {log.steps_done} steps in {log.seconds:.1f} s"
    if not _finite(net):  # a NaN weight slipped in after the last checkpoint
        net.load_state_dict(good_state)
    return model


def _regression_loss(net, sched, config, x0, eps, labels, rows, gen, bs) -> torch.Tensor:
    """The ordinary objectives' loss: |net(x_t, t) - target|² at t ~ U(T_MIN, 1)."""
    t = T_MIN + (1 - T_MIN) * torch.rand(bs, 1, generator=gen)
    x_t = sched.alpha(t) * x0 + sched.sigma(t) * eps
    label = None
    if labels is not None:  # some labels become "no class" (index `classes`): the unconditional model
        drop = torch.rand(bs, generator=gen) < config.label_dropout
        label = torch.where(drop, config.classes, labels[rows])
    return ((net(x_t, t, label) - training_target(config.objective, x0, eps, t, sched)) ** 2).mean()


def _lr_at(config: TrainConfig, step: int) -> float:
    if config.lr_decay == "cosine":
        return config.lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / config.steps))
    return config.lr


def _finite(net: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in net.parameters())


def _preview(model: DiffusionModel, n: int, seed: int) -> np.ndarray:
    """A quick look at what the model makes now: 20 Euler steps of the probability-flow ODE."""
    from explorer.core.samplers import sample

    return sample(model, n=n, sampler="euler", steps=20, seed=seed).points[-1]

