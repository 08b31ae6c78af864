"""The setup in the address bar: `?dataset=moons&sampler=ddim&eta=0.5` opens the page on that setup, and
every change in the sidebar rewrites the address, so sharing the link shares the setup.

    sync_url(state)   # in a served session, after the dashboard is built (app.py's create_app)

The keys are the settings of the state's parts marked SHARED (part.py: Setup and Sampling, with every
sampler knob), named as their parameters: a new setting travels with no code here. A link is read value by
value (`parse_setup`, no Panel): good values are applied, numbers out of range clamped, the rest ignored, and
an unknown key named, all in one message in `state.error`. The parts are applied in order, each checked
against the session as the earlier ones left it: the classes one may ask for (`label`) are the data's, the
snapshots one may guide with (`guide`) the model's. A drawing is not in the URL (it travels as a CSV):
`dataset=drawn` falls back to the default dataset with a status line.

Every change replaces the page's history entry (`history.replaceState`), never adds one: Back leaves the page
instead of undoing settings one by one, and the address bar never shows another setup than the page.
Panel's own Location would push an entry per change, so the server writes the address through the location
model's `tags` (REPLACE_URL_JS) and keeps `location.search` in step without Panel's push.
"""
from __future__ import annotations

import difflib
import html
import math
import urllib.parse

import param

from explorer.ui.session.state import DRAWN, ExplorerState

# Keys of the address that other parts of the page read: a lesson link (app.py, lesson_state.py), the shown tab
# and time, and Panel's light/dark theme. Bokeh's own start with "bokeh-".
OTHER_KEYS = ("lesson", "step", "tab", "time", "theme")
HINT = "The address bar holds this setup: share the link."
MAX_SHOWN_CHARS = 30  # a bad value is quoted in the message at most this long (escaped: links are untrusted)
MAX_QUERY_CHARS = 4000  # a longer query string is not a setup someone shared: it is ignored


def shared_parts(state=ExplorerState) -> dict[str, param.Parameterized]:
    """{attribute: part} of the parts whose settings travel in the link, in the order they are applied (of a
    state instance the parts themselves, of the class the part classes)."""
    cls = state if isinstance(state, type) else type(state)
    return {attr: (part if isinstance(state, type) else getattr(state, attr))
            for attr, part in cls._parts.items() if part.SHARED}


def url_params(state=ExplorerState) -> tuple[str, ...]:
    """Every setting of a shareable setup: the parameters of the SHARED parts, sampler knobs included."""
    return tuple(name for part in shared_parts(state).values() for name in part.link_names())


TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def text(value, p: param.Parameter | None = None) -> str:
    """A setting's value as the address writes it (and `coerce` reads it back): `guidance=3.0` even if a
    widget set the number 3."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(p, param.Number) and not isinstance(p, param.Integer) and isinstance(value, int):
        return str(float(value))
    return str(value)


def _quote(raw: str) -> str:
    text = raw if len(raw) <= MAX_SHOWN_CHARS else raw[:MAX_SHOWN_CHARS] + "..."
    return "'" + html.escape(text, quote=False) + "'"


def _number(raw: str, integer: bool) -> float | int:
    value = float(raw)  # ValueError for words; "nan", "inf" and "1e999" are caught just below
    if not math.isfinite(value):
        raise ValueError("not finite")
    if integer:
        if value != int(value):
            raise ValueError("not whole")
        return int(value)
    return value


def coerce(p: param.Parameter, name: str, raw: str) -> tuple[object | None, str | None]:
    """(value, note) for one query value: (value, None) if fine, (clamped, note), or (None, why ignored)."""
    if isinstance(p, param.Boolean):
        word = raw.strip().lower()
        if word in TRUE + FALSE:
            return word in TRUE, None
        return None, f"{name}={_quote(raw)} is not true or false"
    if isinstance(p, param.Selector):
        if raw in p.objects:
            return raw, None
        # Written as a person would: any case, `_` for a space, or a choice's label (a Selector whose objects
        # are {label: value}, such as the tabs: ?tab=Densities or ?tab=paths_not_taken).
        wanted = raw.replace("_", " ").strip().lower()
        spelled = {str(o).lower(): o for o in p.objects} | {k.lower(): v for k, v in (p.names or {}).items()}
        if wanted in spelled and spelled[wanted] != DRAWN:
            return spelled[wanted], None
        choices = ", ".join(str(o) for o in p.objects if o != DRAWN)
        return None, f"{name}={_quote(raw)} is not one of {choices}"
    if isinstance(p, param.Number):  # Integer is a Number
        integer = isinstance(p, param.Integer)
        try:
            value = _number(raw.strip(), integer)
        except (ValueError, OverflowError):
            return None, f"{name}={_quote(raw)} is not a {'whole ' if integer else ''}number"
        low, high = p.bounds or (None, None)
        if low is not None and value < low:
            return low, f"{name}={_quote(raw)} is below {low}: using {low}"
        if high is not None and value > high:
            return high, f"{name}={_quote(raw)} is above {high}: using {high}"
        return value, None
    return None, f"{name} cannot be set from a link"


def _query(search: str) -> tuple[dict[str, str], list[str]]:
    """The query string's {key: raw value} (for a repeated key the last wins), or {} and a note if too long."""
    search = search or ""
    if len(search) > MAX_QUERY_CHARS:
        return {}, [f"the link's setup is longer than {MAX_QUERY_CHARS} characters and was ignored"]
    return dict(urllib.parse.parse_qsl(search.lstrip("?"), keep_blank_values=True)), []


