"""explorer/ui/lazy.py: parts of the page made when first shown, or after the first paint."""
from __future__ import annotations

import weakref

import panel as pn
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


class _Loop:
    """A document's event loop, run by hand: the callbacks `when_quiet` schedules, and a clock."""

    def __init__(self):
        self.now, self.queue = 100.0, []

    def add_next_tick_callback(self, cb):
        self.queue.append((self.now, cb))

    def add_timeout_callback(self, cb, ms):
        self.queue.append((self.now + ms / 1000, cb))

    def run_until(self, t):
        while self.queue and min(q[0] for q in self.queue) <= t:
            due = min(self.queue, key=lambda q: q[0])
            self.queue.remove(due)
            self.now = max(self.now, due[0])
            due[1]()
        self.now = t


def test_background_work_waits_until_no_page_is_on_its_way_and_none_came_lately(monkeypatch):
    loop, ran = _Loop(), []
    monkeypatch.setattr(lazy.time, "monotonic", lambda: loop.now)
    monkeypatch.setattr(lazy, "_undrawn", {})
    monkeypatch.setattr(lazy, "_last_busy", [loop.now])  # a page made just now
    doc = Document()  # not connected: a page "on its way" for UNCONNECTED_S after it was made
    lazy._undrawn[1] = (loop.now, weakref.ref(doc))
    assert not lazy.quiet()
    lazy.when_quiet(loop, lambda: ran.append(loop.now))
    loop.run_until(100.0 + lazy.QUIET_S + 0.5)
    assert ran == []  # the page is still loading its scripts
    lazy._undrawn.clear()  # it was drawn
    loop.run_until(100.0 + lazy.UNCONNECTED_S + 1.0)
    assert len(ran) == 1 and ran[0] - 100.0 < lazy.UNCONNECTED_S + lazy.RETRY_MS / 1000 + 1e-9
    # pages made every second keep the process busy: the work still starts QUIET_MAX_S after it was asked for
    ran.clear()
    start = loop.now
    lazy.when_quiet(loop, lambda: ran.append(loop.now))
    while loop.now < start + lazy.QUIET_MAX_S + 1.0:
        lazy._last_busy[0] = loop.now
        loop.run_until(loop.now + 1.0)
    assert len(ran) == 1 and abs(ran[0] - (start + lazy.QUIET_MAX_S)) <= lazy.RETRY_MS / 1000 + 1e-9


def test_a_quiet_process_starts_background_work_on_the_next_tick(monkeypatch):
    loop, ran = _Loop(), []
    monkeypatch.setattr(lazy.time, "monotonic", lambda: loop.now)
    monkeypatch.setattr(lazy, "_undrawn", {})
    monkeypatch.setattr(lazy, "_last_busy", [loop.now - lazy.QUIET_S])
    assert lazy.quiet()
    lazy.when_quiet(loop, lambda: ran.append(loop.now))
    assert ran == []  # not inside the caller's callback: its patch goes first
    loop.run_until(loop.now)
    assert ran == [loop.now]


def test_a_page_made_then_drawn_keeps_the_process_busy_for_quiet_s_after_each(monkeypatch):
    """A served page's first paint and its rest, as after_first_paint sees them: each moment resets the lull."""
    class Request:
        arguments: dict = {}

    class Context:  # what Bokeh's document holds for a served session (weakly)
        _session, request = None, Request()

    clock = [500.0]
    monkeypatch.setattr(lazy.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(lazy, "_undrawn", {})
    monkeypatch.setattr(lazy, "_last_busy", [float("-inf")])
    doc, context = Document(), Context()
    doc._session_context = weakref.ref(context)
    compat.hold_onload(doc)
    try:
        with set_curdoc(doc):
            column = lazy.after_first_paint(lambda: [pn.pane.Markdown("controls")], "*Loading…*")
            assert not lazy.quiet()  # made just now, and on its way
            clock[0] += lazy.UNCONNECTED_S  # its browser is still loading, past the unconnected allowance
            assert lazy.quiet()
            clock[0] += 1.0
            compat.fire_onload(doc)  # drawn: the rest is built
        assert [o.object for o in column.objects] == ["controls"]
        assert not lazy.quiet()
        clock[0] += lazy.QUIET_S - 0.01
        assert not lazy.quiet()
        clock[0] += 0.02
        assert lazy.quiet()
    finally:
        compat.forget_onload(doc)
