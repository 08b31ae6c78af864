"""The "Flow map" tab's logic: a flow-map model's jumps from a tapped point against the ODE's curved path, and its
map error over many points, in the background. No Panel here (docs/flow_maps.md).

* `JumpsState.tap(x, y)` at the tab's time t: the jumps X(x, t -> r) for r = t·RS (one batched call of the model),
  drawn over the probability-flow ODE from the same point (Heun, PATH_STEPS steps from t to 0, on a grid through
  every r): the ODE of the model's teacher if it was distilled in this session, else the model's own velocity
  u(x, t, t). Each jump's gap to the ODE at the same r is the map's error there.
* `MapErrorState.start()`: dx.map_error of the model's one jump from N_POINTS noise points at t = 1 against a
  reference map, finely integrated: the teacher's ODE, the model's own ODE, or the exact denoiser of (at most
  ORACLE_POINTS of) the training points; in chunks, so it reports progress and stops between them.
"""
from __future__ import annotations

import numpy as np
import param
import torch

from explorer.core.denoisers import OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.flow_maps import map_error
from explorer.core.objectives import OBJECTIVES
from explorer.core.samplers import sample
from explorer.ui.jobs.background_job import BackgroundJob
from explorer.ui.session.state import ExplorerState

RS = (0.0, 0.25, 0.5, 0.75)  # the jumps' targets, as fractions of the tapped t
PATH_STEPS = 64  # Heun steps of the ODE from the tap down to the data
N_POINTS = 600  # noise points the map error is measured on (EXACT_POINTS against the exact denoiser)
CHUNK = 100  # ... this many at a time (progress, stop)
# The exact denoiser's map is integrated in float64 with 1000 Heun steps (core/flow_maps.py), each one costing
# points x training points: 300 of each take ~5 s on one core, 600 x 500 took 49 s on a busy one.
EXACT_POINTS = ORACLE_POINTS = 300
REFERENCES = {"teacher": "the teacher's ODE", "own": "its own ODE (u(x, t, t))",
              "exact": "the exact denoiser's ODE"}
NOT_A_FLOW_MAP = ("The shown model learned a velocity, not a flow map: it has no jumps to show. Choose objective "
                  "MeanFlow, shortcut or consistency and press Train, or press Distil beside Reflow.")


def reference_of(state: ExplorerState, which: str):
    """The Denoiser whose ODE map the shown model is held against: `which` is a key of REFERENCES."""
    model = state.model
    if which == "teacher":
        teacher = state.teacher()
        if teacher is None:
            raise ExplorerError("The shown model was not distilled in this session: it has no teacher. Hold it "
                                "against its own ODE or the exact denoiser's.")
        return teacher
    if which == "own":
        return model
    if state.data is None:
        raise ExplorerError("There are no training points for the exact denoiser.")
    return OracleDenoiser(state.data[:ORACLE_POINTS], model.schedule)


def default_reference(state: ExplorerState) -> str:
    return "teacher" if state.teacher() is not None else "own"


