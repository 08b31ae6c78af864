"""explorer/ui/lazy.py: parts of the page made when first shown, or after the first paint."""
from __future__ import annotations

import time
import weakref

import panel as pn
import pytest
from bokeh.document import Document
from panel.io.state import set_curdoc

from explorer.ui import compat, lazy


def test_outside_a_server_the_rest_comes_at_once():
    column = lazy.after_first_paint(lambda: [pn.pane.Markdown("controls")], "*Loading…*")
    assert [o.object for o in column.objects] == ["controls"]


def test_in_a_page_not_yet_drawn_the_placeholder_stays_until_onload():
    made = []
    doc = Document()
    compat.hold_onload(doc)  # a served session whose browser has not said "drawn"
    try:
        with set_curdoc(doc):
            column = lazy.after_first_paint(lambda: made.append(1) or [pn.pane.Markdown("controls")], "*Loading…*")
            assert made == [] and column.objects[0].object == "*Loading…*"
            compat.fire_onload(doc)  # what the browser's "document ready" sets off
        assert made == [1] and [o.object for o in column.objects] == ["controls"]
    finally:
        compat.forget_onload(doc)


def test_lazy_card_builds_its_content_on_first_open_only():
    calls = []
    card = lazy.lazy_card("Advanced", lambda: calls.append(1) or pn.pane.Markdown("inside"))
    assert card.objects == [] and calls == []
    card.collapsed = False
    card.collapsed = True
    card.collapsed = False
    assert calls == [1] and card.objects[0].object == "inside"


# --- background work waits for a quiet server (lazy.quiet, lazy.wait_quiet) -----------------------------------------
class _Session:
    def __init__(self, connections: int):
        self.connection_count = connections


class _Request:
    arguments: dict = {}
    cookies: dict = {}
    headers: dict = {}


class _Context:
    """What Panel and lazy.py read of a served session's context: its request and Bokeh's session."""

    def __init__(self, connections: int):
        self._session = _Session(connections)
        self.request = _Request()
        self.id = f"test-{connections}"


def _doc(connections: int | None) -> Document:
    doc = Document()
    if connections is not None:
        doc._session_context = weakref.ref(ctx := _Context(connections))
        doc._keep = ctx  # the weak reference's target lives as long as the document
    return doc


@pytest.fixture
def no_pages(monkeypatch):
    monkeypatch.setattr(lazy, "_undrawn", {})
    monkeypatch.setattr(lazy, "_last_busy", [float("-inf")])


def test_the_server_is_quiet_once_no_page_is_on_its_way_and_none_was_made_lately(no_pages):
    now = time.monotonic()
    assert lazy.quiet(now)
    lazy._last_busy[0] = now - 0.5  # a page made or filled half a second ago
    assert not lazy.quiet(now)
    assert lazy.quiet(now + lazy.QUIET_S)
    lazy._last_busy[0] = now - 10
    fetched = _doc(None)  # a page whose browser has not connected yet (still loading the scripts)
    lazy._undrawn[1] = (now - 1.0, weakref.ref(fetched))
    assert not lazy.quiet(now)
    assert lazy.quiet(now - 1.0 + lazy.UNCONNECTED_S)  # a fetch without a browser holds nobody for long
    drawing = _doc(1)  # connected: its document is on its way, for up to MAX_WAIT_S
    lazy._undrawn[1] = (now - 10.0, weakref.ref(drawing))
    if compat.enabled("connection_count"):
        assert not lazy.quiet(now)
        assert lazy.quiet(now - 10.0 + lazy.MAX_WAIT_S)


def test_waiting_for_quiet_ends_when_told_or_at_the_latest(no_pages):
    lazy._last_busy[0] = time.monotonic() + 60  # busy for a minute
    t = time.monotonic()
    lazy.wait_quiet(lambda: True)
    assert time.monotonic() - t < 0.05, "enough() ends the wait at once"
    t = time.monotonic()
    lazy.wait_quiet(most=0.3)
    assert 0.3 <= time.monotonic() - t < 1.0
    lazy._last_busy[0] = time.monotonic() - lazy.QUIET_S
    t = time.monotonic()
    lazy.wait_quiet(most=5)
    assert time.monotonic() - t < 0.05, "a quiet server does not wait"


def test_a_page_closed_once_drawn_gets_no_rest():
    """A closed page's deferred parts are not built (compat.gone): a class closing and opening tabs pays nothing."""
    if not compat.enabled("connection_count"):
        pytest.skip("Bokeh's connection count is not in the tested versions")
    made = []
    for connections, expected in ((0, []), (1, [1])):
        doc = _doc(connections)
        compat.hold_onload(doc)
        try:
            with set_curdoc(doc):
                lazy.after_first_paint(lambda: made.append(1) or [pn.pane.Markdown("rest")])
                compat.fire_onload(doc)
            for callback in list(doc.session_callbacks):  # served: each part fills in its own next tick
                callback.callback()
            assert made == expected, f"{connections} connection(s): built {made}"
        finally:
            compat.forget_onload(doc)
            made.clear()
