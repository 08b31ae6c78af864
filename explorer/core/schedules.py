"""Noise schedules: the Gaussian path x_t = alpha(t) x0 + sigma(t) eps, t in [0, 1].

t = 0 is data, t = 1 is noise (the literature's convention). Every schedule gives alpha, sigma
and their time derivatives in closed form, so samplers never differentiate numerically.
All functions accept and return torch tensors (float64 or float32) of any shape.
"""
from __future__ import annotations

import math

from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Registry

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

# DDPM's discrete beta_i = 1e-4 ... 0.02 over T = 1000 steps, made continuous in t:
# beta(t) = T * (beta_min + t * (beta_max - beta_min)), so int_0^1 beta = 10.05, alpha(1) = 0.0066.
_T = 1000.0
_BETA_MIN, _BETA_MAX = 1e-4 * _T, 0.02 * _T
# Nichol & Dhariwal's offset, which keeps sigma(0) small but non-zero in their discrete version.
_COSINE_S = 0.008


class Schedule:
    """A Gaussian path. Subclasses define alpha, sigma, d_alpha, d_sigma, and say what they are:
    `label` (menus), `short` (titles), `formula` (Markdown, shown beside the curves)."""

    name: str = ""
    label: str = ""
    short: str = ""
    formula: str = ""
    variance_preserving: bool = False

    def alpha(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_alpha(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_sigma(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def log_snr(self, t: torch.Tensor) -> torch.Tensor:
        """log(alpha^2 / sigma^2): +inf at t = 0, -inf where alpha = 0."""
        return 2 * (torch.log(self.alpha(t)) - torch.log(self.sigma(t)))

    def __repr__(self) -> str:
        return f"Schedule({self.name!r})"


class LinearVP(Schedule):
    """DDPM's linear beta schedule, continuous: alpha = exp(-1/2 int_0^t beta), sigma = sqrt(1 - alpha^2)."""

    name = "linear"
    label = "VP linear (DDPM)"
    short = "VP linear"
    formula = ("**VP linear (DDPM).** β(t) = 0.1 + 19.9·t (β from 10⁻⁴ to 0.02 over 1000 steps, made continuous); "
               "α(t) = exp(−½∫₀ᵗβ) = exp(−0.05·t − 4.975·t²), σ(t) = √(1 − α²). "
               "At t = 1, α = 0.0066: almost, not exactly, pure noise.")
    variance_preserving = True

    def _int_beta(self, t):
        return _BETA_MIN * t + 0.5 * (_BETA_MAX - _BETA_MIN) * t**2

    def _beta(self, t):
        return _BETA_MIN + (_BETA_MAX - _BETA_MIN) * t

    def alpha(self, t):
        return torch.exp(-0.5 * self._int_beta(t))

    def sigma(self, t):
        # -expm1(-x) = 1 - exp(-x), accurate for small x (sigma -> 0 at t = 0).
        return torch.sqrt(-torch.expm1(-self._int_beta(t)))

    def d_alpha(self, t):
        return -0.5 * self._beta(t) * self.alpha(t)

    def d_sigma(self, t):
        # d/dt sqrt(1 - a^2) = -a a' / sigma; written as beta a^2 / (2 sigma), clamped at t = 0.
        a = self.alpha(t)
        return 0.5 * self._beta(t) * a**2 / self.sigma(t).clamp_min(1e-12)


class CosineVP(Schedule):
    """Nichol & Dhariwal's cosine schedule: alpha = cos((t+s)/(1+s) pi/2) / cos(s/(1+s) pi/2)."""

    name = "cosine"
    label = "VP cosine (improved DDPM)"
    short = "VP cosine"
    formula = ("**VP cosine (Nichol & Dhariwal).** α(t) = cos((t + s)/(1 + s)·π/2) / cos(s/(1 + s)·π/2) with "
               "s = 0.008, σ(t) = √(1 − α²). Signal is destroyed more evenly in log-SNR than by the linear β.")
    variance_preserving = True
    _norm = math.cos(_COSINE_S / (1 + _COSINE_S) * math.pi / 2)

    def _phase(self, t):
        return (t + _COSINE_S) / (1 + _COSINE_S) * math.pi / 2

    def alpha(self, t):
        return (torch.cos(self._phase(t)) / self._norm).clamp(0.0, 1.0)

    def sigma(self, t):
        return torch.sqrt((1 - self.alpha(t) ** 2).clamp_min(0.0))

    def d_alpha(self, t):
        return -torch.sin(self._phase(t)) / self._norm * (math.pi / 2) / (1 + _COSINE_S)

    def d_sigma(self, t):
        return -self.alpha(t) * self.d_alpha(t) / self.sigma(t).clamp_min(1e-12)


class Rectified(Schedule):
    """Rectified flow / flow matching: alpha = 1 - t, sigma = t (straight lines from data to noise)."""

    name = "rectified"
    label = "Rectified flow (straight paths)"
    short = "rectified"
    formula = ("**Rectified flow / flow matching.** α(t) = 1 − t, σ(t) = t: straight lines from each data "
               "point to its noise, so α + σ = 1 (not variance preserving: α² + σ² dips to ½ at t = ½).")
    variance_preserving = False

    def alpha(self, t):
        return 1 - t

    def sigma(self, t):
        return t

    def d_alpha(self, t):
        return -torch.ones_like(t)

    def d_sigma(self, t):
        return torch.ones_like(t)


# Every schedule the library, the dashboard and the command line offer. A schedule is stateless: one
# shared instance each. Adding one is one more `SCHEDULES.register(MySchedule())`.
SCHEDULES: Registry[Schedule] = Registry("schedule")
for _cls in (LinearVP, CosineVP, Rectified):
    SCHEDULES.register(_cls())


def get_schedule(schedule: str | Schedule) -> Schedule:
    """A schedule by name ('linear', 'cosine', 'rectified'), or the given one unchanged."""
    if isinstance(schedule, Schedule):
        return schedule
    return SCHEDULES[schedule]
