"""The setup in the address bar: `?dataset=moons&sampler=ddim&eta=0.5` opens the page on that setup, and
every change in the sidebar rewrites the address, so sharing the link shares the setup.

    sync_url(state)   # in a served session, after the dashboard is built (app.py's create_app)

Panel's `pn.state.location.sync` does the two-way mirroring. It applies the URL's values in one batch,
so a single bad value (`?eta=banana`) would make it drop every good one too: the URL is therefore read
here first, value by value (`parse_setup`, no Panel), good values applied, numbers out of range clamped,
the rest ignored with one message in `state.error`. Only then is the URL handed to `sync`, rewritten with
the clean values. A drawing is not in the URL (it travels as a CSV): `dataset=drawn` falls back to the
default dataset with a status line.
"""
from __future__ import annotations

import html
import math
import urllib.parse

import param

from explorer.ui.plot.layers import layer_params
from explorer.ui.session.choices import knob_names
from explorer.ui.session.state import DRAWN, ExplorerState

# The state's parameters that make up a shareable setup; the query key is the parameter's name. The
# sampler knobs (eta, noise, ...) come from the registered samplers: url_params() adds them.
SETUP_PARAMS = ("dataset", "train_points", "objective", "schedule", "sampler", "grid", "sample_steps", "n_samples",
                "sample_seed", "width", "depth", "lr", "batch_size", "train_steps", "seed", "fourier_features")


def url_params() -> tuple[str, ...]:
    """Every parameter of a shareable setup: SETUP_PARAMS, the registered sampler knobs, the plot layers' toggles
    (explorer/ui/plot/layers.py) and the shown tab (explorer/ui/tabs.py)."""
    return SETUP_PARAMS[:6] + tuple(knob_names()) + SETUP_PARAMS[6:] + tuple(layer_params()) + ("tab",)
HINT = "The address bar holds this setup: share the link."
MAX_SHOWN_CHARS = 30  # a bad value is quoted in the message at most this long (escaped: links are untrusted)
MAX_QUERY_CHARS = 4000  # a longer query string is not a setup someone shared: it is ignored


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
    if isinstance(p, param.Selector):
        if raw in p.objects:
            return raw, None
        choices = ", ".join(str(o) for o in p.objects if o != DRAWN)
        return None, f"{name}={_quote(raw)} is not one of {choices}"
    if isinstance(p, param.Boolean):  # a layer's toggle: ?show_density=true
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true", None
        return None, f"{name}={_quote(raw)} is not true or false"
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


def parse_setup(search: str, params=None) -> tuple[dict, list[str]]:
    """Read a query string ("?a=1&b=2") into ({parameter: valid value}, [notes]). No Panel, no state change.

    Unknown keys are left alone (other parts of a page may use them); for a repeated key the last wins.
    `dataset=drawn` comes back as it is: the caller decides what a link without its drawing shows.
    """
    search = search or ""
    if len(search) > MAX_QUERY_CHARS:
        return {}, [f"the link's setup is longer than {MAX_QUERY_CHARS} characters and was ignored"]
    raw = dict(urllib.parse.parse_qsl(search.lstrip("?"), keep_blank_values=True))
    values, notes = {}, []
    for name in params or url_params():
        if name not in raw:
            continue
        value, note = coerce(ExplorerState.param[name], name, raw[name])
        if value is not None:
            values[name] = value
        if note:
            notes.append(note)
    return values, notes


def apply_setup(state: ExplorerState, search: str) -> list[str]:
    """Apply a query string to `state`: the good values in one batch (a dataset first, alone: it loads its
    pretrained model); `dataset=drawn` falls back to the default set with a status line unless the page
    shows a drawing already. Returns the notes about what was clamped or ignored (for `report`)."""
    values, notes = parse_setup(search)
    drawn = values.get("dataset") == DRAWN
    if drawn:
        del values["dataset"]
        drawn = state.dataset != DRAWN  # (a page showing a drawing has `dataset=drawn` in its own URL)
        if drawn:
            values["dataset"] = ExplorerState.param.dataset.default
    wanted = dict(values)
    values = {k: v for k, v in values.items() if getattr(state, k) != v}
    if "dataset" in values:
        state.dataset = values.pop("dataset")
    if values:
        state.param.update(**values)
        for name, value in wanted.items():  # e.g. an objective that cannot train on the schedule: one moved
            if getattr(state, name) != value:
                notes.append(f"{name}={_quote(str(value))} does not fit the rest of the setup: using "
                             f"{name}={_quote(str(getattr(state, name)))}")
    if drawn:
        state.status = DRAWN_STATUS.format(state.dataset)
    return notes


