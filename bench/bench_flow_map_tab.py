"""The dashboard's flow-map work, timed and printed (not asserted): `python bench/bench_flow_map_tab.py`.

On the pretrained moons model, as a session does it (explorer/ui/session/):
1. Distil (the sidebar's button: dx.distil with the sidebar's network and training steps, here --steps), wall time.
2. The Flow map tab: one tap's reading (four jumps and the teacher's ODE from the tap), and the map-error job
   against each reference (the teacher's ODE and the model's own on 600 noise points, the exact denoiser's on 300),
   with its median error.
3. The sweep's companions: the teacher (DPM-Solver++) and the flow map (jumps) at 1, 2, 4 and 8 evaluations.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from explorer.studies.sweeps import sweep
from explorer.ui.session.jumps_state import REFERENCES, JumpsState, MapErrorState
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.sweep_state import COMPANION_NFE, COMPANIONS, N_SAMPLES


def _timed(fn):
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500, help="distillation steps (the sidebar's Training steps)")
    args = ap.parse_args()
    s = ExplorerState(dataset="moons", train_steps=args.steps)
    teacher = s.model
    _, took = _timed(lambda: (s.start_distil(), s.jobs.wait()))
    print(f"Distil, {args.steps} steps: {took:.1f} s ({s.model.log.message})")
    jumps = JumpsState(state=s)
    _, took = _timed(lambda: jumps.tap(1.5, -1.5))
    print(f"a tap's reading (4 jumps + the teacher's ODE, 64 Heun steps): {1000 * took:.0f} ms; misses "
          + ", ".join(f"{e:.3f}" for e in jumps.reading["errors"]))
    for which in REFERENCES:
        job = MapErrorState(state=s, reference=which)
        _, took = _timed(lambda job=job: (job.start(), s.jobs.wait()))
        e = job.result["errors"]
        print(f"map error against {REFERENCES[which]:28s} {len(e)} points: {took:5.1f} s, median {np.median(e):.3f}")
    fresh = s.reference()
    for role, model in (("teacher", teacher), ("flow map", s.model)):
        sampler = COMPANIONS[role]
        res, took = _timed(lambda model=model, sampler=sampler: sweep(model, fresh, samplers=[sampler],
                                                                      nfe=COMPANION_NFE, n=N_SAMPLES,
                                                                      grids=None))
        best = {p.nfe: p.distance for p in res.points if p.grid == res.points[0].grid}
        print(f"sweep of the {role} ({sampler}, every grid) at NFE {COMPANION_NFE}: {took:.1f} s; energy distance "
              + ", ".join(f"{best[k]:.4f}" for k in sorted(best)))


if __name__ == "__main__":
    main()
