"""explorer.ui.plot.player: the player's state machine, without Panel or a page; and how the main view drives it
from what the page says (play, pause, scrub), from new runs and from the tabs."""
from __future__ import annotations

import numpy as np
import pytest

from explorer import GaussianDenoiser
from explorer.core.timegrids import make_grid
from explorer.ui.plot.main_view import MainView
from explorer.ui.plot.player import PAUSED, PLAYING, Player
from explorer.ui.session.state import ExplorerState

UNIFORM = np.linspace(1.0, 0.0, 51)


def test_opens_playing_with_the_loop_on_at_the_noise():
    p = Player()
    assert (p.state, p.loop, p.shown, p.t, p.frame) == (PLAYING, True, True, 1.0, 0)
    assert p.new_run(UNIFORM) == 0 and p.t == 1.0  # the first run starts from the noise


def test_pause_play_and_scrub():
    p = Player()
    p.new_run(UNIFORM)
    p.pause(0.58)
    assert p.state == PAUSED and p.frame == 21 and p.t == pytest.approx(0.58)
    p.scrub(0.1)  # a scrub moves t, paused stays paused
    assert p.state == PAUSED and p.frame == 45
    p.play()
    p.scrub(1.7)  # clipped; playing stays playing
    assert p.state == PLAYING and p.t == 1.0 and p.frame == 0
    p.pause()  # no t: where the server last heard
    assert p.state == PAUSED and p.t == 1.0


def test_a_tab_round_trip_keeps_the_state():
    for playing in (True, False):
        p = Player(playing=playing)
        p.new_run(UNIFORM)
        p.scrub(0.4)
        p.tab_hidden()
        assert not p.shown and p.playing is playing
        p.tab_shown()
        assert p.shown and p.playing is playing and p.t == pytest.approx(0.4)


@pytest.mark.parametrize("grid", ["karras", "logsnr"])
def test_a_new_grid_keeps_t_within_one_of_its_steps(grid):
    p = Player(playing=False)
    p.new_run(UNIFORM)
    p.scrub(0.58)
    times = make_grid(grid, 50, "rectified")
    frame = p.new_run(times)
    step = np.max(np.abs(np.diff(times))[max(frame - 1, 0):frame + 1])
    assert abs(times[frame] - 0.58) <= step / 2 + 1e-9 and p.t == pytest.approx(times[frame])
    assert frame == int(np.abs(times - 0.58).argmin())


def test_a_new_run_refuses_bad_times():
    with pytest.raises(ValueError, match="frame times"):
        Player().new_run([])


# --- the main view drives the player ----------------------------------------------------------------------------
@pytest.fixture
def view():
    state = ExplorerState()
    state.model = GaussianDenoiser([0.5, -0.5], 0.05 * np.eye(2), "rectified")  # exact and quick
    return MainView(state=state)


def test_the_page_pausing_and_scrubbing_tells_the_state(view):
    p, page = view.player, view._controls
    assert p.playing and page.playing and page.tick == 0
    view._on_page({"event": "pause", "tick": view._slider.end // 2})
    assert not p.playing and not page.playing and page.tick == view._slider.end // 2
    assert view.state.frame == p.frame and view.state.run.times[p.frame] == pytest.approx(0.5, abs=0.03)
    view._on_page({"event": "scrub", "tick": 10**6})  # clipped to the data
    assert p.t == 0.0 and view.state.frame == len(view.state.run.times) - 1 and not p.playing
    view._on_page({"event": "play"})
    assert p.playing and page.playing
    view._on_page({"event": "scrub", "tick": "x"})  # nonsense from a page changes nothing
    assert p.t == 0.0


def test_playing_the_server_sends_no_tick_but_keeps_t_on_a_new_run(view):
    view._on_page({"event": "scrub", "tick": 30})  # (a scrub while playing)
    sent = []
    view._controls.param.watch(lambda e: sent.append(e.new), "tick")
    t = view.player.t
    view.state.grid = "karras"
    assert view.player.playing and not sent  # the page keeps the shown t itself while it plays
    assert abs(view.state.run.times[view.state.frame] - t) < 0.06


def test_paused_a_new_grid_moves_the_page_to_the_nearest_frame(view):
    view._on_page({"event": "pause", "tick": round(0.42 * view._slider.end)})
    t = view.player.t
    view.state.grid = "karras"
    times = view.state.run.times
    frame, shown = view._frame_and_t(view._controls.tick)
    assert frame == view.state.frame == int(np.abs(times - t).argmin())
    assert abs(shown - t) < np.max(np.abs(np.diff(times))[max(frame - 1, 0):frame + 1])


def test_a_tap_while_playing_pauses_and_traces_where_the_page_stopped(view):
    from types import SimpleNamespace

    view._on_tap(SimpleNamespace(x=1.0, y=1.0))
    assert not view.player.playing and not view._traces  # waits for the page's t
    view._on_page({"event": "pause", "tick": view._slider.end // 2})
    (path, ts, _, _), = view._traces
    k = int(np.argmin(np.abs(ts - view.player.t)))  # the path goes through the tap at the t the page stopped on
    assert abs(view.player.t - 0.5) < 0.03 and np.allclose(path[k], [1.0, 1.0], atol=1e-4)