DRAWN_STATUS = ("A drawing cannot travel in a link, so this page shows the {} set. To share a drawing, "
                "download its CSV (Draw, then Download CSV) and send the file.")


def report(state: ExplorerState, notes: list[str]) -> None:
    if notes:
        state.error = "Some of the link's settings were not used: " + "; ".join(notes) + "."


class _DatasetLink(param.Parameterized):
    dataset = param.Selector(default=ExplorerState.param.dataset.default,
                             objects=[d for d in ExplorerState.param.dataset.objects if d != DRAWN])


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
    # What the link got wrong is told once the page is up (a notification raised while the session is
    # being built never reaches the page): when the page first sends its address back, or on load.
    shown = {location.search}  # the addresses the page opened with or was given by us: no news in them
    pending = [_apply_and_clean(state, location)]
    shown.add(location.search)

    def tell(*_):
        if pending:
            report(state, pending.pop())

    def on_error(_bad):  # `sync` applies a URL in one batch and gave up: apply it value by value
        news = location.search not in shown  # e.g. the page sending back the link it opened with is not
        notes = _apply_and_clean(state, location)
        shown.add(location.search)
        if news:
            report(state, notes)

    location.sync(state, {name: name for name in url_params() if name != "dataset"}, on_error=on_error)
    # The dataset goes through a stand-in that knows only the built-in sets: `sync` would switch the page to
    # an empty drawing on `dataset=drawn`; with the stand-in that is an error, handled value by value above.
    _DatasetLink.param.dataset.objects = [d for d in ExplorerState.param.dataset.objects if d != DRAWN]  # as now
    link = _DatasetLink(dataset=state.dataset if state.dataset != DRAWN else _DatasetLink.param.dataset.default)
    link.param.watch(lambda e: setattr(state, "dataset", e.new), "dataset")

    def follow(event):
        if event.new == DRAWN:
            location.update_query(dataset=DRAWN)  # so the link's recipient learns why it shows a built-in set
        else:
            link.dataset = event.new

    state.param.watch(follow, "dataset")
    location.sync(link, {"dataset": "dataset"}, on_error=on_error)
    location.param.watch(tell, "search")
    doc = pn.state.curdoc
    if served and doc is not None:
        pn.state.onload(tell)
        doc.add_next_tick_callback(lambda: follow_in_address_bar(doc))  # by then the page holds the location
    else:
        tell()
    return True


# Panel's Location writes a new URL only once the page's document is idle (every view drawn); a view that
# never reports "drawn" would keep the old URL in the address bar forever. This writes it at once, and with
# replaceState, so Back leaves the page instead of undoing slider moves one by one.
REPLACE_URL_JS = """
const url = cb_obj.pathname + cb_obj.search + cb_obj.hash
if (window.location.pathname + window.location.search + window.location.hash !== url)
  window.history.replaceState(window.history.state, "", url)
"""


def follow_in_address_bar(doc) -> None:
    """Have the browser show every change of the location model's query at once (once per document). app.py
    calls it while the page goes into its frozen document, where it costs no extra walk of the models."""
    from bokeh.models import CustomJS

    model = doc.get_model_by_name("location")
    if model is None or any(getattr(cb, "code", None) == REPLACE_URL_JS
                            for cb in model.js_property_callbacks.get("change:search", [])):
        return
    model.js_on_change("search", CustomJS(code=REPLACE_URL_JS))


def _apply_and_clean(state: ExplorerState, location) -> list[str]:
    """Apply the URL value by value, then write the clean values back, so that `sync` (which applies a
    URL in one batch) finds nothing left to apply. Returns the notes for `report`."""
    notes = apply_setup(state, location.search)
    location.update_query(**{name: str(getattr(state, name)) for name in url_params()})
    return notes
