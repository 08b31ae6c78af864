"""explorer/serve/settings.py: every EXPLORER_*/BOKEH_* variable read in one place; explorer/serve/runtime.py: torch's
thread policy set in one place."""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from explorer.serve import runtime
from explorer.serve.settings import SETTINGS, Settings

PACKAGE = Path(runtime.__file__).resolve().parents[1]


def test_unset_variables_give_the_defaults():
    s = Settings.from_env({})
    assert s == Settings()
    assert (s.torch_threads, s.max_train_steps, s.training_slots, s.validate_properties) == (1, 5000, None, False)
    assert not s.bokeh_validate_doc and not s.bokeh_error_diagnostics
    assert s.plot_backend == "canvas"


def test_each_variable_arrives():
    s = Settings.from_env({"EXPLORER_TORCH_THREADS": "2", "EXPLORER_MAX_TRAIN_STEPS": " 300 ",
                           "EXPLORER_TRAINING_SLOTS": "3", "EXPLORER_VALIDATE_PROPERTIES": "yes",
                           "BOKEH_VALIDATE_DOC": "true", "BOKEH_PERFORM_ERROR_DIAGNOSTICS": "1",
                           "EXPLORER_PLOT_BACKEND": " WebGL "})
    assert s == Settings(torch_threads=2, max_train_steps=300, training_slots=3, validate_properties=True,
                         bokeh_validate_doc=True, bokeh_error_diagnostics=True, plot_backend="webgl")
    assert s.training_slot_count() == 3


@pytest.mark.parametrize("name, raw, field, expected, said", [
    ("EXPLORER_MAX_TRAIN_STEPS", "lots", "max_train_steps", 5000, "is not a whole number; using 5000"),
    ("EXPLORER_MAX_TRAIN_STEPS", "0", "max_train_steps", 1, "is below 1; using 1"),
    ("EXPLORER_TORCH_THREADS", "-3", "torch_threads", 0, "is below 0; using 0"),
    ("EXPLORER_TRAINING_SLOTS", "2.5", "training_slots", None, "is not a whole number; using the default"),
    ("EXPLORER_VALIDATE_PROPERTIES", "maybe", "validate_properties", False, "is not one of 1/0"),
    ("EXPLORER_PLOT_BACKEND", "svg", "plot_backend", "canvas", "is not one of canvas, webgl; using canvas"),
])
def test_a_bad_value_falls_back_and_says_so(caplog, name, raw, field, expected, said):
    with caplog.at_level(logging.WARNING, logger="explorer.settings"):
        s = Settings.from_env({name: raw})
    assert getattr(s, field) == expected
    assert any(name in r.getMessage() and said in r.getMessage() for r in caplog.records), caplog.text


def test_the_served_process_reads_the_environment():
    """A variable set for the process arrives in the modules that use it (read once, at import)."""
    code = ("from explorer.serve import runtime; from explorer.ui.session import state; "
            "print(runtime.THREADS, state.MAX_TRAIN_STEPS)")
    env = {**os.environ, "EXPLORER_TORCH_THREADS": "2", "EXPLORER_MAX_TRAIN_STEPS": "300",
           "PYTHONPATH": str(PACKAGE.parent)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "300"]


def test_thread_policy_sets_torchs_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        runtime.use_thread_policy()
        assert torch.get_num_threads() == runtime.THREADS == SETTINGS.torch_threads
        monkeypatch.setattr(runtime, "THREADS", 0)  # 0: torch's own choice, left alone
        torch.set_num_threads(2)
        runtime.use_thread_policy()
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_no_other_module_reads_the_environment_or_sets_torchs_threads():
    """settings.py reads the variables and runtime.py sets torch's threads; nothing else does."""
    reads = re.compile(r"os\.environ|os\.getenv|getenv\(")
    threads = re.compile(r"set_num_threads|set_flush_denormal")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if reads.search(code) and rel != "serve/settings.py" and "DISPLAY" not in code:
                found.append(f"{rel}:{number}: {line.strip()}")
            if threads.search(code) and rel != "serve/runtime.py":
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
