"""Hostile input in a real page (issue 6): the worst cases of tests/ui/test_hostile_input.py, sent through
headless Chromium."""
from __future__ import annotations

import pytest


@pytest.mark.browser
def test_hostile_uploads_in_the_page_give_notifications_and_spare_the_other_tab(browser, app_server, tmp_path,
                                                                                   artifacts_dir):
    """Two tabs. In one: a CSV of text with a script in its name, a pickle as a model, and lr = 10. Each
    shows a notification; nothing runs the script; the other tab still plays its samples."""
    other = browser.new_page()
    other.goto(app_server)
    other.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    page = browser.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(app_server)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)

    page.get_by_role("button", name="Draw").click()
    bad = tmp_path / "<img src=x onerror=alert(1)>.csv"
    bad.write_text("x,y\nhello,world\n1,2\n")
    page.locator("input[type=file][accept='.csv']").set_input_files(bad)
    page.locator(".notyf__message").filter(has_text="not a number").first.wait_for(state="visible", timeout=15_000)

    page.get_by_text("Export & share").first.click()
    pickle_file = tmp_path / "model.pt"
    pickle_file.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)
    page.locator("input[type=file][accept='.zip,.safetensors,.json']").set_input_files(pickle_file)
    page.locator(".notyf__message").filter(has_text="model.pt").first.wait_for(state="visible", timeout=15_000)
    page.screenshot(path=artifacts_dir / "hostile_notifications.png")

    assert alerts == [], f"a user's file name ran as script: {alerts}"
    samples = other.evaluate("() => Bokeh.documents[0].get_model_by_name('samples').data.x.length")
    assert samples > 0, "the other tab lost its samples"
    page.close()
    other.close()