def known(key: str, names) -> bool:
    return key in names or key in OTHER_KEYS or key.startswith("bokeh-")


def unknown_notes(raw: dict, state=ExplorerState) -> list[str]:
    """One note per key that is neither a setting nor used elsewhere by the page, with what it may have meant."""
    names = url_params(state)
    notes = []
    for key in raw:
        if known(key, names):
            continue
        lower = key.lower()
        like = [n for n in names if lower in n.split("_")] or difflib.get_close_matches(lower, names, n=2, cutoff=0.7)
        hint = f" (did you mean {' or '.join(like)}?)" if like else ""
        notes.append(f"{_quote(key)} is not a setting of this page{hint}")
    return notes


def _parse(raw: dict, owner, names) -> tuple[dict, list[str]]:
    values, notes = {}, []
    for name in names:
        if name not in raw:
            continue
        value, note = coerce(owner.param[name], name, raw[name])
        if value is not None:
            values[name] = value
        if note:
            notes.append(note)
    return values, notes


def parse_setup(search: str, params=None) -> tuple[dict, list[str]]:
    """Read a query string ("?a=1&b=2") into ({setting: valid value}, [notes]). No Panel, no state change.

    Values are checked against the settings' declarations (the menus of a new session: `label` and `guide`
    offer more once a session has classes and snapshots, see apply_setup). Without `params`, a key that is
    neither a setting nor one of OTHER_KEYS gets a note. `dataset=drawn` comes back as it is: the caller decides
    what a link without its drawing shows.
    """
    raw, notes = _query(search)
    values, more = _parse(raw, ExplorerState, url_params() if params is None else params)
    return values, notes + more + (unknown_notes(raw) if params is None else [])


def apply_setup(state: ExplorerState, search: str) -> list[str]:
    """Apply a query string to `state`, part by part (Setup, then Sampling: the classes and snapshots the
    second may name come with the first), each part's good values in one batch. `dataset=drawn` falls back to
    the default set with a status line unless the page shows a drawing already. Returns the notes about what
    was clamped, ignored, unknown or moved (for `report`)."""
    raw, notes = _query(search)
    drawn = False
    if raw.get("dataset") == DRAWN:
        drawn = state.setup.dataset != DRAWN  # (a page showing a drawing has `dataset=drawn` in its own URL)
        raw = {k: v for k, v in raw.items() if k != "dataset"}
        if drawn:
            raw["dataset"] = state.setup.param.dataset.default
    for part in shared_parts(state).values():
        wanted, more = _parse(raw, part, part.link_names())
        notes += more
        changes = {k: v for k, v in wanted.items() if getattr(part, k) != v}
        if changes:
            state._link_names = tuple(wanted)  # e.g. the steps a link names stay, whatever sampler it names
            try:
                part.param.update(**changes)
            finally:
                state._link_names = ()
        for name, value in wanted.items():  # e.g. an objective that cannot train on the schedule: one moved
            if getattr(part, name) != value:
                notes.append(f"{name}={_quote(text(value))} does not fit the rest of the setup: using "
                             f"{name}={_quote(text(getattr(part, name)))}")
    if drawn:
        state.status = DRAWN_STATUS.format(state.setup.dataset)
    return notes + unknown_notes(raw, state)


def setup_query(state: ExplorerState, search: str = "") -> str:
    """The address's query for `state`'s setup: every shared setting, after the keys of `search` that other
    parts of the page use (lesson, tab, theme...). Unknown keys are left out (they were reported)."""
    raw, names = _query(search)[0], url_params(state)
    others = {k: v for k, v in raw.items() if known(k, names) and k not in names}
    setup = {name: text(getattr(part, name), part.param[name])
             for part in shared_parts(state).values() for name in part.link_names()}
    return "?" + urllib.parse.urlencode({**others, **setup})


