"""The "Paths not taken" tab's logic: a trunk trajectory and the branches that leave it. No Panel here.

The trunk is one trajectory of the session's current run (sample 0 at first, or the sample the user
taps), or a branch the user promoted. At each branch time the branches copy the trunk up to that
frame and then continue with fresh noise (explorer.studies.branching.branch), on the run's own time grid
and with the session's sampler and denoiser (the network, or the exact oracle). Deterministic
samplers cannot branch: then `message` says so and `use_ddim_eta1()` / `use_sde()` switch the session
to a sampler that can.
"""
from __future__ import annotations

import numpy as np
import param

from explorer.core.errors import ExplorerError
from explorer.studies.branching import BranchRun, branch
from explorer.ui.session.state import ExplorerState

MAX_TIMES = 8  # branch times on screen: more colours than this are hard to tell apart
MAX_BRANCHES = 32
PICK_RADIUS = 0.15  # a tap this close (data units; the view spans 8) to a point picks it


def evenly(n: int) -> list[float]:
    """`n` branch times spread evenly over the run, as fractions from the noise end: 4 -> 0.2 ... 0.8."""
    return [round(k / (n + 1), 6) for k in range(1, n + 1)]


class BranchState(param.Parameterized):
    """`BranchState(state=s)`: branches of one trajectory of `s.run`, regrown whenever the run changes."""

    state = param.ClassSelector(class_=ExplorerState, constant=True, doc="The session's ExplorerState.")
    at = param.List(default=evenly(4), item_type=float,
                    doc="Branch times as fractions of the run: 0 is the noise end (t = 1), 1 the data end.")
    n_branches = param.Integer(default=8, bounds=(1, MAX_BRANCHES), doc="Branches grown at each branch time.")
    seed = param.Integer(default=0, bounds=(0, 2**31 - 1), doc="Seed of the branches' fresh noise.")
    trunk_index = param.Integer(default=0, allow_None=True,
                                doc="Which sample of the run the trunk is; None once a branch was promoted.")
    trunk = param.Array(default=None, doc="The trunk trajectory (frames, 2), from noise to data.")
    result = param.ClassSelector(class_=BranchRun, default=None, doc="The branches of the trunk (or None).")
    message = param.String(default="", doc="Why there are no branches (a deterministic sampler), or ''.")
    active = param.Boolean(default=True, doc="Whether the branches are on screen. While False, a new run only "
                                              "marks them stale; they regrow when it turns True (a 500-step run "
                                              "takes ~0.6 s to branch).")

    def __init__(self, **params):
        super().__init__(**params)
        self._sample_index = self.trunk_index or 0  # the run's sample to follow when the run changes
        self._stale = False
        self.state.param.watch(self._on_run, ["run"])
        self._on_run()

    # --- what the user does -------------------------------------------------------------------
    def set_trunk_from_sample(self, i: int) -> bool:
        """Make the i-th trajectory of the current run the trunk and grow its branches."""
        run = self.state.run
        if run is None:
            self.state.error = "There is no sampling run yet: load or train a model first."
            return False
        n = run.points.shape[1]
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
            self.state.error = f"sample index must be a whole number from 0 to {n - 1}, got {i!r}"
            return False
        self._sample_index = int(i)
        self._set_trunk(run.points[:, int(i)].copy(), int(i))
        return True

    def promote(self, branch_time_index: int, branch_index: int) -> bool:
        """That branch becomes the trunk; the branches regrow from it with fresh noise."""
        res = self.result
        if res is None:
            return False
        if not (0 <= branch_time_index < res.branches.shape[0] and 0 <= branch_index < res.branches.shape[1]):
            self.state.error = f"no branch ({branch_time_index}, {branch_index}) to promote"
            return False
        self._set_trunk(res.branches[branch_time_index, branch_index].copy(), None, seed=self._next_seed())
        return True

    def reseed(self) -> None:
        """Fresh noise for every branch (the trunk stays)."""
        self.seed = self._next_seed()

    def pick(self, x: float, y: float, radius: float = PICK_RADIUS) -> str:
        """A tap at (x, y): on a branch's end point, promote it; else on a sample of the run, make it the
        trunk. Returns 'promoted', 'trunk' or '' (nothing near enough)."""
        res, run = self.result, self.state.run
        if res is not None:
            ends = res.endpoints
            d = np.hypot(ends[..., 0] - x, ends[..., 1] - y)
            k = int(d.argmin())
            if d.flat[k] <= radius:
                return "promoted" if self.promote(*np.unravel_index(k, d.shape)) else ""
        if run is not None:
            d = np.hypot(run.samples[:, 0] - x, run.samples[:, 1] - y)
            k = int(d.argmin())
            if d[k] <= radius:
                return "trunk" if self.set_trunk_from_sample(k) else ""
        return ""

    def use_ddim_eta1(self) -> None:
        """Switch the session to DDIM with eta = 1 (DDPM's ancestral noise on the same grid)."""
        self.state.param.update(sampler="ddim", eta=1.0)

    def use_sde(self) -> None:
        """Switch the session to the reverse SDE at full noise."""
        self.state.param.update(sampler="sde", noise=1.0)

    # --- derived ------------------------------------------------------------------------------
    @property
    def stochastic(self) -> bool:
        return self.state.stochastic

    def spread(self) -> np.ndarray:
        """Per branch time, how far apart its branches end: the RMS distance of the end points from their
        mean. Falls from early to late branch times."""
        if self.result is None:
            return np.zeros(0)
        ends = self.result.endpoints.astype(np.float64)
        return np.sqrt(((ends - ends.mean(axis=1, keepdims=True)) ** 2).sum(-1).mean(axis=1))

    def branch_times(self) -> np.ndarray:
        """The path's t at each branch time (1 = noise), for labels."""
        if self.result is None:
            return np.zeros(0)
        return self.result.times[self.result.frames]

    # --- growing ------------------------------------------------------------------------------
    @param.depends("active", watch=True)
    def _on_active(self) -> None:
        if self.active and self._stale:
            self._on_run()

    def _on_run(self, *_events) -> None:
        run = self.state.run
        self._stale = not self.active
        if run is None or self._stale:
            return
        i = min(self._sample_index, run.points.shape[1] - 1)
        self._set_trunk(run.points[:, i].copy(), i)

    @param.depends("at", "n_branches", "seed", watch=True)
    def regrow(self) -> None:
        """Grow the branches of the current trunk with the session's sampler and denoiser."""
        st = self.state
        if self.trunk is None or st.denoiser() is None:
            self.result = None
            return
        if not self.stochastic:
            self.message = _deterministic_message(st)
            self.result = None
            return
        run = st.run
        settings, times = (run.settings, run.times) if run is not None and len(run.times) == len(self.trunk) \
            else (st.settings(), None)
        try:
            result = branch(st.denoiser(), at=self.at, n_branches=self.n_branches, seed=self.seed, trunk=self.trunk,
                            settings=settings, times=times)
        except ExplorerError as err:
            st.error = str(err)
            self.message, self.result = "", None
            return
        self.message = ""
        self.result = result

    def _set_trunk(self, trunk: np.ndarray, index, seed: int | None = None) -> None:
        """Replace the trunk (and maybe the seed), then regrow once."""
        with param.parameterized.discard_events(self):
            self.param.update(trunk=trunk, trunk_index=index)
        self.param.trigger("trunk", "trunk_index")
        if seed is not None and seed != self.seed:
            self.seed = seed  # regrows
        else:
            self.regrow()

    def _next_seed(self) -> int:
        return (self.seed + 1) % (2**31)


def _deterministic_message(st: ExplorerState) -> str:
    settings = st.settings()
    spec = settings.spec
    if spec.knobs:
        knobs = ", ".join(f"{spec.knob(k).label} = {v:g}" for k, v in settings.knobs)
        why = f"{spec.short} with {knobs} adds no noise, so it is deterministic"
    else:
        why = f"{spec.label} adds no noise: it is deterministic"
    return (f"{why}: from the same point every branch would retrace the trunk, so there are no paths not "
            "taken. Switch to a sampler that adds fresh noise at each step:")
