"""The dashboard embedded in a real JupyterLab page: notebooks/05_draw_your_own.ipynb is opened in JupyterLab
(started once, offline, in a temporary folder), all cells are run from the Run menu, and in the output area the
whole dashboard shows up, its main plot plays by itself, and picking another sampler in the page makes the kernel
send a new run. nbmake only executes the notebooks; this is what checks that Panel's JupyterLab extension and the
kernel-side comms carry `explorer.Explorer()` to a page that works."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from browser_support import REPO_ROOT, free_port, stop_process, wait_for

pytestmark = pytest.mark.browser

NOTEBOOK = REPO_ROOT / "notebooks" / "05_draw_your_own.ipynb"
LAB_START_TIMEOUT = 90.0  # seconds
RENDER_TIMEOUT = 120_000  # ms: kernel start, Panel + torch import and the first run on a loaded 2-core machine

# The Bokeh document of the dashboard: a notebook page holds one per displayed output.
DOC_JS = "Bokeh.documents.find(d => d.get_model_by_name('main_view_store'))"
HAS_DOC_JS = f"() => !!(window.Bokeh && Bokeh.documents && {DOC_JS})"
SAMPLES_JS = f"() => Array.from({DOC_JS}.get_model_by_name('samples').data.x.slice(0, 50))"
# The store's last 50 x values: the end of the run's last frame (its first frame, the seeded noise, is the same
# for every sampler).
STORE_JS = (f"() => {{ const d = {DOC_JS}.get_model_by_name('main_view_store').data;"
            " return d.x && d.x.length ? Array.from(d.x[0].slice(-50)) : []; }")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on a free port, serving a folder with a copy of the notebook; yields (base url, log path).
    No token, no browser, no update check, no news; Jupyter's user dirs point into the folder too."""
    root = tmp_path_factory.mktemp("jupyterlab")
    work, home = root / "work", root / "home"
    work.mkdir()
    home.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = root / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
           "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", "--allow-root",
           f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    # no "get notified about Jupyter news?" toast over the page
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           # BokehJS and Panel's JS go inline into the notebook: by default pn.extension() loads them from
           # cdn.bokeh.org / cdn.holoviz.org, which this offline machine cannot reach (nothing renders then)
           "PANEL_INLINE": "1",
           # the kernel imports this checkout's explorer (it inherits the server's environment)
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "BROWSER": "true"}  # belt and braces: whatever tries to open a browser runs `true`
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n"
                                   + log_path.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("jupyter lab did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.25)
        yield url, log_path
    finally:
        stop_process(proc)


def test_dashboard_renders_and_works_in_jupyterlab(page, jupyterlab, artifacts_dir):
    try:
        _drive(page, *jupyterlab, artifacts_dir)
    except BaseException:
        page.screenshot(path=str(artifacts_dir / "jupyterlab_failure.png"))  # what the page showed when it failed
        raise


def _drive(page, url, log_path, artifacts_dir):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{url}/lab/tree/{NOTEBOOK.name}")
    # the notebook is open and its kernel is up
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=60_000)
    _kernel_ready(page)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    # the dashboard renders in the output area: its Bokeh document, the main plot's canvas, the controls
    page.wait_for_function(HAS_DOC_JS, timeout=RENDER_TIMEOUT)
    out = page.locator(".jp-OutputArea-output")
    out.locator("canvas").first.wait_for(state="visible", timeout=30_000)
    train = out.get_by_role("button", name="Train", exact=True)
    train.wait_for(state="visible", timeout=30_000)
    sampler = out.get_by_label("Sampler", exact=True)
    sampler.wait_for(state="visible", timeout=30_000)
    assert "Heun" in sampler.input_value()

    # the main plot plays by itself: its samples move, and its store holds a run
    page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=60_000)
    first = page.evaluate(SAMPLES_JS)
    wait_for(lambda: page.evaluate(SAMPLES_JS) != first, 10, "the samples to move without any input")
    assert len(first) == 50
    before = wait_for(lambda: page.evaluate(STORE_JS), 30, "a run in main_view_store")
    page.screenshot(path=str(artifacts_dir / "jupyterlab_dashboard.png"))

    # picking another sampler in the page goes to the kernel, which sends a new run back
    sampler.select_option(label="DDPM (ancestral)")
    wait_for(lambda: (page.evaluate(STORE_JS) or before) != before, 60, "a new run after changing the sampler")
    assert "DDPM" in sampler.input_value()
    frames = page.evaluate("() => window.__explorer_frames")
    time.sleep(0.6)
    assert page.evaluate("() => window.__explorer_frames") > frames, "the new run keeps playing"
    page.screenshot(path=str(artifacts_dir / "jupyterlab_dashboard_ddpm.png"))

    assert not errors, errors
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


def _kernel_ready(page, timeout: float = 90) -> None:
    """Wait until the notebook's kernel is idle, accepting JupyterLab's "Select Kernel" dialog (the default,
    the venv's Python 3) if it comes up: it sometimes does on a first open, and it blocks the menus."""
    dialog = page.locator(".jp-Dialog")
    idle = page.locator(".jp-StatusBar-Widget").filter(has_text="| Idle")

    def ready():
        if dialog.count() and dialog.first.is_visible():
            dialog.get_by_role("button", name="Select", exact=True).click()
            return False
        return idle.count() > 0 and not dialog.count()

    wait_for(ready, timeout, "the notebook's kernel to be idle")
