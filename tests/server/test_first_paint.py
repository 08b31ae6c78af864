"""A new session's first paint (issue 16): the plot first, the sidebar once the page is drawn, and while a
class opens the link at once, every page's plot before anyone's sidebar (explorer/ui/lazy.py after_first_paint).

Headless Bokeh clients (session_client.py) hold back "document ready" to stand for a page still drawing.
"""
from __future__ import annotations

import asyncio

import pytest
from bokeh.models import ColumnDataSource
from browser_support import APP_PATH, serve_process
from load_scenario import has_controls, run_in_own_loop
from session_client import SessionClient, open_on_the_wire

pytestmark = pytest.mark.slow

PLACEHOLDER = "Loading the controls"


def _texts(client: SessionClient) -> str:
    return " ".join(t for m in client.doc.models if isinstance(t := getattr(m, "text", None), str))


def _has_frames(client: SessionClient) -> bool:
    """The main plot's store holds the pretrained run's packed frames (what the page animates)."""
    return any(isinstance(m, ColumnDataSource) and m.name == "main_view_store" and len(m.data.get("S", [])) > 0
               for m in client.doc.models)


async def _first_paint_then_sidebar(url: str) -> dict:
    drawing = await SessionClient.open(url, ready=False)  # a page still drawing
    other = await SessionClient.open(url, ready=False)
    try:
        first = {"frames": _has_frames(drawing), "controls": has_controls(drawing),
                 "placeholder": PLACEHOLDER in _texts(drawing), "models": len(list(drawing.doc.models))}
        other.ready()  # drawn; `drawing` is not yet: its sidebar must wait
        await asyncio.sleep(1.5)
        first["other_waited"] = not has_controls(other)
        drawing.ready()
        await drawing.wait_for(lambda: has_controls(drawing), 30)
        await other.wait_for(lambda: has_controls(other), 30)
        first["after"] = len(list(drawing.doc.models))
        first["placeholder_after"] = PLACEHOLDER in _texts(drawing)
        # bench_load.py's light client: the same page, its sidebar (the "How to use" card) after "document ready"
        first["wire"] = await open_on_the_wire(url, "How to use", timeout=30)
        return first
    finally:
        await asyncio.gather(drawing.close(), other.close())


def test_the_plot_comes_first_and_the_sidebar_once_every_page_is_drawn(tmp_path):
    with serve_process(APP_PATH, tmp_path) as (_proc, url, _log):
        seen = run_in_own_loop(_first_paint_then_sidebar(url))
    assert seen["frames"], "the first document must hold the plot's frames (the animation plays at once)"
    assert seen["placeholder"] and not seen["controls"], "the sidebar's controls must wait for the page to be drawn"
    assert seen["other_waited"], "a drawn page's sidebar must wait while another page is still being drawn"
    assert not seen["placeholder_after"], "the placeholder must give way to the controls"
    assert seen["after"] > seen["models"] + 50, f"the sidebar added {seen['after'] - seen['models']} models"
    plot, sidebar = seen["wire"]
    assert 0 < plot < sidebar, "a session opened on the wire gets its first document, then its sidebar"


async def _closed_before_drawn(url: str) -> float:
    gone = await SessionClient.open(url, ready=False)
    await gone.close()  # a tab closed while still drawing: its page never will be
    other = await SessionClient.open(url)
    try:
        return await other.wait_for(lambda: has_controls(other), 15)
    finally:
        await other.close()


def test_a_tab_closed_before_it_was_drawn_holds_no_one_back(tmp_path):
    # Bokeh discards a closed tab's session after these (ms); the wait then ends, far before lazy.MAX_WAIT_S.
    fast_discard = ["--check-unused-sessions", "500", "--unused-session-lifetime", "500"]
    with serve_process(APP_PATH, tmp_path, extra_args=fast_discard) as (_proc, url, _log):
        waited = run_in_own_loop(_closed_before_drawn(url))
    assert waited < 10, f"the sidebar came {waited:.1f} s after the page was drawn"
