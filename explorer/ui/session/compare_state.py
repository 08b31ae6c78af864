"""CompareState: two configurations (arms A and B) trained on the same data, for the "A/B compare" tab. No Panel.

Both arms share the session's training points, network (width, depth, Fourier features), learning rate, batch
size, seed and training budget; each has its own objective, schedule, sampler and sampler steps. Both samplers
start from the same noise (one sample seed), so frame 0 is identical and every difference is the arms' doing.

Training runs both arms in turns of 10 steps: two worker threads pass a baton at every `train` callback, so
only one ever computes (one core, as with a single training thread) and both loss curves grow together.
Each arm keeps its own seeded generator, so the turns change nothing: the same config twice gives the same
model bit for bit. The arms are two jobs of the session's JobRunner (`state.jobs`, runner.py), whose poller
hands their news to the arms on the session's thread; no Bokeh here (docs/performance.md#threads-and-the-poller).
"""
from __future__ import annotations

import threading
import time

import param

from explorer.core.errors import ExplorerError
from explorer.core.samplers import SamplingSettings, sample
from explorer.core.verdict import describe
from explorer.training.config import TrainConfig
from explorer.ui.jobs.runner import Job
from explorer.ui.jobs.training_job import TrainingNews, TrainingWork
from explorer.ui.jobs.training_slots import Ticket
from explorer.ui.session.choices import bind_choices, fix_pair, knob_names, settings_of
from explorer.ui.session.part import adopt
from explorer.ui.session.sampling import Sampling
from explorer.ui.session.setup import Setup
from explorer.ui.session.state import DRAWN, MAX_TRAIN_STEPS, ExplorerState

DEFAULT_BUDGET = 800  # training steps per arm: both arms in ~3-6 s on one busy core
N_SAMPLES = 1000  # samples per arm (the same noise for both)
SAMPLE_SEED = 1
TIE = 0.1  # ratios within 10 % of each other ...
TIE_NOISE = 2.0  # ... or within 2 noise standard deviations of a perfect model's: no winner at this sample size
SAMPLING = Sampling.ARM  # with the sampler knobs (choices.py): a change re-samples
HINT = "Press Train both: each arm trains on the same points, then samples from the same noise."


class Arm(param.Parameterized):
    """One configuration: what to train (the Setup part's ARM settings: objective, schedule), how to sample (the
    Sampling part's: sampler, grid, steps, and the sampler knobs), and what came out."""

    label = param.String(default="A", constant=True)

    model = param.Parameter(default=None, doc="The trained DiffusionModel, or None.")
    trained_as = param.Tuple(default=None, allow_None=True, length=2, doc="(objective, schedule) of `model`.")
    run = param.Parameter(default=None, doc="The SampleRun of `model` with this arm's sampler.")
    losses = param.List(default=[], doc="[(step, loss)] of the current/last training run.")
    preview = param.Array(default=None, doc="Samples of the model being trained (every ~100 steps).")
    steps_done = param.Integer(default=0, doc="Training steps reached.")
    seconds = param.Number(default=0.0, doc="Wall time of the last training run (both arms' turns).")
    quality = param.Dict(default={}, doc="metrics.quality of the samples (the session's score): the verdict, "
                                         "its ratio and noise, and the energy distances.")

    def settings(self) -> SamplingSettings:
        return settings_of(self)

    @property
    def stale(self) -> bool:
        """The model was trained for another objective or schedule than the arm now says."""
        return self.model is not None and self.trained_as != (self.objective, self.schedule)

    def clear(self) -> None:
        self.param.update(model=None, trained_as=None, run=None, losses=[], preview=None, steps_done=0,
                          seconds=0.0, quality={})


class _Baton:
    """Turns between the arms' threads: whoever holds the turn trains; the other waits."""

    def __init__(self, labels):
        self._cond = threading.Condition()
        self._active = list(labels)
        self._turn = labels[0]
        self._halted = False

    def wait(self, me: str) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._turn == me or self._halted)

    def pass_on(self, me: str) -> None:
        with self._cond:
            others = [a for a in self._active if a != me]
            if others:
                self._turn = others[0]
                self._cond.notify_all()
                self._cond.wait_for(lambda: self._turn == me or self._halted)

    def finish(self, me: str) -> None:
        with self._cond:
            if me in self._active:
                self._active.remove(me)
            self._turn = self._active[0] if self._active else None
            self._cond.notify_all()

    def halt(self) -> None:
        with self._cond:
            self._halted = True
            self._cond.notify_all()


