"""Shared fixtures: Debian's Chromium for pytest-playwright, a live ``panel serve`` of the app, and a
folder for screenshots.

Browser tests take pytest-playwright's ``page`` fixture together with ``app_server`` (the app's URL)
and are marked ``@pytest.mark.browser``; ``pytest -m "not browser"`` skips them.

Layout: core/ tests explorer/*.py, ui/ explorer/ui/* without a browser, browser/ drives Chromium, server/
loads a served app with headless Bokeh clients; support/ holds helpers, not tests (on sys.path through
``pythonpath`` in pyproject.toml). There is no __init__.py, so a test file's name must be unique in tests/.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import APP_PATH, REPO_ROOT, serve_panel_app

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download has no network here


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system Chromium with flags for this machine."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `bash .ci/setup --browser` (installs Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",  # needed when running as root
            # The network is closed: stop Chromium reaching for Google's services at every start.
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (gitignored), for screenshots and other evidence."""
    path = REPO_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Serve explorer/serve/app.py with ``panel serve`` in a subprocess; yields the page URL."""
    with serve_panel_app(APP_PATH, tmp_path_factory.mktemp("panel-serve")) as (url, _log):
        yield url
