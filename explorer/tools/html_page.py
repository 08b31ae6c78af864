"""A run as one self-contained interactive HTML page: the plot, a time slider, play and loop, the trajectories,
the density layer and the training data as a grey ghost, each sample in its class's colour.

    import explorer as dx
    dx.export.render_html(run, "run.html", data=points)      # post it anywhere: it opens from file://
    dx.show(run, data=points)                                 # the same page in a notebook, no kernel needed

The page is a standalone Bokeh document with Bokeh's JavaScript inlined (`file_html` with `INLINE` resources:
Bokeh alone, no Panel, drawn on a canvas so the WebGL bundle stays out), so it needs no server and no network.
The frames travel once, as a run file (runfile.py: float32 arrays in base64) decoded in the page; the slider,
play and loop then run in the page alone (html_page_js.py). 1000 samples x 50 steps make a page of about 3.6 MB
(bench/bench_export.py prints it; docs/performance.md#run-files).
"""
from __future__ import annotations

import html
from pathlib import Path

from explorer.core.errors import ExplorerError
from explorer.tools.export import check_output
from explorer.tools.html_page_js import DRAW_JS, PLAY_JS, READY_JS
from explorer.tools.look import COLORS, density_palette, style_figure
from explorer.tools.runfile import RunFile, pack_run

PLOT_PX = 480  # the plot's square frame
TRAIL_SAMPLES = 150  # trajectories drawn for this many samples (the dashboard's tails: ui/plot/layer_specs.py)
SWEEP_MS, HOLD_MS = 4000, 800  # one noise -> data sweep of Play, and the rest on the data before a loop
SUFFIXES = (".html", ".htm")
LAYERS = ("Trajectories", "Density", "Training data")  # the page's toggles
DEFAULT_LAYERS = ("Trajectories", "Training data")  # as the dashboard opens: no density until asked for


def build_page(packed: RunFile, title: str = "Diffusion Explorer run", layers=DEFAULT_LAYERS):
    """The page's Bokeh layout for a packed run (all of its data rides in one CustomJS as the run file's text)."""
    from bokeh.document import Document
    from bokeh.layouts import column, row
    from bokeh.models import (
        CheckboxGroup,
        ColumnDataSource,
        CustomJS,
        Div,
        Label,
        LinearColorMapper,
        Slider,
        Toggle,
    )
    from bokeh.plotting import figure

    meta, box = packed.meta, packed.meta["bounds"]
    unknown = [name for name in layers if name not in LAYERS]
    if unknown:
        raise ExplorerError(f"unknown layer(s) {', '.join(map(repr, unknown))}; the page has {', '.join(LAYERS)}")
    fig = figure(x_range=tuple(box[:2]), y_range=tuple(box[2:]), frame_width=PLOT_PX, frame_height=PLOT_PX,
                 match_aspect=True, output_backend="canvas", tools="pan,wheel_zoom,reset,save",
                 toolbar_location="right", min_border=4, name="run_plot")
    style_figure(fig)
    density = fig.image(image="image", x="x", y="y", dw="dw", dh="dh", name="density",
                        source=ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []}),
                        color_mapper=LinearColorMapper(palette=density_palette(), low=meta.get(
                            "density_levels", [0.03])[0], high=1.0, low_color="#00000000"))
    contours = [fig.line("x", "y", source=ColumnDataSource({"x": [], "y": []}), color=COLORS["density"],
                         alpha=0.45 + 0.1 * j, line_width=1.0 + 0.25 * j, name=f"contour_{j}")
                for j in range(len(meta.get("density_levels", [])))]
    ghost = fig.scatter("x", "y", source=ColumnDataSource({"x": [], "y": []}, name="ghost_source"), size=3.5,
                        color=COLORS["ghost"], alpha=0.3, name="ghost")
    trails = fig.line("x", "y", source=ColumnDataSource({"x": [], "y": []}, name="trails_source"),
                      color=COLORS["tails"], alpha=0.3, line_width=1.0, name="trails")
    palette = list(meta.get("class_colors") or []) or [COLORS["samples"]]
    colour = LinearColorMapper(palette=palette, low=-0.5, high=len(palette) - 0.5, nan_color=COLORS["samples"])
    samples = ColumnDataSource({"x": [], "y": [], "c": []}, name="samples_source")
    fig.scatter("x", "y", source=samples, size=4, alpha=0.72, line_color=None, name="samples",
                color={"field": "c", "transform": colour})
    label = Label(x=10, y=10, x_units="screen", y_units="screen", text="", text_font_size="15px",
                  text_color="#3c4043", background_fill_color="white", background_fill_alpha=0.8)
    fig.add_layout(label)

    end = packed.frames - 1
    slider = Slider(start=0, end=max(end, 1e-9), value=end, step=min(0.01, max(end, 1e-9)), show_value=False,
                    title="Time (noise → data)", sizing_mode="stretch_width", name="time", disabled=end == 0)
    play = Toggle(label="▶ Play", active=False, width=90, name="play", button_type="primary")
    loop = CheckboxGroup(labels=["Loop"], active=[0], name="loop", inline=True)
    shown = CheckboxGroup(labels=list(LAYERS), active=[LAYERS.index(n) for n in layers], inline=True, name="layers")
    store = ColumnDataSource({}, name="store")
    args = dict(store=store, samples=samples, label=label, slider=slider, layers=shown, trails=trails,
                density=density, contours=contours, ghost=ghost)
    slider.js_on_change("value", CustomJS(args=args, code=DRAW_JS))
    shown.js_on_change("active", CustomJS(args=args, code=DRAW_JS))
    play.js_on_change("active", CustomJS(args=dict(args, play=play, loop=loop, sweep_ms=SWEEP_MS, hold_ms=HOLD_MS),
                                         code=PLAY_JS))
    heading = Div(text=f"<b>{html.escape(title)}</b>", name="title", margin=(4, 10, 0, 10))
    caption = Div(text=_caption(meta), width=PLOT_PX + 40, name="caption", styles={"color": "#5f6368"},
                  margin=(4, 10, 0, 10))
    page = column(heading, fig, row(play, slider, sizing_mode="stretch_width"), row(loop, shown), caption)
    doc = Document(title=title)
    doc.add_root(page)
    doc.js_on_event("document_ready", CustomJS(
        args=dict(args, packed=packed.to_json(), trail_samples=TRAIL_SAMPLES), code=READY_JS))
    return doc


