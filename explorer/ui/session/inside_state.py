"""The "Inside" tab's logic: who the denoiser listens to at a tapped (x, t), and how density flows along the
path through it. No Panel here.

* `tap(x, y)` at the tab's time `t`: the exact denoiser's posterior weights on the training points
  (OracleDenoiser.posterior, on at most MAX_ORACLE of them), its x̂0 beside the network's, the probability-flow
  path of the network through that point (traced back to t = 1, then log p carried down it:
  dx.density.log_density_along) with the effective number of points 1/sum w² along it, and the divergence
  there, exact beside Hutchinson's estimate with 1, 4 and 16 probes (each drawn REPEATS times, for its spread).
  At the tap too, the conditional velocities of the TOP_PAIRS heaviest training points (the paths from each
  p_i that pass through (x, t)) and their posterior-weighted mean over all points, the oracle's velocity.
* `curves`: over up to MAX_SAMPLES samples of the session's run, the mean effective number of points and the
  mean gap |x̂0_net - x̂0_oracle| against t: where the oracle commits to one point, and where the network does not.
* `flows`: the network's probability-flow paths from MAX_FLOWS of the run's starting points, cut into segments,
  each with the exact divergence div v (the mean of its two ends): where the flow gathers samples (div v > 0,
  log p rises as t falls) or spreads them (div v < 0).
"""
from __future__ import annotations

import numpy as np
import param

from explorer.core import density
from explorer.core.denoisers import OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.ui.session.state import ExplorerState

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

MAX_ORACLE = 2000  # training points the exact denoiser averages (a random subset of a larger set)
MAX_SAMPLES = 128  # samples of the run in the averaged curves
MAX_FRAMES = 25  # times of the run in the averaged curves
PATH_STEPS = 48  # Heun steps of the path through the tapped point, each way
PROBES = (1, 4, 16)  # Hutchinson's estimator with this many probes...
REPEATS = 64  # ...drawn this many times, for its spread
TOP_PAIRS = 30  # conditional velocities drawn at the tap: the heaviest training points
MAX_FLOWS = 64  # the run's paths coloured by divergence


def effective_number(w: np.ndarray) -> np.ndarray:
    """1 / sum_i w_i² per row: N for uniform weights, 1 when one point has them all."""
    return 1.0 / (np.asarray(w, np.float64) ** 2).sum(-1)


def _to_noise(model, x: np.ndarray, t: float, steps: int) -> np.ndarray:
    """Follow the network's probability-flow ODE from x at time t up to t = 1 (Heun), where the path starts."""
    times = np.linspace(t, 1.0, max(2, int(round(steps * (1 - t))) + 1))
    xt = torch.as_tensor(x, dtype=torch.float32)
    with torch.no_grad():
        for t0, t1 in zip(times[:-1], times[1:], strict=True):
            h = float(t1 - t0)
            v = model.velocity(xt, float(t0))
            xt = xt + 0.5 * h * (v + model.velocity(xt + h * v, float(t1)))
    return xt.double().numpy()


