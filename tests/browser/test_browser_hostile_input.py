"""Hostile input in a real page (issue 6): the worst cases of tests/ui/test_hostile_input.py, sent through
headless Chromium."""
from __future__ import annotations

import re

import pytest
from browser_support import wait_for

# The first samples' x in the plot and the page's count of drawn frames: both move while the animation plays.
PLAYING_JS = ("() => [window.__explorer_frames || 0,"
              " Array.from(Bokeh.documents[0].get_model_by_name('samples').data.x.slice(0, 5))]")
# The run the page was sent (every frame of it, packed): the same until a new model or sampler arrives.
RUN_JS = ("() => { const x = Bokeh.documents[0].get_model_by_name('main_view_store').data.x[0];"
          " return [x.length, Array.from(x.slice(0, 20)), Array.from(x.slice(-20))]; }")
DIVERGED = (r"training diverged at step (\d+) \(loss \S+\) with learning rate 10: its weights were dropped and the "
            r"previous model is still shown\. Try a smaller learning rate \(1e-3 to 1e-2\)\.")


def _notification(page, text: str) -> str:
    note = page.locator(".notyf__message").filter(has_text=text).first
    note.wait_for(state="visible", timeout=30_000)
    return note.inner_text()


def _plays_on(page) -> None:
    """The animation advances: more frames drawn, and the samples moved, since the first look."""
    frames, xs = page.evaluate(PLAYING_JS)
    wait_for(lambda: (lambda now: now[0] > frames and now[1] != xs)(page.evaluate(PLAYING_JS)), 10,
             "the animation to advance")


@pytest.mark.browser
def test_hostile_uploads_in_the_page_give_notifications_and_spare_the_other_tab(browser, app_server, tmp_path,
                                                                                   artifacts_dir):
    """Two tabs. In one: lr = 10, a CSV of text with a script in its name, and a pickle as a model. Each
    shows its message; the diverged run keeps the last good model; nothing runs the script; the other tab
    still plays the same run."""
    other = browser.new_page()
    other.goto(app_server)
    other.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    other_run = other.evaluate(RUN_JS)
    page = browser.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(app_server)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    my_run = page.evaluate(RUN_JS)

    # lr = 10 is inside the widget's bounds (1e-5 to 10): the run diverges, says where, and the model stays.
    page.get_by_text("Advanced", exact=True).click()
    lr = page.get_by_label("Learning rate")
    lr.fill("10")
    lr.press("Enter")
    page.wait_for_timeout(300)
    assert float(lr.input_value()) == 10.0
    page.get_by_role("button", name="Train", exact=True).click()
    message = _notification(page, "training diverged at step")
    match = re.fullmatch(DIVERGED, message)
    assert match, message
    label = page.evaluate("() => { const l = Bokeh.documents[0].get_model_by_name('loss_diverged_label');"
                          " return [l.visible, l.text]; }")
    assert label == [True, f"diverged at step {match[1]}"]  # the loss curve marks the same step
    status = page.get_by_text("Status:").first.locator("xpath=..").inner_text()
    assert (f"Training diverged at step {match[1]}: its weights were dropped and the previous model is still shown."
            in status), status  # the same as the notification
    assert page.evaluate(RUN_JS) == my_run, "the diverged run replaced the last good model's samples"

    page.get_by_role("button", name="Draw").click()
    bad = tmp_path / "<img src=x onerror=alert(1)>.csv"
    bad.write_text("x,y\nhello,world\n1,2\n")
    page.locator("input[type=file][accept='.csv']").set_input_files(bad)
    message = _notification(page, "not a number")
    assert message == f"{bad.name}: line 2: 'hello' is not a number; each row needs 2 numbers: x,y", message

    page.get_by_text("Export & share").first.click()
    pickle_file = tmp_path / "model.pt"
    pickle_file.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)
    page.locator("input[type=file][accept='.zip,.safetensors,.json']").set_input_files(pickle_file)
    message = _notification(page, "model.pt")
    assert message == "model.pt: choose the model's .zip, or its two files model.safetensors and config.json together"
    page.screenshot(path=artifacts_dir / "hostile_notifications.png")

    assert alerts == [], f"a user's file name ran as script: {alerts}"
    assert other.evaluate(RUN_JS) == other_run, "the other tab's run changed"
    _plays_on(other)
    page.close()
    other.close()
