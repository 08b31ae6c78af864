"""Smoke tests: the command line parses, and the served page renders in Chromium without JS errors."""
from __future__ import annotations

import argparse

import pytest

from explorer.tools import cli

TITLE = "2D Diffusion Explorer"


def test_cli_help_lists_subcommands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in ("serve", "train", "sample"))

    parser = cli.build_parser()
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert subparsers and "serve" in subparsers[0].choices


def test_cli_defaults_to_serving_locally():
    for argv in ([], ["serve"]):
        args = cli.build_parser().parse_args(argv)
        assert args.func is cli._cmd_serve
        assert (args.address, args.port) == ("127.0.0.1", 5006)
    args = cli.build_parser().parse_args(["--port", "7000", "serve", "--no-show"])
    assert args.port == 7000 and args.show is False
    assert cli.APP_PATH.is_file()


@pytest.mark.browser
def test_page_renders_without_console_errors(page, app_server, artifacts_dir):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    page.goto(app_server)
    # Not exact: Panel's Markdown headings end in a "¶" anchor link.
    page.get_by_text(TITLE).first.wait_for(state="visible", timeout=30_000)
    # The document must settle: a layout that never goes idle silently disables Panel's onload hooks
    # (it happened once with a FlexBox inside Tabs).
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length && Bokeh.documents[0].is_idle",
                           timeout=30_000)
    page.wait_for_timeout(1_000)  # let late errors (websocket, lazy bundles) surface
    page.screenshot(path=artifacts_dir / "smoke.png", full_page=True)

    assert errors == [], "browser console errors:\n" + "\n".join(errors)
