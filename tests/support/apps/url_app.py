"""The dashboard page with the "Export & share" card and the setup kept in the URL, for
tests/browser/test_browser_url.py: ``panel serve tests/support/apps/url_app.py``.

It is explorer/serve/app.py's page plus the two pieces explorer/serve/app.py does not wire yet (importing app.py
here would serve its page a second time): an `ExportView` card under the sidebar's controls and
`sync_url(state)` once the dashboard is built. When app.py wires both, the test can serve app.py.
"""
import panel as pn
import torch
from panel.theme import Fast

from explorer.ui import compat
from explorer.ui.explorer import TITLE, Explorer
from explorer.ui.session.url_state import sync_url
from explorer.ui.views.export_view import ExportView

pn.extension(notifications=True)
torch.set_num_threads(1)

# As in app.py: the Fast design without its Google web font (offline, that link logs a console error).
FastOffline = compat.without_web_font(Fast)

explorer = Explorer().start()
export = pn.Card(ExportView(state=explorer.state), title="Export & share", collapsed=True,
                 sizing_mode="stretch_width", margin=(10, 5))
if pn.state.location is not None:  # None outside a served page (a notebook)
    sync_url(explorer.state)
pn.template.FastListTemplate(
    title=TITLE, sidebar=[explorer.controls, export], main=[explorer.main], sidebar_width=340,
    accent="#1f5fa8", design=FastOffline, font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
).servable(title=TITLE)
