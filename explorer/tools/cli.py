"""The ``diffusion-explorer`` command.

    diffusion-explorer                 same as ``diffusion-explorer serve``
    diffusion-explorer serve [--port 5006] [--address 127.0.0.1] [--no-show]
    diffusion-explorer train [--dataset NAME | --csv FILE] [--steps N] ... --out DIR
    diffusion-explorer distil DIR [--method meanflow] [--steps N] --out DIR
    diffusion-explorer sample DIR [--sampler heun] [--steps 50] [--n 2000] [--gif FILE] [--csv FILE]

Each subcommand is a ``(args) -> int`` function registered in :func:`build_parser`; ``train`` and
``sample`` live in cli_commands.py. Bad input (an ExplorerError or a file that cannot be read or
written) ends with a one-line message on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

from explorer.core.errors import ExplorerError
from explorer.tools.cli_commands import add_distil_parser, add_sample_parser, add_train_parser
from explorer.ui import tabs
from explorer.ui.plot.layers import toggles
from explorer.ui.tabs import TABS

APP_PATH = Path(__file__).resolve().parents[1] / "serve" / "app.py"
# Open a browser tab only where there is a screen to show it on; on a headless Linux box Python's
# webbrowser module would otherwise fall back to a text browser in the terminal.
_HAS_SCREEN = sys.platform in ("darwin", "win32") or bool(
    os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# Bokeh closes a websocket that carries more than 20 MB in one message, and an upload travels as one
# base64 message: a 50 MB file would cut the student's page off. 100 MB lets it arrive, and the app then
# refuses it with a message (its caps are 20 MB). .ci/serve passes the same option.
UPLOAD_OPTIONS = ["--websocket-max-message-size", str(100 * 2**20)]
OPEN_AFTER_S = 4.0  # with --tab or --layer, open the browser on the page's address after this long


def layer_names() -> list[str]:
    return [s.name for s in toggles()]


def _page_query(args: argparse.Namespace) -> str:
    """The page's address query for `--tab` and `--layer` (the link's own keys: url_state.py), or ''."""
    layers = getattr(args, "layer", None) or ()
    query = {"tab": getattr(args, "tab", None), **{f"show_{name}": "true" for name in layers}}
    query = {k: v for k, v in query.items() if v}
    return "?" + urllib.parse.urlencode(query) if query else ""


def _cmd_serve(args: argparse.Namespace) -> int:
    """Run ``panel serve`` on the installed app.py, in a child process of this Python."""
    origin = f"{args.address}:{args.port}"
    query = _page_query(args)
    local = args.address in ("127.0.0.1", "localhost")
    origins = [f"127.0.0.1:{args.port}", f"localhost:{args.port}"] if local else [origin]
    # --warm runs the app once at start-up, so the first visitor does not wait for torch and Panel to import.
    cmd = [sys.executable, "-m", "panel", "serve", str(APP_PATH), "--warm", *UPLOAD_OPTIONS,
           "--address", args.address, "--port", str(args.port)]
    for o in origins:
        cmd += ["--allow-websocket-origin", o]
    if not local:
        print(f"Warning: listening on {args.address} exposes the explorer beyond this machine; browsers "
              f"elsewhere must reach it as http://{origin}/app (the only origin allowed).",
              file=sys.stderr)
    if args.show and not query:
        cmd.append("--show")
    print(f"Serving the explorer at http://{origin}/app{query}  (Ctrl-C stops it)", flush=True)
    proc = subprocess.Popen(cmd)
    if args.show and query:  # Panel's --show opens the bare address: open the page on its tab and layers here
        import threading
        import webbrowser

        threading.Timer(OPEN_AFTER_S, webbrowser.open, [f"http://{origin}/app{query}"]).start()
    # Stopping this command stops the server: Ctrl-C reaches both processes (one process group);
    # a SIGTERM sent to this one alone is passed on, so no orphaned server keeps the port.
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0


def _add_serve_options(p: argparse.ArgumentParser, top_level: bool) -> None:
    # The subcommand's copies default to SUPPRESS so they never overwrite options given before it.
    d = (lambda v: v) if top_level else (lambda v: argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=d(5006), help="TCP port to listen on (default: 5006)")
    p.add_argument(
        "--address", default=d("127.0.0.1"),
        help="address to bind (default: 127.0.0.1, this machine only). Any other address exposes the "
             "server, which runs training on request, to everyone who can reach it.",
    )
    p.add_argument("--tab", default=d(None), choices=tabs.names(), metavar="TAB",
                   help="open the page on this tab; " + ", ".join(f"{s.name}: {s.label}" for s in TABS.specs()))
    p.add_argument("--layer", action="append", default=d(None), choices=layer_names(), metavar="LAYER",
                   help="switch this plot layer on (repeat for several); "
                        + ", ".join(f"{s.name}: {s.label}" for s in toggles()))
    show = p.add_mutually_exclusive_group()
    show.add_argument("--show", dest="show", action="store_true", default=d(_HAS_SCREEN),
                      help="open a browser tab (the default when there is a display)")
    show.add_argument("--no-show", dest="show", action="store_false", default=d(_HAS_SCREEN),
                      help="do not open a browser tab")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diffusion-explorer",
        description="Train, sample and look inside small diffusion models on 2D point clouds.",
    )
    # Serve options also at top level, so the bare command (no subcommand) takes them too.
    _add_serve_options(parser, top_level=True)
    parser.set_defaults(func=_cmd_serve)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    serve = sub.add_parser("serve", help="open the dashboard in the browser (the default)")
    _add_serve_options(serve, top_level=False)
    serve.set_defaults(func=_cmd_serve)
    add_train_parser(sub)
    add_distil_parser(sub)
    add_sample_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]) and return the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message (or --help)
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        return args.func(args)
    except (ExplorerError, OSError) as err:
        message = str(err) if isinstance(err, ExplorerError) else (
            f"{err.strerror}: {err.filename}" if err.strerror and err.filename else str(err))
        print(f"diffusion-explorer: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ndiffusion-explorer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
