"""Couplings: which noise each data point is paired with in a training batch.

* independent: every data point with fresh Gaussian noise (the usual flow-matching and diffusion loss).
* ot: minibatch optimal transport (Tong et al. 2023; Pooladian et al. 2023): in each batch the noise is
  re-assigned to the data so that the total squared distance sum |x0_i - x1_pi(i)|² is the smallest, an
  exact assignment (uniform weights: a permutation). Paths between a point and its noise then cross less, so
  the learned flow is straighter and needs fewer steps. The assignment is scipy's exact solver
  (`linear_sum_assignment`; tests/core/test_straight.py checks its optimum against POT's `ot.emd`), on chunks of
  CHUNK points, one batch ahead in a worker thread (`paired_batches`). Its cost grows as n³: chunks of 32 add
  ~4 % to a training step paired ahead (~30-45 % in line), chunks of 128 ~250 %, for paths only a little
  straighter (bench/bench_paths.py, docs/performance.md#couplings).

`pair_batch` draws one batch paired as training pairs it, and `crossings` counts how many of its segments
(data point -> its noise) cross: many for independent noise, few for OT (the "Pairings" tab).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from explorer.core.checks import check_int
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

COUPLINGS = ("independent", "ot")
CHUNK = 32  # points per exact assignment: a batch of 512 is sixteen of them


def assign(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """The permutation p minimising sum |x0_i - x1_p(i)|² (an exact assignment: with uniform weights and equal
    sizes, exact optimal transport is a permutation)."""
    from scipy.optimize import linear_sum_assignment  # here, not at start-up (runtime.warm_up_soon)

    cost = ((x0[:, None, :] - x1[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    return cols[np.argsort(rows)]


def ot_pairs(x0: torch.Tensor, x1: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """x1's rows reordered so that row i is the noise paired with x0[i], chunk by chunk."""
    from scipy.optimize import linear_sum_assignment

    a, b = x0.detach().double().numpy(), x1.detach().double().numpy()
    n, order = len(a), np.arange(len(a))
    full = n - n % chunk
    if full:  # the whole chunks' costs in one batched product, then one assignment each. |a_i - b_j|² less the
        # |a_i|² of its row (the same for every j, so the same optimum): |b_j|² - 2 a_i.b_j
        ca, cb = a[:full].reshape(-1, chunk, 2), b[:full].reshape(-1, chunk, 2)
        costs = (cb**2).sum(-1)[:, None, :] - 2.0 * ca @ cb.transpose(0, 2, 1)
        for k in range(len(costs)):
            order[k * chunk: (k + 1) * chunk] = k * chunk + linear_sum_assignment(costs[k])[1]  # rows: 0..chunk-1
    if full < n:
        order[full:] = full + assign(a[full:], b[full:])
    return x1[torch.from_numpy(order)]


def paired_batches(draw, ot: bool):
    """Training batches without end: `draw()` gives (rows, x0, noise); with `ot`, the noise is re-paired by
    ot_pairs one batch ahead, in a worker thread, while the caller trains on the current batch (scipy's
    assignment and torch's kernels release the GIL, so on two cores the pairing costs little wall time;
    docs/performance.md#couplings). Close the generator to end the worker (training does, also on errors,
    since a generator's `finally` runs when it is closed or collected)."""
    if not ot:
        while True:
            yield draw()
    pool = ThreadPoolExecutor(1, thread_name_prefix="explorer-ot")
    try:
        rows, x0, noise = draw()
        ahead = pool.submit(ot_pairs, x0, noise)
        while True:
            batch = (rows, x0, ahead.result())
            rows, x0, noise = draw()
            ahead = pool.submit(ot_pairs, x0, noise)
            yield batch
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def pair_batch(data: np.ndarray, n: int, coupling: str = "independent", source: np.ndarray | None = None,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One training batch as `dx.train` draws it: `n` rows of `data` and `n` points of noise (Gaussian, or
    rows of `source`), the noise reordered by `coupling` ("ot": chunk by chunk, as in training).
    Returns (x0, x1), both (n, 2) float64: x0[i] is trained towards x1[i]. Drawn as segments in the
    "Pairings" tab (docs/parameterisation.md#straightness)."""
    if coupling not in COUPLINGS:
        raise ExplorerError(f"unknown coupling {coupling!r}: choose one of {', '.join(COUPLINGS)}")
    data = np.asarray(data, np.float64)
    if data.ndim != 2 or data.shape[1] != 2 or len(data) == 0:
        raise ExplorerError(f"data must be (n, 2) points, got shape {data.shape}")
    n = check_int("n", n, 2, 4096)
    gen = torch.Generator().manual_seed(int(seed))
    x0 = torch.from_numpy(data)[torch.randint(0, len(data), (n,), generator=gen)]
    if source is None:
        x1 = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    else:
        src = torch.from_numpy(np.asarray(source, np.float64))
        x1 = src[torch.randint(0, len(src), (n,), generator=gen)]
    if coupling == "ot":
        x1 = ot_pairs(x0, x1)
    return x0.numpy(), x1.numpy()


def crossing_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, n) bool: segments a_i -> b_i and a_j -> b_j cross (each one's ends lie strictly on both sides of the
    other's line; touching or collinear overlap does not count). Symmetric, False on the diagonal."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    def side(p, q, r):  # sign of the turn p -> q -> r for every (segment p q, point r) pair: (n, n)
        return np.sign((q[:, None, 0] - p[:, None, 0]) * (r[None, :, 1] - p[:, None, 1])
                       - (q[:, None, 1] - p[:, None, 1]) * (r[None, :, 0] - p[:, None, 0]))

    straddle = side(a, b, a) * side(a, b, b) < 0  # [i, j]: a_j and b_j on opposite sides of segment i's line
    out = straddle & straddle.T
    np.fill_diagonal(out, False)
    return out


def crossings(a: np.ndarray, b: np.ndarray) -> int:
    """How many pairs of the segments a_i -> b_i cross each other (see :func:`crossing_matrix`)."""
    return int(np.triu(crossing_matrix(a, b), 1).sum())
