"""Every environment variable the package reads, in one place: `SETTINGS = Settings.from_env()`.

    EXPLORER_TORCH_THREADS          torch's intra-op threads for training and sampling (default 1: on a busy
                                    2-core machine one thread beat two by 10x; 0 = torch's own choice;
                                    docs/performance.md#threads). runtime.py applies it.
    EXPLORER_MAX_TRAIN_STEPS        the most training steps a session may ask for (default 5000); a teacher
                                    on a weak laptop lowers it for every session (README: serving a class).
    EXPLORER_TRAINING_SLOTS         how many runs train at once per server process (default: one per core;
                                    ui/jobs/training_slots.py).
    EXPLORER_VALIDATE_PROPERTIES    1: keep Bokeh's property checks on while a page is built (default off,
                                    ui/compat.py quick_build).
    EXPLORER_PLOT_BACKEND           how the page's plots draw: canvas (the default) or webgl. Canvas drew the
                                    first page 0.26 s sooner and played twice as many frames a second where
                                    WebGL runs in software (no GPU); webgl suits many samples on a real GPU
                                    (docs/performance.md#plot-backend).
    BOKEH_VALIDATE_DOC              1: Bokeh validates each new document (default off in the served app,
                                    docs/performance.md#sessions).
    BOKEH_PERFORM_ERROR_DIAGNOSTICS 1: Bokeh inspects every Python callback's signature (default off there).

A value that cannot be read (`EXPLORER_MAX_TRAIN_STEPS=lots`) or is out of range falls back to the default, or
to the nearest allowed value, and says so in the log (`explorer.settings`); it never stops the server.
The module reads the environment once, at import (`SETTINGS`); `Settings.from_env()` reads it again.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

log = logging.getLogger("explorer.settings")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _whole(name: str, raw: str, default: int | None, least: int) -> int | None:
    try:
        value = int(raw.strip())
    except ValueError:
        log.warning("%s=%r is not a whole number; using %s", name, raw, "the default" if default is None else default)
        return default
    if value < least:
        log.warning("%s=%r is below %d; using %d", name, raw, least, least)
        return least
    return value


def _choice(name: str, raw: str, default: str, allowed: tuple[str, ...]) -> str:
    word = raw.strip().lower()
    if word in allowed:
        return word
    log.warning("%s=%r is not one of %s; using %s", name, raw, ", ".join(allowed), default)
    return default


def _flag(name: str, raw: str, default: bool) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    log.warning("%s=%r is not one of 1/0, true/false, yes/no, on/off; using %d", name, raw, default)
    return default


@dataclass(frozen=True)
class Settings:
    torch_threads: int = 1
    max_train_steps: int = 5000
    training_slots: int | None = None  # None: one per core (training_slot_count)
    validate_properties: bool = False
    bokeh_validate_doc: bool = False
    bokeh_error_diagnostics: bool = False
    plot_backend: str = "canvas"

    # field -> the variable it is read from
    VARIABLES = {
        "torch_threads": "EXPLORER_TORCH_THREADS",
        "max_train_steps": "EXPLORER_MAX_TRAIN_STEPS",
        "training_slots": "EXPLORER_TRAINING_SLOTS",
        "validate_properties": "EXPLORER_VALIDATE_PROPERTIES",
        "bokeh_validate_doc": "BOKEH_VALIDATE_DOC",
        "bokeh_error_diagnostics": "BOKEH_PERFORM_ERROR_DIAGNOSTICS",
        "plot_backend": "EXPLORER_PLOT_BACKEND",
    }
    _CHOICES = {"plot_backend": ("canvas", "webgl")}
    _LEAST = {"torch_threads": 0, "max_train_steps": 1, "training_slots": 1}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from `environ` (the process's environment if None); unset or empty: the default."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = cls.VARIABLES[f.name]
            raw = environ.get(name)
            if raw is None or (not raw.strip() and f.name in cls._LEAST):
                continue
            if f.name in cls._LEAST:
                values[f.name] = _whole(name, raw, f.default, cls._LEAST[f.name])
            elif f.name in cls._CHOICES:
                values[f.name] = _choice(name, raw, f.default, cls._CHOICES[f.name])
            else:
                values[f.name] = _flag(name, raw, f.default)
        return cls(**values)

    def training_slot_count(self) -> int:
        """EXPLORER_TRAINING_SLOTS, else one per core (at least one)."""
        return self.training_slots if self.training_slots is not None else max(1, os.cpu_count() or 1)


SETTINGS = Settings.from_env()
