"""A class on one server (issue 6): thirty sessions at once, and thirty tabs opened, trained and closed.

The sessions are headless Bokeh clients (session_client.py) that do on the wire what a tab does. Each test
starts its own ``panel serve explorer/serve/app.py`` and reads the server's threads and memory from /proc. The
figures go to test-artifacts/classroom.json; bench/bench_load.py prints the same scenario as a table.
"""
from __future__ import annotations

import json
import time

import pytest
import server_probe
from browser_support import APP_PATH, serve_process, wait_for
from load_scenario import LoadFigures, churn, class_load, run_in_own_loop, train_one_to_the_end

# serial: each loads a whole server to its limits and asserts how it copes, so .ci/run runs them after the
# parallel part, alone on the machine (README "Tests").
pytestmark = [pytest.mark.slow, pytest.mark.serial]

# Bokeh discards a closed tab's session after --unused-session-lifetime (15 s by default), checked every
# --check-unused-sessions (17 s); shorter for the tabs closed below, so the test waits seconds, not half a minute.
# Not for 30 tabs opened at once: the lifetime also runs from a session's creation (its page) to its websocket,
# which connects only after the other pages are made, so a short one made the server build most pages twice.
FAST_DISCARD = ["--check-unused-sessions", "500", "--unused-session-lifetime", "500"]
CAPPED = {"EXPLORER_MAX_TRAIN_STEPS": "300"}


def _record(artifacts_dir, key: str, figures: dict) -> None:
    path = artifacts_dir / "classroom.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = figures
    path.write_text(json.dumps(data, indent=2))


def test_thirty_sessions_ten_training_the_idle_one_still_answers(tmp_path, artifacts_dir):
    """30 sessions: 10 press Train together, 19 play their animation, and the 30th keeps changing its
    sampler. Every training run ends with a model, and every change of the idle session comes back."""
    # Every session trains 300 steps (the teacher's cap) instead of 1500: the same crowd, a fifth of the CPU time.
    with serve_process(APP_PATH, tmp_path, env=CAPPED) as (proc, url, _log):
        figures: LoadFigures = run_in_own_loop(class_load(url, sessions=30, training=10, watching=19))
        rss = server_probe.rss_mb(proc.pid)
    _record(artifacts_dir, "load", {**figures.__dict__, "server_rss_mb": rss})
    print(f"\nopen: every plot in {figures.open_seconds:.0f} s, every whole page in {figures.page_seconds:.0f} s; "
          f"idle round trip {LoadFigures.summary(figures.idle_round_trips)}; "
          f"while 10 train: {LoadFigures.summary(figures.loaded_round_trips)}; "
          f"training runs {min(figures.train_seconds):.0f}-{max(figures.train_seconds):.0f} s")
    assert figures.trained == 10, "every training run must end with its model shown"
    assert len(figures.loaded_round_trips) >= 5, "the idle session was hardly probed while the others trained"
    # Liveness, not a speed target (bench/ has those): before the fixes in issue 6, the idle page waited
    # 1.5 s typically and 4 s at worst, and with thirty playing tabs the server never caught up at all.
    loaded = sorted(figures.loaded_round_trips)
    assert loaded[len(loaded) // 2] < 2.0, f"idle session's median round trip {loaded[len(loaded) // 2]:.2f} s"
    assert loaded[-1] < 10.0, f"idle session waited {loaded[-1]:.1f} s for an answer"


def test_tabs_closed_mid_training_leave_no_threads_and_little_memory(tmp_path, artifacts_dir):
    """After a warm-up, 20 more sessions, 10 at a time: each presses Train and its tab closes half a second later
    (most still wait in line for a training slot then). Afterwards the server has its baseline threads again, and its
    resident memory has grown by less than 60 MB (3 MB a tab). The leaks this catches were ~8 MB per closed tab,
    160 MB over 20.

    The warm-up pays the one-off costs first: one session trains to the end (torch's import, the model's load in the
    background, the training kernels), then a batch of ten closes mid-training (what ten sessions at once leave
    behind: malloc arenas, thread stacks, caches). Memory then stays flat. Measured on one server after that warm-up
    (413 MB after the full run, 465 MB after the batch), then three batches of 10: +6, +7, +0 MB. With a warm-up of
    ten churned sessions alone, their runs mostly ended while the model was still loading, so the training's one-off
    costs (about +50 MB) fell into the measured batches and CI measured 82 MB."""
    # The 300-step cap as above: the runs still end mid-training, and a closed tab's run costs the next less.
    with serve_process(APP_PATH, tmp_path, extra_args=FAST_DISCARD, env=CAPPED) as (proc, url, _log):
        pid = proc.pid
        baseline_threads = server_probe.threads(pid)  # before any session
        run_in_own_loop(train_one_to_the_end(url))  # one-off costs first: imports, the model, torch's kernels
        run_in_own_loop(churn(url, sessions=10, batch=10))  # ... and ten sessions' at once
        wait_for(lambda: server_probe.threads(pid) <= baseline_threads, timeout=30,
                 what="the warm-up sessions' threads to end")
        time.sleep(3)
        baseline_rss = server_probe.rss_mb(pid)
        started = run_in_own_loop(churn(url, sessions=20, batch=10))
        assert started == 20
        wait_for(lambda: server_probe.threads(pid) <= baseline_threads, timeout=30,
                 what=f"the server's threads back to {baseline_threads} "
                      f"(now {server_probe.threads(pid)}: {server_probe.thread_names(pid)})")
        time.sleep(3)  # the heap trim runs 2 s after a session ends
        growth = server_probe.rss_mb(pid) - baseline_rss
    _record(artifacts_dir, "teardown", {"sessions": 20, "baseline_rss_mb": baseline_rss, "growth_mb": growth})
    print(f"\n20 sessions opened, trained and closed: resident memory {baseline_rss:.0f} MB -> +{growth:.0f} MB")
    assert growth < 60, f"resident memory grew by {growth:.0f} MB over 20 closed sessions"
