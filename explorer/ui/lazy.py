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

from explorer.ui.compat import connected, gone, quick_build


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
# Background work that can wait (torch's import and the first page's model, ~5 s of CPU, much of it holding Python's
# lock) waits until the process is quiet: no page on its way, and none made or filled in the last QUIET_S. Pages
# opened one after another (a class following a link) are then not slowed by it; a visitor who needs the model sooner
# says so (first_run.FirstRun.wait), and QUIET_MAX_S bounds the wait when pages never stop coming.
QUIET_S = 1.5
QUIET_MAX_S = 30.0
POLL_S = 0.1
_last_busy = [float("-inf")]  # when a page of this process was last made or filled (time.monotonic)


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
        _last_busy[0] = time.monotonic()
        _undrawn[key] = (_last_busy[0], weakref.ref(doc))
        pn.state.on_session_destroyed(lambda _ctx: _undrawn.pop(key, None))

    def fill() -> None:
        _undrawn.pop(key, None)
        if served and gone(doc):  # closed since it was drawn: nobody will see the rest
            return
        now = time.monotonic()
        if served and any(_on_its_way(made, ref, now, doc) for made, ref in list(_undrawn.values())):
            doc.add_timeout_callback(fill, RETRY_MS)
            return
        with quick_build() if served else nullcontext():  # as app.py builds the first paint; the views'
            column.objects = list(factory())  # tests, outside a server, build them with validation on
        if served:
            _last_busy[0] = time.monotonic()

    # Served, each part fills in its own tick, so it goes to the page in its own patch: the plot's player does not
    # wait for the sidebar's build (Panel runs a page's onload callbacks in one go, and Bokeh sends their changes
    # together when the last one returns).
    pn.state.onload((lambda: doc.add_next_tick_callback(fill)) if served else fill)
    return column


def quiet(now: float | None = None) -> bool:
    """True when no page of this process is on its way to its first paint, and none was made or filled in the
    last QUIET_S seconds."""
    now = time.monotonic() if now is None else now
    return now - _last_busy[0] >= QUIET_S and not any(
        _on_its_way(made, ref, now, None) for made, ref in list(_undrawn.values()))


def wait_quiet(enough: Callable[[], bool] = lambda: False, most: float = QUIET_MAX_S) -> None:
    """Block the calling thread (a background one, never the server's) until the process is `quiet()`, `enough()`
    says to go on (the model is needed now, the job was stopped), or `most` seconds have passed."""
    end = time.monotonic() + most
    while not (quiet() or enough()) and time.monotonic() < end:
        time.sleep(POLL_S)


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
