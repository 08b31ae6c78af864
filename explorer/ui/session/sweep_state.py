"""The "Steps vs quality" tab's logic: dx.sweep of the session's model (and of the exact denoiser) in the
background, each run judged by the library as the dashboard's quality line is. No Panel here.

Every sampler on every time grid at NFE = 1, 2, 4, ..., 128 (explorer/studies/sweeps.py), each run's samples
judged against the training points and a fresh draw of the built-in set (explorer/core/verdict.py): its ratio is
how far they are from the data in units of how far another draw would be (1 on average for a perfect model, give
or take the noise the verdict states). For a drawing there is no fresh draw: the training points are the reference.
"""
from __future__ import annotations

import weakref

import param

from explorer.core.denoisers import OracleDenoiser
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.core.verdict import Yardstick, describe
from explorer.studies.sweeps import NFE_LEVELS, SweepResult, estimate_seconds, sweep
from explorer.ui.jobs.background_job import BackgroundJob

# The sweep's time, as timed for a model: {model: {(id of the data, exact denoiser too, budgets): seconds}}.
_TIMED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
N_SAMPLES = 1000  # samples per run: the full sweep takes ~7 s on one core (bench/bench_sweep.py)
ORACLE_POINTS = 500  # the exact denoiser runs on this many training points (its cost grows with them)
ORACLE_MAX_NFE = 32  # ... and up to this budget: its evaluations cost ~10x the network's
KEEP = 300  # samples kept per run, for the hover preview
# The session's other models swept beside the shown one, on the same noise (flow_maps.Lineage): a distilled model's
# teacher with DPM-Solver++ (on its own grid), the latest flow map with its jumps, the latest reflowed model with
# Euler steps, at these few evaluations.
COMPANIONS = {"teacher": "dpmpp2m", "flow map": "jump", "reflowed": "euler"}
COMPANION_NFE = (1, 2, 4, 8)


class SweepState(BackgroundJob):
    include_oracle = param.Boolean(default=False, doc="Also sweep the exact denoiser of the training points.")
    levels = param.Parameter(default=NFE_LEVELS, doc="The NFE budgets of the sweep (a tuple of whole numbers).")
    result = param.Parameter(default=None, doc="{'network': SweepResult, 'oracle': SweepResult or None}")
    noise = param.Number(default=None, allow_None=True, doc="The ratio's noise for a perfect model (one sample "
                                                             "size, one reference: the same for every run).")
    message = param.String(default="Press Run sweep: every sampler on every time grid at 1 to 128 network "
                                   "evaluations.")

    what = "sweep"

    def __init__(self, **params):
        super().__init__(**params)
        self.message = self.intro()
        self.param.watch(self._on_oracle, "include_oracle")

    def _on_oracle(self, _event) -> None:
        if not self.running:  # the time it will take changes with the denoisers swept
            self.message = self.intro() if self.result is None else f"{self.describe()} {self.intro(again=True)}"

    def seconds(self) -> float | None:
        """How long a sweep of the shown model (and the exact denoiser, if ticked) takes here, timed now on a
        short run of each (studies/sweeps.py estimate_seconds); None without a model."""
        st = self.state
        if st.model is None or st.data is None:
            return None
        # Timed once per model, data and choice: a page says the same time each time (a rebuilt view too).
        timed = _TIMED.setdefault(st.model, {})
        key = (id(st.data), bool(self.include_oracle), tuple(self.levels))
        if key not in timed:
            fresh = st.reference()
            target = st.data if fresh is None else fresh
            total = estimate_seconds(st.model, target, nfe=self.levels, n=N_SAMPLES)
            if self.include_oracle:
                exact = OracleDenoiser(st.data[:ORACLE_POINTS], st.model.schedule)
                levels = [b for b in self.levels if b <= ORACLE_MAX_NFE]
                total += estimate_seconds(exact, target, nfe=levels, n=N_SAMPLES)
            timed[key] = total
        return timed[key]

    def intro(self, again: bool = False) -> str:
        """'Press Run sweep: ... (about 25 s).', the time for the denoisers that will be swept."""
        secs = self.seconds()
        about = "" if secs is None else f"about {secs:.0f} s" if secs < 10 else f"about {5 * round(secs / 5):.0f} s"
        oracle = ", and the exact denoiser at 1 to 32" if self.include_oracle else ""
        if again:
            return f"Another sweep{' with the exact denoiser' if oracle else ''} takes {about}." if about else ""
        return (f"Press Run sweep: every sampler on every time grid at 1 to 128 network evaluations{oracle}"
                + (f" ({about})." if about else "."))

    def start(self) -> bool:
        st = self.state
        if self.running:
            return False
        if st.model is None or st.data is None:
            st.error = "There is no model to sweep yet: load or train one first."
            return False
        model, data, oracle, levels = st.model, st.data, self.include_oracle, self.levels
        fresh = st.reference()  # a fresh draw of a built-in set, or None for a drawing
        target = data if fresh is None else fresh
        yardstick = Yardstick(data, fresh)  # the reference worked out once, for every run
        others = st.lineage.companions(model, data)  # {"flow map": model, "reflowed": model}

        def work(job):
            progress, stop = job.progress, job.stop_event
            parts = 1 + bool(oracle) + len(others)  # progress: the network's share, then the others'

            def report(part):
                return lambda done, total: progress(part * total + done, parts * total)

            out = {"network": sweep(model, target, nfe=levels, n=N_SAMPLES, keep=KEEP, progress=report(0),
                                    stop=stop, judge=yardstick.judge), "oracle": None}
            if oracle and not stop.is_set():
                exact = OracleDenoiser(data[:ORACLE_POINTS], model.schedule)
                out["oracle"] = sweep(exact, target, nfe=[b for b in levels if b <= ORACLE_MAX_NFE], n=N_SAMPLES,
                                      keep=KEEP, progress=report(1), stop=stop, judge=yardstick.judge)
            for part, (role, other) in enumerate(others.items(), start=1 + bool(oracle)):
                if not stop.is_set():  # the same noise (seed 0) as every run above
                    sampler = COMPANIONS[role]
                    out[role] = sweep(other, target, samplers=[sampler], grids=[SAMPLERS[sampler].default_grid],
                                      nfe=COMPANION_NFE, n=N_SAMPLES, keep=KEEP, progress=report(part), stop=stop,
                                      judge=yardstick.judge)
            return out

        return self._launch(work, "sweep", "Sweeping...", noise=yardstick.noise)

    def describe(self) -> str:
        res: SweepResult | None = (self.result or {}).get("network")
        if res is None or not res.points:
            return "The sweep was stopped before any run finished."
        lines = []
        for budget in (2, 8, 32):
            best = res.best(budget)
            if best is not None:
                said = describe(best.quality) if best.quality else f"energy distance {best.distance:.4f}."
                lines.append(f"≤ {budget} evaluations: **{SAMPLERS[best.sampler].short}**, "
                             f"{TIME_GRIDS[best.grid].label} ({best.nfe} NFE): {said}")  # as the legend spells it
        for role, sampler in COMPANIONS.items():
            other = (self.result or {}).get(role)
            if other is not None and other.points:
                reads = ", ".join(f"{p.score:.1f} at {p.nfe}" for p in sorted(other.points, key=lambda p: p.nfe))
                lines.append(f"the session's **{role}** model ({SAMPLERS[sampler].short}, same noise): {reads} NFE")
        stopped = " (stopped early)" if res.stopped else ""
        return f"Best{stopped}:\n\n" + "\n".join(f"- {line}" for line in lines)