DRAWN_STATUS = ("A drawing cannot travel in a link, so this page shows the {} set. To share a drawing, "
                "download its CSV (Draw, then Download CSV) and send the file.")


def report(state: ExplorerState, notes: list[str]) -> None:
    if notes:
        state.error = "Some of the link's settings were not used: " + "; ".join(notes) + "."


def sync_url(state: ExplorerState, location=None) -> bool:
    """Open the page on the URL's setup and keep the URL in step with the state from now on.

    Call once per served session after the dashboard is built. `location` defaults to
    `pn.state.location`; where there is none (a notebook, a script) nothing happens and False is returned.
    """
    import panel as pn  # only here: the parsing above works without Panel

    served = location is None
    location = pn.state.location if served else location
    if location is None:
        return False
    doc = pn.state.curdoc if served else None
    # What the link got wrong is told once the page is up (a notification raised while the session is
    # being built never reaches the page): when the page first sends its address back, or on load.
    shown = {location.search}  # the addresses the page opened with or was given by us: no news in them
    pending = [apply_setup(state, location.search)]

    def write(*_):
        replace_query(location, setup_query(state, location.search), doc)
        shown.add(location.search)

    def tell(*_):
        if pending:
            report(state, pending.pop())

    def on_search(event):  # the page sent an address: the one it opened with, or (rarely) a new one
        if event.new in shown:
            write()  # the address it opened with may hold what was cleaned since
            tell()
            return
        notes = apply_setup(state, event.new)
        write()
        report(state, notes)

    write()
    for part in shared_parts(state).values():  # after the part's other watchers (the views': through the mirror)
        part.param.watch(write, part.link_names(), precedence=1)
    location.param.watch(on_search, "search")
    if served and doc is not None:
        pn.state.onload(tell)
        doc.add_next_tick_callback(lambda: follow_in_address_bar(doc))  # by then the page holds the location
    else:
        tell()
    return True


def replace_query(location, search: str, doc=None) -> None:
    """Put `search` in the page's address, replacing its history entry. The server's `location.search` follows
    without telling Panel, which would push a history entry; the page gets it through the location model's
    `tags` (follow_in_address_bar). Anything that writes the address should come here (app.py's theme does)."""
    if search == location.search:
        return
    with param.parameterized.discard_events(location):
        location.search = search
    model = doc.get_model_by_name("location") if doc is not None else None
    if model is None:
        return
    if getattr(doc, "session_context", None) is None:  # a document outside a server (a notebook, a test)
        model.tags = [search]
        return
    # In a served session, through the document's queue, never in place: a setting can change outside the
    # document's lock (a watcher run from a thread, or while Panel dispatches a change), and Bokeh then refuses the
    # write with a RuntimeError and the session stops answering (seen once after an Inside -> Explore round trip).
    # Bokeh's add_next_tick_callback may be called from any thread; the page follows a tick later.
    try:
        doc.add_next_tick_callback(lambda: _show_query(model, search))
    except Exception:  # noqa: BLE001 - the session is closing: there is no page to follow the address
        pass


def _show_query(model, search: str) -> None:
    if model.tags != [search]:
        model.tags = [search]


def replace_keys(location, doc=None, **keys) -> None:
    """Set some keys of the page's address (`theme="dark"`), replacing its history entry (replace_query)."""
    raw, _ = _query(location.search)
    replace_query(location, "?" + urllib.parse.urlencode({**raw, **{k: str(v) for k, v in keys.items()}}), doc)


# Runs in the page on a change of the location model's `tags` (the server's new query) and once the document is
# ready (the link cleaned while the session was built): the address follows at once, replacing the entry.
REPLACE_URL_JS = """
const search = loc.tags.length ? loc.tags[0] : null
if (typeof search === "string") {
  const url = window.location.pathname + search + window.location.hash
  if (window.location.pathname + window.location.search + window.location.hash !== url)
    window.history.replaceState(window.history.state, "", url)
}
"""


def follow_in_address_bar(doc) -> None:
    """Have the browser show every query the server writes (replace_query) at once, replacing the history
    entry (once per document). app.py calls it while the page goes into its frozen document, where it costs no
    extra walk of the models."""
    import panel as pn
    from bokeh.models import CustomJS

    model = doc.get_model_by_name("location")
    if model is None or any(getattr(cb, "code", None) == REPLACE_URL_JS
                            for cb in model.js_property_callbacks.get("change:tags", [])):
        return
    location = pn.state.location
    if location is not None and location.search:
        model.tags = [location.search]
    model.js_on_change("tags", CustomJS(args={"loc": model}, code=REPLACE_URL_JS))
    doc.js_on_event("document_ready", CustomJS(args={"loc": model}, code=REPLACE_URL_JS))