class InsideState(param.Parameterized):
    """`InsideState(state=s)`: the posterior, path and divergence at a tapped point; curves over `s.run`."""

    state = param.ClassSelector(class_=ExplorerState, constant=True, doc="The session's ExplorerState.")
    t = param.Number(default=0.5, bounds=(0.01, 1.0), doc="The time of the tap (0 = data, 1 = noise).")
    point = param.Array(default=None, doc="The tapped point (2,), or None before the first tap.")
    reading = param.Dict(default=None, doc="What the tap shows (see `tap`), or None.")
    curves = param.Dict(default=None, doc="times, n_eff and gap averaged over samples of the run, or None.")
    flows = param.Dict(default=None, doc="Segments x0, y0, x1, y1, t of the network's paths from the run's "
                                         "start, each with its divergence `div`; or None.")
    message = param.String(default="", doc="Why there is nothing to show (no model yet), or ''.")
    active = param.Boolean(default=True, doc="Whether the tab is on screen: while False a new run or model "
                                             "only marks the readings stale.")

    def __init__(self, **params):
        super().__init__(**params)
        self._oracle_key, self._oracle, self._stale = None, None, False
        self.state.param.watch(self._on_model, ["model", "data", "run"])
        self._on_model()

    # --- the exact denoiser ------------------------------------------------------------------------
    def oracle(self) -> OracleDenoiser | None:
        """The exact denoiser of (at most MAX_ORACLE of) the training points, on the model's schedule."""
        st = self.state
        if st.model is None or st.data is None or len(st.data) == 0:
            return None
        key = (id(st.data), st.model.schedule.name)
        if key != self._oracle_key:
            data = st.data
            if len(data) > MAX_ORACLE:
                data = data[np.sort(np.random.default_rng(0).choice(len(data), MAX_ORACLE, replace=False))]
            self._oracle, self._oracle_key = OracleDenoiser(data, st.model.schedule), key
        return self._oracle

    # --- what the user does ------------------------------------------------------------------------
    def tap(self, x: float, y: float) -> bool:
        """Read the denoiser at (x, y) and the tab's time t. False (and `message` says why) if it cannot."""
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

    def refresh(self) -> bool:
        oracle, model = self.oracle(), self.state.model
        if oracle is None or self.point is None:
            self.message = "There is no model yet: train one (or pick a dataset with a pretrained model)."
            self.reading = None
            return False
        try:
            self.reading = self._read(oracle, model, self.point, float(self.t))
        except ExplorerError as err:
            self.message, self.reading = str(err), None
            return False
        self.message = ""
        return True

    def _read(self, oracle, model, point: np.ndarray, t: float) -> dict:
        x = point[None]
        w = oracle.posterior(x, t)[0]
        with torch.no_grad():
            x0_net = model.denoise(torch.as_tensor(x, dtype=torch.float32), t)[0].double().numpy()[0]
        path = density.log_density_along(model, _to_noise(model, x, t, PATH_STEPS), steps=PATH_STEPS)
        n_eff = effective_number(oracle.posterior(path.points[:, 0], path.times))
        u = oracle.conditional_velocities(x, t)[0]  # (N, 2)
        top = np.argsort(w)[::-1][:TOP_PAIRS]
        exact = float(density.divergence(model, x, t)[0])
        many = np.repeat(x, REPEATS, axis=0)
        hutch = {k: density.divergence(model, many, t, probes=k, seed=k) for k in PROBES}
        return dict(t=t, point=point, weights=w, n_eff=float(effective_number(w)),
                    x0_oracle=w @ oracle.points.double().numpy(),
                    x0_net=x0_net, times=path.times, path=path.points[:, 0], log_p=path.log_p[:, 0],
                    path_n_eff=n_eff, divergence=exact, hutchinson=hutch,
                    pairs=top, pair_weights=w[top], pair_velocities=u[top], velocity=w @ u)

    # --- curves over the run -------------------------------------------------------------------------
    def _on_model(self, *_):
        if not self.active:
            self._stale = True
            return
        self._stale = False
        self.curves = self._curves()
        self.flows = self._flows()
        st = self.state
        if self.point is None and st.run is not None:  # a first reading, so the tab is never empty
            f = int(np.abs(st.run.times - self.t).argmin())
            self.point = np.asarray(st.run.points[f, 0], np.float64)
        if self.point is not None:
            self.refresh()

    @param.depends("active", watch=True)
    def _on_active(self):
        if self.active and self._stale:
            self._on_model()

    def _curves(self) -> dict | None:
        oracle, st = self.oracle(), self.state
        if oracle is None or st.run is None:
            return None
        run = st.run
        frames = np.unique(np.linspace(0, len(run.times) - 1, MAX_FRAMES).round().astype(int))
        frames = frames[run.times[frames] > 1e-3]  # sigma -> 0: the weights are a point mass, the gap undefined
        cols = np.arange(min(MAX_SAMPLES, run.points.shape[1]))
        n_eff, gap = [], []
        for f in frames:
            x, t = run.points[f, cols].astype(np.float64), float(run.times[f])
            w = oracle.posterior(x, t)
            with torch.no_grad():
                net = st.model.denoise(torch.as_tensor(x, dtype=torch.float32), t)[0].double().numpy()
            n_eff.append(effective_number(w).mean())
            gap.append(np.linalg.norm(net - w @ oracle.points.double().numpy(), axis=1).mean())
        return dict(times=run.times[frames].astype(np.float64), n_eff=np.array(n_eff), gap=np.array(gap),
                    n_points=len(oracle.points), n_samples=len(cols))

    def _flows(self) -> dict | None:
        st = self.state
        if st.model is None or st.run is None:
            return None
        run = st.run
        starts = run.points[0, :MAX_FLOWS].astype(np.float64)
        if run.times[0] < 1.0 - 1e-9:  # a run started part-way: trace its starts back to the noise first
            starts = _to_noise(st.model, starts, float(run.times[0]), PATH_STEPS)
        path = density.log_density_along(st.model, starts, steps=PATH_STEPS)
        p, d = path.points, path.divergence  # (F, n, 2), (F, n)
        seg_t = np.broadcast_to(path.times[:-1, None], d[:-1].shape)
        return dict(x0=p[:-1, :, 0].T.ravel(), y0=p[:-1, :, 1].T.ravel(), x1=p[1:, :, 0].T.ravel(),
                    y1=p[1:, :, 1].T.ravel(), t=seg_t.T.ravel(), div=(0.5 * (d[:-1] + d[1:])).T.ravel(),
                    n_paths=p.shape[1], n_segments=p.shape[0] - 1)
