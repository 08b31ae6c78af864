"""Couplings: which noise each data point is paired with in a training batch.

* independent: every data point with fresh Gaussian noise (the usual flow-matching and diffusion loss).
* ot: minibatch optimal transport (Tong et al. 2023; Pooladian et al. 2023): in each batch the noise is
  re-assigned to the data so that the total squared distance sum |x0_i - x1_pi(i)|² is the smallest, an
  exact assignment (uniform weights: a permutation). Paths between a point and its noise then cross less, so
  the learned flow is straighter and needs fewer steps. The assignment is POT's exact solver (`ot.emd`), on
  chunks of CHUNK points: it costs O(n³), and bench/bench_paths.py measures it against scipy's
  linear_sum_assignment (docs/performance.md#couplings).
"""
from __future__ import annotations

import numpy as np
import torch

COUPLINGS = ("independent", "ot")
CHUNK = 128  # points per exact assignment: a batch of 512 is four of them


def assign(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """The permutation p minimising sum |x0_i - x1_p(i)|² (POT's exact earth mover's solver)."""
    import ot

    n = len(x0)
    cost = ((x0[:, None, :] - x1[None, :, :]) ** 2).sum(-1)
    plan = ot.emd(np.full(n, 1.0 / n), np.full(n, 1.0 / n), cost)
    return plan.argmax(1)  # uniform weights and equal sizes: the plan is a permutation (times 1/n)


def ot_pairs(x0: torch.Tensor, x1: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """x1's rows reordered so that row i is the noise paired with x0[i], chunk by chunk."""
    a, b = x0.detach().double().numpy(), x1.detach().double().numpy()
    order = np.arange(len(a))
    for start in range(0, len(a), chunk):
        part = slice(start, min(start + chunk, len(a)))
        order[part] = start + assign(a[part], b[part])
    return x1[torch.from_numpy(order)]