def _caption(meta: dict) -> str:
    parts = [f"{meta['n']} samples" + (f", {html.escape(meta['settings'])}" if meta.get("settings") else ""),
             "t = 1 is the noise, t = 0 the data; grey: the training data"]
    names, colours = meta.get("class_names") or [], meta.get("class_colors") or []
    if names:
        swatches = ", ".join(f'<span style="color:{html.escape(c)}">●</span> {html.escape(str(name))}'
                             for name, c in zip(names, colours, strict=False))
        parts.append(f"classes: {swatches}")
    return ". ".join(parts) + ". Made with 2D Diffusion Explorer."


# Bokeh's page template, with its script tags replaced by Bokeh's own code inline (see page_html)
_TEMPLATE = """{% extends "file.html.jinja" %}
{% block css_resources %}{% endblock %}
{% block js_resources %}{% for js in page_js %}<script type="text/javascript">
{{ js }}
</script>
{% endfor %}{% endblock %}"""


def page_html(run, data=None, *, title: str = "Diffusion Explorer run", layers=DEFAULT_LAYERS, **pack) -> str:
    """The page's HTML text for `run` (see :func:`render_html` for the arguments).

    Bokeh's `file_html` with its code inline, the core and the widgets only (the page draws on a canvas, so not
    the WebGL bundle). The template writes that code itself rather than Bokeh's resource tags: those also list
    the script addresses that other packages' models declare (Panel's, once Panel is imported, as in the
    served app), which a page opened from file:// could not load.
    """
    from bokeh.core.templates import get_env
    from bokeh.embed import file_html
    from bokeh.resources import INLINE, Resources

    packed = run if isinstance(run, RunFile) else pack_run(run, data, title=title, **pack)
    inline = Resources(mode="inline", components=["bokeh", "bokeh-widgets"])
    return file_html(build_page(packed, title, layers), INLINE, title, template=get_env().from_string(_TEMPLATE),
                     template_variables={"page_js": inline.js_raw})


def render_html(run, path, data=None, *, title: str = "Diffusion Explorer run", layers=DEFAULT_LAYERS,
                labels=None, class_names=(), class_colors=None, density: bool = True, max_frames: int = 101,
                bounds=None) -> Path:
    """Write `run` as one self-contained interactive page at `path` (.html or .htm); returns the path.

    The page shows the plot with a time slider, Play and Loop, and toggles for the trajectories, the density of
    the samples and `data` (the training points, drawn as a grey ghost). It inlines Bokeh's JavaScript and
    carries at most `max_frames` evenly spaced frames as float32 binary, so it opens from file:// with no
    network. `labels` (one class per sample) with `class_names` draws each sample in its class's colour (the
    dashboard's, or `class_colors`); `layers` are the toggles on at the start; `density=False` leaves the
    density out (a smaller file). `run` may also be a packed :class:`~explorer.tools.runfile.RunFile`.
    """
    out = check_output(path, SUFFIXES, "an interactive page")
    text = page_html(run, data, title=title, layers=layers, labels=labels, class_names=class_names,
                     class_colors=class_colors, density=density, max_frames=max_frames, bounds=bounds)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ExplorerError(f"could not write {str(out)!r}: {err.strerror or err}") from None
    return out


class RunPage:
    """The page of a run in a notebook: shown in an iframe holding the whole page, so the output keeps working
    without a kernel (a saved notebook on nbviewer, an exported HTML notebook). ``.html`` is the page's text."""

    HEIGHT_PX = 640

    def __init__(self, text: str):
        self.html = text

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width: 100%; max-width: 600px; '
                f'height: {self.HEIGHT_PX}px; border: 0" title="Diffusion Explorer run" '
                f'sandbox="allow-scripts allow-downloads"></iframe>')

    def save(self, path) -> Path:
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out


def show(run, data=None, **options) -> RunPage:
    """`run` as the interactive page of :func:`render_html`, for a notebook cell (its output needs no kernel)."""
    return RunPage(page_html(run, data, **options))
