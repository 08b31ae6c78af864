"""The dashboard page, served by ``panel serve explorer/app.py`` (or ``diffusion-explorer serve``).

A placeholder until the dashboard lands: it only proves that the serving, packaging and browser-test
plumbing work end to end.
"""
import panel as pn

pn.extension()

TITLE = "2D Diffusion Explorer"

pn.Column(
    pn.pane.Markdown(f"# {TITLE}"),
    pn.pane.Markdown("The dashboard is coming soon."),
).servable(title=TITLE)
