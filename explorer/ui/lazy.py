"""Parts of the page that are built only when first shown: a new session sends less (docs/performance.md#sessions).

Every browser tab is one session, and each Bokeh model it holds costs the server time to build and send. The
rarely opened parts (the Advanced card, Export & share, Lessons, the drawing canvas) cost ~0.4 s of a ~1.2 s
session on this machine; built on first use, a class of 30 opens that much sooner.
"""
from __future__ import annotations

from collections.abc import Callable

import panel as pn


def lazy_card(title: str, factory: Callable[[], object], **kw) -> pn.Card:
    """A collapsed Card whose content `factory()` is made the first time it is opened."""
    card = pn.Card(title=title, collapsed=True, **kw)

    def fill(*_):
        if not card.collapsed and not card.objects:
            card.objects = [factory()]

    card.param.watch(fill, "collapsed")
    return card


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
