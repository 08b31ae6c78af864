"""What one new browser session costs the server, printed (not asserted): `python bench/bench_session.py`.

Builds the app as `panel serve` does for each visitor (explorer/app.py's create_app), turns it into a Bokeh
document and serialises it: the server-side work of opening one page, without a browser. Also counts the
document's models. The first session of a process pays for imports and the pretrained model's first run
(shared by the later ones), so the figures are the median of the following ones.
"""
from __future__ import annotations

import statistics
import time

import panel as pn
from bokeh.document import Document
from panel.io.state import set_curdoc

ROUNDS = 6


def one_session(create_app, serve=None) -> tuple[float, float, float, int]:
    doc = Document()
    with set_curdoc(doc):  # as in a server: Panel shares per-document things (one model per stylesheet URL)
        t0 = time.perf_counter()
        page = create_app()
        t1 = time.perf_counter()
        if serve is not None:  # as explorer/app.py puts the page into a session's document
            serve(page, doc)
        else:
            page.server_doc(doc)
        t2 = time.perf_counter()
    doc.to_json()
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(list(doc.models))


if __name__ == "__main__":
    pn.extension(notifications=True)
    import explorer.app as app  # (builds one page at import: the process's first session)

    rows = [one_session(app.create_app, getattr(app, "serve", None)) for _ in range(ROUNDS)]
    build, doc, js = (statistics.median(r[i] for r in rows) for i in range(3))
    print(f"one session: build {build:.2f} s + Bokeh models {doc:.2f} s + serialise {js:.2f} s = "
          f"{build + doc + js:.2f} s server time; {rows[-1][3]} models in the document")
