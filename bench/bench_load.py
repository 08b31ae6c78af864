"""A class on one server, in figures (no asserts): ``python bench/bench_load.py [--quick | --open-only]``.

`--open-only`: only the opening of 30 sessions at once (3 rounds, one process), without the training scenario,
with clients that leave the cores to the server (they do not build the documents; see open_class).

For each server setting below: start ``panel serve explorer/serve/app.py``, open 30 sessions at once (headless
Bokeh clients, tests/support/session_client.py), then have 10 press Train together while 19 play their animation
and the 30th flips its sampler again and again. Printed: time to open the 30 sessions, the idle session's
round trip (widget change -> new frames back) alone and under load, how long the 10 training runs took,
and the server's CPU time and resident memory.

Settings compared (README: serving a class):
  one process, 2 training slots  the defaults (`bash .ci/serve`)
  one process, 1 training slot   EXPLORER_TRAINING_SLOTS=1
  two processes, 1 slot each     --num-procs 2 with EXPLORER_TRAINING_SLOTS=1 (Bokeh forks after binding)
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

import server_probe  # noqa: E402
from browser_support import serve_process  # noqa: E402
from load_scenario import LoadFigures, class_load, run_in_own_loop  # noqa: E402

SETTINGS = [
    ("one process, 2 training slots", [], {}),
    ("one process, 1 training slot", [], {"EXPLORER_TRAINING_SLOTS": "1"}),
    ("two processes, 1 slot each", ["--num-procs", "2"], {"EXPLORER_TRAINING_SLOTS": "1"}),
]


def _family_cpu(pid: int) -> float:
    """CPU seconds of the server and its forked workers (--num-procs)."""
    total = server_probe.cpu_seconds(pid)
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                if Path(child, "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    total += server_probe.cpu_seconds(int(child.name))
            except (OSError, IndexError):
                pass
    return total


def run(label: str, args: list[str], env: dict, sessions: int, training: int, watching: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_process(REPO / "explorer" / "serve" / "app.py", Path(tmp),
                                                             extra_args=args, env=env) as (proc, url, _log):
        time.sleep(2)
        cpu0, t0 = _family_cpu(proc.pid), time.perf_counter()
        f = run_in_own_loop(class_load(url, sessions=sessions, training=training, watching=watching))
        cpu = (_family_cpu(proc.pid) - cpu0) / (time.perf_counter() - t0)
        rss = server_probe.rss_mb(proc.pid)
    print(f"\n{label}")
    print(f"  open {sessions} sessions at once: every plot shown {f.open_seconds:6.1f} s, "
          f"every whole page {f.page_seconds:6.1f} s")
    print(f"  idle round trip, nobody busy     {LoadFigures.summary(f.idle_round_trips)}")
    print(f"  idle round trip, {training} train + {watching} play  {LoadFigures.summary(f.loaded_round_trips)}"
          f"  ({len(f.loaded_round_trips)} probes)")
    print(f"  training runs (click -> done)    {min(f.train_seconds):.1f} - {max(f.train_seconds):.1f} s, "
          f"{f.trained}/{training} ended with a model")
    print(f"  server CPU {100 * cpu:.0f} % of one core on average; resident memory {rss:.0f} MB (main process)")


def open_class(sessions: int = 30, rounds: int = 3) -> None:
    """`--open-only`: only the opening, on one process with the defaults: `sessions` sessions at once, the server
    warm and idle before each round (the warm-up has run: runtime.py). The sessions are opened on the wire
    (session_client.open_on_the_wire): each pulls its first document and says "document ready" without
    building it, as 30 browsers on 30 machines would leave this machine's cores to the server. The times are
    the server's: every first document (the plot) sent, and every sidebar (the controls)."""
    from session_client import open_on_the_wire

    async def opened(url: str) -> tuple[float, float]:
        start = time.perf_counter()
        times = await asyncio.gather(*(open_on_the_wire(url, "How to use") for _ in range(sessions)))
        return max(t[0] for t in times) - start, max(t[1] for t in times) - start

    print(f"\none process, 2 training slots: {sessions} sessions opened at once, {rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp, serve_process(REPO / "explorer" / "serve" / "app.py", Path(tmp),
                                                             extra_args=["--warm"]) as (proc, url, _log):
        for _ in range(rounds):
            # Idle: the warm-up (10 s after start), and the last round's sessions discarded (Bokeh drops a closed
            # session 15 s after, checking every 17 s). Shorter lifetimes would discard the new sessions too: a
            # page's websocket connects only after the 30 pages were made.
            time.sleep(35)
            cpu0 = server_probe.cpu_seconds(proc.pid)
            plots, pages = run_in_own_loop(opened(url))
            print(f"  every plot sent {plots:5.1f} s, every whole page {pages:5.1f} s; "
                  f"server CPU {server_probe.cpu_seconds(proc.pid) - cpu0:5.1f} s")


def main() -> None:
    if "--open-only" in sys.argv:
        return open_class()
    quick = "--quick" in sys.argv
    sessions, training, watching = (12, 4, 7) if quick else (30, 10, 19)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{sessions} sessions, {training} training, {watching} playing")
    for label, args, env in SETTINGS[:1] if quick else SETTINGS:
        run(label, args, env, sessions, training, watching)


if __name__ == "__main__":
    main()