class _TurnWork(TrainingWork):
    """TrainingWork that trains only while it holds the baton and hands it on every 10 steps."""

    def __init__(self, points, config, baton: _Baton, label: str, ticket: Ticket):
        super().__init__(points, config, ticket=ticket)  # one ticket for both arms: one training slot
        self.baton, self.label = baton, label

    def __call__(self, job: Job):
        try:
            self.baton.wait(self.label)
            return super().__call__(job)
        finally:
            self.baton.finish(self.label)

    def on_progress(self, job: Job, step, loss, preview) -> None:
        super().on_progress(job, step, loss, preview)
        self.baton.pass_on(self.label)


class CompareState(param.Parameterized):
    """`CompareState(state=s)`: arms `a` and `b` trained on `s.data`; errors go to `s.error`."""

    state = param.ClassSelector(class_=ExplorerState, constant=True)
    a = param.ClassSelector(class_=Arm, constant=True)
    b = param.ClassSelector(class_=Arm, constant=True)
    train_steps = param.Integer(default=min(DEFAULT_BUDGET, MAX_TRAIN_STEPS),
                                bounds=(min(10, MAX_TRAIN_STEPS), MAX_TRAIN_STEPS),
                                doc="Training steps for each arm (the rest of the network settings: the sidebar's).")
    training = param.Boolean(default=False, doc="Whether the arms are training.")
    progress = param.Number(default=0.0, bounds=(0.0, 100.0), doc="Training progress of both arms in %.")
    message = param.String(default="", doc="One line about the comparison (what happened, or what to do).")

    def __init__(self, **params):
        params.setdefault("a", Arm(label="A"))
        params.setdefault("b", Arm(label="B", objective="eps", schedule="cosine", sampler="ddpm", sample_steps=50))
        if "train_steps" not in params and "state" in params:
            params["train_steps"] = min(DEFAULT_BUDGET, params["state"].train_steps)
        super().__init__(**params)
        self._jobs: dict[str, Job] = {}
        self._baton: _Baton | None = None
        self._started, self._took, self._budget = 0.0, None, self.train_steps
        self.message = HINT
        for arm in self.arms:
            arm.param.watch(lambda *_, arm=arm: self._resample(arm), [*SAMPLING, *knob_names()])
            arm.param.watch(lambda *events, arm=arm: self._check(arm, events), ["objective", "schedule"])
        self.state.param.watch(self._on_data, "data")

    @property
    def arms(self) -> tuple[Arm, Arm]:
        return self.a, self.b

    # --- training -------------------------------------------------------------------------------
    def config(self, arm: Arm) -> TrainConfig:
        return self.state.train_config(objective=arm.objective, schedule=arm.schedule, steps=self.train_steps)

    def train_both(self) -> bool:
        """Start training both arms (False, and `state.error`, if that cannot be done)."""
        if self.training:
            self.message = "Already training: press Stop first."
            return False
        data = self.state.data
        if data is None or (self.state.dataset == DRAWN and self.state.drawn is None):
            self.state.error = "There is no training data yet: draw a shape or pick a dataset first."
            return False
        configs = {}
        for arm in self.arms:
            try:
                configs[arm.label] = self.config(arm)
            except ExplorerError as err:
                self.state.error = f"{arm.label}: {err}"
                return False
        self._baton = _Baton([arm.label for arm in self.arms])
        for arm in self.arms:
            arm.clear()  # the old results belong to the old settings
        ticket, baton, self._jobs = Ticket(), self._baton, {}
        self._started, self._took, self._budget = time.perf_counter(), None, self.train_steps
        for arm in self.arms:
            work = _TurnWork(data, configs[arm.label], baton, arm.label, ticket)
            self._jobs[arm.label] = self.state.jobs.start(
                f"compare-{arm.label}", work, on_stop=baton.halt,
                on_progress=lambda news, arm=arm, work=work: self._on_news(arm, work, news),
                on_done=lambda news, arm=arm, work=work: self._on_done(arm, work, news))
        self._training_message = f"Training both arms, {self.train_steps} steps each, in turns..."
        self.param.update(training=True, progress=0.0, message=self._training_message)
        return True

    def stop(self) -> None:
        for job in self._jobs.values():
            job.stop()
        if self._baton is not None:
            self._baton.halt()

    def wait(self, timeout: float | None = None) -> None:  # join the training threads
        for job in list(self._jobs.values()):
            job.join(timeout)

    def shutdown(self) -> None:  # the session closed
        self.stop()
        self.wait(timeout=2.0)

    def poll(self) -> bool:
        """Move the session's jobs' news into the state (the session's thread). True if anything changed."""
        return self.state.jobs.poll()

    def _on_news(self, arm: Arm, work: _TurnWork, job_news) -> None:
        news = TrainingNews.of(job_news, work.ticket)
        if not news.done:
            self.message = news.waiting_line(work.ticket.slots.size) or self._training_message
        if news.losses:
            arm.param.update(losses=arm.losses + news.losses, steps_done=news.step)
        if news.preview is not None:
            arm.preview = news.preview
        done = sum(a.steps_done for a in self.arms)
        self.progress = min(100.0, 100.0 * done / (2 * self.train_steps))

    def _on_done(self, arm: Arm, work: _TurnWork, job_news) -> None:
        del self._jobs[arm.label]
        self._finish(arm, TrainingNews.of(job_news, work.ticket))
        if not self._jobs:
            self._took = max(a.seconds for a in self.arms)
            self.param.update(training=False, progress=100.0, message=self.verdict())

    def _finish(self, arm: Arm, news: TrainingNews) -> None:
        arm.seconds = time.perf_counter() - self._started
        model, _status, error = news.outcome(previous=arm.model is not None)
        if error:
            self.state.error = f"{arm.label}: {error}"
        if model is None:
            return
        arm.param.update(model=model, trained_as=(model.objective, model.schedule.name), preview=None)
        self._resample(arm)

    # --- sampling and scoring --------------------------------------------------------------------
    def _resample(self, arm: Arm) -> None:
        """Sample the arm's model with its sampler settings: no retraining."""
        if arm.model is None:
            return
        try:
            run = sample(arm.model, n=N_SAMPLES, seed=SAMPLE_SEED, settings=arm.settings())
        except ExplorerError as err:
            self.state.error = f"{arm.label}: {err}"
            return
        arm.param.update(run=run, quality=self.state.score(run.samples))
        if not self.training:
            self.message = self.verdict()

    @staticmethod
    def score(arm: Arm) -> tuple[float, float] | None:
        """(ratio, noise) of the arm's samples, the library's verdict numbers (explorer/core/verdict.py: 1 is as
        far from the data as another draw of it), or None before any samples (or too few to judge)."""
        q = arm.quality
        if not q or q.get("verdict") is None:
            return None
        return q["ratio"], q["noise"]

    def verdict(self) -> str:
        """'A: generalises: indistinguishable from the data (...) · B: not learned: far from the data, 12× as far
        (...) → A is closer': each arm's verdict in the dashboard's words (describe), then the winner by ratio, a
        tie within TIE_NOISE noise (or TIE of each other). Or what is missing."""
        if not any(arm.quality for arm in self.arms):
            return HINT
        parts = [f"{arm.label}: {describe(arm.quality).rstrip('.')}" if arm.quality else f"{arm.label}: not trained"
                 for arm in self.arms]
        line = " · ".join(parts)
        scores = {arm.label: self.score(arm) for arm in self.arms}
        if all(scores.values()):
            (ra, na), (rb, nb) = scores["A"], scores["B"]
            if abs(ra - rb) <= max(TIE_NOISE * max(na, nb), TIE * max(ra, rb)):
                line += " → a tie at this sample size"
            else:
                line += f" → {'A' if ra < rb else 'B'} is closer"
        if self._took is not None:
            budget = self._budget
            stopped = [f"{arm.label} at step {arm.steps_done}" for arm in self.arms if arm.steps_done < budget]
            line += (f" (stopped early: {', '.join(stopped)} of {budget}; {self._took:.1f} s)" if stopped
                     else f" (both trained in {self._took:.1f} s)")
        stale = [arm.label for arm in self.arms if arm.stale]
        if stale:
            line += f" ({' and '.join(stale)} changed objective/schedule: press Train both)"
        return line

    # --- checks and data --------------------------------------------------------------------------
    def _check(self, arm: Arm, events) -> None:
        changed = "objective" if any(e.name == "objective" for e in events) else "schedule"
        note = fix_pair(arm, changed)  # never show a pair that cannot train: the other choice follows
        if note:
            self.message = f"{arm.label}: {note}"
            return
        if not self.training:
            self.message = self.verdict()

    def _on_data(self, *_):
        """New training points: the arms' models belong to the old ones (what their jobs still find too)."""
        for job in self._jobs.values():
            self.state.jobs.cancel(job)
        self.stop()
        self.wait(timeout=2.0)
        self._jobs, self._took = {}, None
        for arm in self.arms:
            arm.clear()
        self.param.update(training=False, progress=0.0, message=self.verdict())


adopt(Arm, Setup)
adopt(Arm, Sampling, sample_steps=10)
bind_choices(Arm)
