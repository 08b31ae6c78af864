"""The class behind a real proxy (deploy/): nginx in front of two `panel serve` processes, sticky by browser.

Sixteen headless sessions open the page through nginx at once and each changes its sampler once; every one
must get its new run back, and nginx's log must show every browser's requests (page and websocket) going to
one and the same process, with both processes used. (Sixteen, not a class of thirty: what is tested here is the
routing, and with random routes all sixteen land on one process once in 30 000 runs. Thirty sessions on one
process are test_classroom.py's.)
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import time
import urllib.request
from collections import defaultdict
from contextlib import ExitStack

import pytest
from browser_support import APP_PATH, REPO_ROOT, free_port, serve_process
from load_scenario import open_and_touch, run_in_own_loop

pytestmark = pytest.mark.slow
NGINX = "/usr/sbin/nginx"
SESSIONS = 16


def _render():
    spec = importlib.util.spec_from_file_location("render_nginx", REPO_ROOT / "deploy" / "render_nginx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render


def _wait_for_proxy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nginx did not answer {url}")


def test_a_class_through_nginx_works_and_each_browser_stays_on_its_process(tmp_path):
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} not found: run `bash .ci/setup --proxy` (installs Debian's nginx)")
    proxy = free_port()
    origin = ["--allow-websocket-origin", f"127.0.0.1:{proxy}", "--warm"]
    with ExitStack() as stack:
        ports = []
        for i in range(2):
            logs = tmp_path / f"panel{i}"
            logs.mkdir()
            _proc, url, _log = stack.enter_context(serve_process(APP_PATH, logs, extra_args=origin))
            ports.append(url.split(":")[2].split("/")[0])
        run = tmp_path / "nginx"
        (run / "nginx.conf").parent.mkdir(parents=True, exist_ok=True)
        (run / "nginx.conf").write_text(_render()(run, str(proxy), ports))
        nginx = subprocess.Popen([NGINX, "-c", str(run / "nginx.conf")], stderr=subprocess.STDOUT,
                                 stdout=open(tmp_path / "nginx.out", "wb"))
        stack.callback(lambda: (nginx.terminate(), nginx.wait(10)))
        page = f"http://127.0.0.1:{proxy}/app"
        _wait_for_proxy(page)
        round_trips = run_in_own_loop(open_and_touch(page, SESSIONS))
    assert len(round_trips) == SESSIONS and max(round_trips) < 60
    routes: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[str]] = defaultdict(set)
    for line in (run / "access.log").read_text().splitlines():
        route, upstream, request = line.split(" ", 2)
        if upstream != "-":
            routes[route].add(upstream)
            kinds[route].add("ws" if "/ws" in request else "page")
    sessions = [r for r in routes if kinds[r] >= {"page", "ws"}]
    assert len(sessions) >= SESSIONS, dict(kinds)  # the page's cookie brought its websocket back by the same route
    assert all(len(routes[r]) == 1 for r in routes), {r: u for r, u in routes.items() if len(u) > 1}
    used = {next(iter(routes[r])) for r in sessions}
    assert len(used) == 2, used  # different browsers on different processes