class JumpsState(param.Parameterized):
    """`JumpsState(state=s)`: the jumps of `s.model` from a tapped point, over its reference ODE."""

    state = param.ClassSelector(class_=ExplorerState, constant=True, doc="The session's ExplorerState.")
    t = param.Number(default=1.0, bounds=(0.05, 1.0), doc="The time of the tap (1 = noise).")
    point = param.Array(default=None, doc="The tapped point (2,), or None before the first tap.")
    reading = param.Dict(default=None, doc="What the tap shows (see `tap`), or None.")
    message = param.String(default="", doc="Why there is nothing to show, or ''.")

    def __init__(self, **params):
        super().__init__(**params)
        self.state.param.watch(self._on_model, ["model"])
        self._on_model()

    def tap(self, x: float, y: float) -> bool:
        point = np.array([x, y], dtype=np.float64)
        if not np.isfinite(point).all():
            self.state.error = f"a tap must be at a finite point, got ({x!r}, {y!r})"
            return False
        self.point = point
        return self.refresh()

    @param.depends("t", watch=True)
    def _on_t(self):
        if self.point is not None:
            self.refresh()

    def _on_model(self, *_):
        run = self.state.run
        if self.point is None and run is not None:  # a first reading, so the tab is never empty: the start of
            starts = run.points[0, :64].astype(np.float64)  # a long path (far out, yet on the plot)
            norms = np.linalg.norm(starts, axis=1)
            self.point = starts[int(np.argmax(np.where(norms < 2.5, norms, 0.0)))]
        self.refresh()

    def refresh(self) -> bool:
        model = self.state.model
        if model is None or not getattr(model, "flow_map", False) or self.point is None:
            self.message = NOT_A_FLOW_MAP if model is not None else "There is no model yet."
            self.reading = None
            return False
        try:
            self.reading = self._read(model, self.point, float(self.t))
        except ExplorerError as err:
            self.message, self.reading = str(err), None
            return False
        self.message = ""
        return True

    def _read(self, model, point: np.ndarray, t: float) -> dict:
        which = default_reference(self.state)
        ref = reference_of(self.state, which)
        anywhere = OBJECTIVES[model.objective].reaches == "any"  # a consistency model: the jump to the data only
        rs = np.array([t * f for f in (RS if anywhere else RS[:1])])
        x = torch.as_tensor(np.repeat(point[None], len(rs), axis=0), dtype=torch.float32)
        with torch.no_grad():
            jumps, _ = model.jump(x, t, torch.as_tensor(rs, dtype=torch.float32))
        grid = np.unique(np.concatenate([np.linspace(t, 0.0, PATH_STEPS + 1), rs]))[::-1]
        path = sample(ref, x_init=point[None], t_start=t, sampler="heun", times=grid)
        on_path = np.array([path.points[int(np.argmin(np.abs(path.times - r))), 0] for r in rs], np.float64)
        jumps = jumps.double().numpy()
        return dict(t=t, point=point, rs=rs, jumps=jumps, ode=on_path, path=path.points[:, 0].astype(np.float64),
                    times=path.times, errors=np.linalg.norm(jumps - on_path, axis=1), reference=which)


class MapErrorState(BackgroundJob):
    """`MapErrorState(state=s)`: the shown flow map's one jump from noise against a reference's fine ODE map."""

    reference = param.Selector(default="own", objects=list(REFERENCES), doc="The map the jump is held against.")
    message = param.String(default="Press Measure: one jump from noise against a finely integrated ODE map, point "
                                   "by point.")
    what = "map error"

    def start(self) -> bool:
        st = self.state
        if self.running:
            return False
        if st.model is None or not getattr(st.model, "flow_map", False):
            st.error = NOT_A_FLOW_MAP
            return False
        try:
            ref = reference_of(st, self.reference)
        except ExplorerError as err:
            st.error = str(err)
            return False
        model, which = st.model, self.reference
        spread = float(np.sqrt(np.trace(np.cov(st.data.T)))) if st.data is not None else 1.0

        n = EXACT_POINTS if which == "exact" else N_POINTS

        def work(job):
            noise = torch.randn(n, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64).numpy()
            errors = []
            for k in range(0, n, CHUNK):
                if job.stopped:
                    return None
                errors.append(map_error(model, ref, x=noise[k: k + CHUNK]))
                job.progress(k + CHUNK, n)
            with torch.no_grad():
                _, ends = model.jump(torch.as_tensor(noise, dtype=torch.float32), 1.0, 0.0)
            return dict(noise=noise, ends=ends.double().numpy(), errors=np.concatenate(errors), reference=which,
                        spread=spread)

        return self._launch(work, "map_error", f"Measuring the map error against {REFERENCES[which]}...")

    def _on_done(self, news) -> None:
        if news.result is None and not news.error:  # stopped: the previous result stays
            self._job, self.running = None, False
            self.message = "Stopped; " + (self.describe() if self.result is not None else "nothing measured.")
            return
        super()._on_done(news)

    def describe(self) -> str:
        r = self.result
        if r is None:
            return ""
        e, spread = r["errors"], r["spread"]
        med, p90, worst = np.median(e), np.percentile(e, 90), e.max()
        return (f"One jump from {len(e)} noise points against {REFERENCES[r['reference']]}: median error "
                f"**{med:.3f}** ({100 * med / spread:.0f} % of the data's spread {spread:.2f}), 90th percentile "
                f"{p90:.3f}, worst {worst:.3f}. Each end point is coloured by its error.")
