"""Parts of the page that are built only when first shown: a new session sends less (docs/performance.md#sessions).

Every browser tab is one session, and each Bokeh model it holds costs the server time to build and send. The
rarely opened parts (the Advanced card, Export & share, Lessons, the drawing canvas) cost ~0.4 s of a ~1.2 s
session on this machine; built on first use, a class of 30 opens that much sooner. The plot's player and the
sidebar come after the plot's picture (`after_first_paint`): what a visitor sees first is sent first.
"""
from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from contextlib import nullcontext

import panel as pn

from explorer.ui.compat import connected, quick_build


def lazy_card(title: str, factory: Callable[[], object], **kw) -> pn.Card:
    """A collapsed Card whose content `factory()` is made the first time it is opened."""
    card = pn.Card(title=title, collapsed=True, **kw)

    def fill(*_):
        if not card.collapsed and not card.objects:
            card.objects = [factory()]

    card.param.watch(fill, "collapsed")
    return card


# A class opening the link at once: every page's plot first, then the controls. A page's rest waits while another
# page of this process is still on its way to being drawn: its websocket connected (its document is being sent or
# drawn), or made less than UNCONNECTED_S ago (its browser is still loading the scripts). A page fetched without
# a browser (a health check, curl) thus holds the others for UNCONNECTED_S at most, a tab that never reports
# "drawn" for MAX_WAIT_S, and a closed one not at all.
RETRY_MS = 200
UNCONNECTED_S = 3.0
MAX_WAIT_S = 20.0
_undrawn: dict[int, tuple[float, weakref.ref]] = {}  # first paints not yet drawn: id -> (made, its document)


def _on_its_way(made: float, doc_ref: weakref.ref, now: float, mine) -> bool:
    """Another page's first paint still on its way (a page's own deferred parts never hold each other)."""
    other = doc_ref()
    return other is not mine and now - made < (MAX_WAIT_S if connected(other) else UNCONNECTED_S)


def after_first_paint(factory: Callable[[], list], placeholder: str = "", **kw) -> pn.Column:
    """A Column that shows `placeholder` (one line of Markdown; none if empty) until the browser has drawn the
    page, then the objects `factory()` returns (Panel's onload; at once outside a server). The first document a
    new session sends is what a visitor looks at first, the plot's picture; the rest comes in the next patches,
    in the order they were made, once no other page of the process is on its way to its first paint
    (docs/performance.md#first-page)."""
    column = pn.Column(*([pn.pane.Markdown(placeholder, margin=(5, 10))] if placeholder else []), **kw)
    key, doc = id(column), pn.state.curdoc
    served = doc is not None and doc.session_context is not None
    if served:
        _undrawn[key] = (time.monotonic(), weakref.ref(doc))
        pn.state.on_session_destroyed(lambda _ctx: _undrawn.pop(key, None))

    def fill() -> None:
        _undrawn.pop(key, None)
        now = time.monotonic()
        if served and any(_on_its_way(made, ref, now, doc) for made, ref in list(_undrawn.values())):
            doc.add_timeout_callback(fill, RETRY_MS)
            return
        with quick_build() if served else nullcontext():  # as app.py builds the first paint; the views'
            column.objects = list(factory())  # tests, outside a server, build them with validation on

    pn.state.onload(fill)
    return column


def lazy_column(factory: Callable[[], object], shown: bool, **kw) -> pn.Column:
    """A Column that holds `factory()` once `show()` has been called (or at once if `shown`)."""
    column = pn.Column(visible=shown, **kw)

    def show(visible: bool = True) -> None:
        if visible and not column.objects:
            column.objects = [factory()]
        column.visible = visible

    column.show = show  # type: ignore[attr-defined]
    if shown:
        show(True)
    return column


def lazy_visible(obj, **kw) -> pn.Column:
    """A Column that holds `obj` from the first time `obj.visible` is True, and shows it while it is: a part
    of the page hidden until the user asks for it (a sampler's knob, the guidance controls) costs a new
    session one empty Column instead of its Bokeh models. Set `obj.visible` as before; this follows it."""
    holder = pn.Column(margin=0, **kw)

    def follow(*_):
        if obj.visible and not holder.objects:
            holder.objects = [obj]
        holder.visible = obj.visible

    obj.param.watch(follow, "visible")
    follow()
    return holder
