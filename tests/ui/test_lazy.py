"""explorer/ui/lazy.py: parts of the page made when first shown, or after the first paint."""
from __future__ import annotations

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
