"""The command line, run in-process: ``main([...])`` returns the exit code."""
import numpy as np
import pytest
from PIL import Image
from run_page_support import embedded_run_file

import explorer as dx
from explorer.tools.cli import main

STEPS = 30


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "model"
    code = main(["train", "--dataset", "smiley", "--steps", str(STEPS), "--seed", "3", "--width", "32",
                 "--out", str(out)])
    assert code == 0
    return out


def test_train_saves_a_model_that_samples_like_the_in_process_one(trained):
    assert (trained / "model.safetensors").is_file() and (trained / "config.json").is_file()
    loaded = dx.load(trained)
    config = dx.TrainConfig(steps=STEPS, seed=3, width=32)
    assert loaded.config == config
    model = dx.train(dx.datasets.load("smiley", n=2000, seed=0), config)
    a = dx.sample(loaded, n=200, sampler="euler", steps=10, seed=5).samples
    b = dx.sample(model, n=200, sampler="euler", steps=10, seed=5).samples
    np.testing.assert_array_equal(a, b)


def test_train_prints_a_progress_bar(tmp_path, capsys):
    assert main(["train", "--steps", "20", "--width", "16", "--depth", "1", "--out", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "train [" in err and "20/20" in err and "saved to" in err


def test_sample_writes_gif_and_csvs(trained, tmp_path, capsys):
    gif, csv, paths = tmp_path / "run.gif", tmp_path / "run.csv", tmp_path / "paths.csv"
    args = ["sample", str(trained), "--sampler", "ddim", "--eta", "0.5", "--steps", "12", "--n", "100",
            "--seed", "0"]
    assert main([*args, "--gif", str(gif), "--csv", str(csv), "--size", "160"]) == 0
    with Image.open(gif) as im:
        assert im.n_frames == 13 and im.size == (160, 160)
    expected = dx.sample(dx.load(trained), n=100, sampler="ddim", eta=0.5, steps=12, seed=0).samples
    np.testing.assert_allclose(dx.datasets.read_csv(csv), expected, atol=1e-6)
    assert main([*args, "--csv", str(paths), "--trajectories"]) == 0
    assert len(paths.read_text().splitlines()) == 1 + 13 * 100
    capsys.readouterr()
    assert main(["sample", "smiley", "--steps", "3", "--n", "4"]) == 0  # a pretrained model, CSV on stdout
    assert capsys.readouterr().out.splitlines()[0] == "x,y"


def test_sample_writes_an_interactive_page(trained, tmp_path, capsys):
    page = tmp_path / "run.html"
    args = ["sample", str(trained), "--sampler", "euler", "--steps", "8", "--n", "50", "--data", "smiley"]
    assert main([*args, "--html", str(page)]) == 0
    assert f"wrote {page} (" in capsys.readouterr().err
    packed = embedded_run_file(page.read_text(encoding="utf-8"))
    expected = dx.sample(dx.load(trained), n=50, sampler="euler", steps=8, seed=0)
    np.testing.assert_array_equal(packed.arrays["x"], expected.points[..., 0])
    assert len(packed.arrays["data_x"]) == 2000 and packed.meta["settings"].startswith("Euler, 8 steps")


def test_sample_writes_a_video_with_one_frame_per_shown_frame(trained, tmp_path, capsys):
    import av

    video = tmp_path / "run.webm"
    args = ["sample", str(trained), "--sampler", "euler", "--steps", "8", "--n", "50", "--data", "smiley"]
    assert main([*args, "--video", str(video), "--size", "160", "--fps", "10"]) == 0
    assert f"wrote {video}" in capsys.readouterr().err
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        assert stream.codec_context.name == "vp9" and float(stream.average_rate) == 10
    assert len(frames) == 9 and (frames[0].width, frames[0].height) == (160, 160)


PROG = "diffusion-explorer"


# Each bad command line, and the last line it must print on stderr (argparse's usage comes before it).
@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "smileyy", "--out", "{tmp}/m"],
     f"{PROG}: error: unknown dataset 'smileyy'; the built-in datasets are: smiley, three_dots, moons, spiral, rings, "
     "checkerboard, eight_gaussians"),
    (["train", "--csv", "{tmp}/none.csv", "--out", "{tmp}/m"],
     f"{PROG}: error: could not read the file '{{tmp}}/none.csv': No such file or directory"),
    (["train", "--objective", "v", "--schedule", "rectified", "--out", "{tmp}/m"],
     f"{PROG}: error: objective 'v' needs a variance-preserving schedule (alpha² + sigma² = 1): use 'linear' or "
     "'cosine', or use objective 'velocity' (flow matching) on 'rectified'"),
    (["train", "--steps", "lots", "--out", "{tmp}/m"],
     f"{PROG} train: error: argument --steps: invalid int value: 'lots'"),
    (["sample", "{tmp}/no_model"],
     f"{PROG}: error: no model folder at '{{tmp}}/no_model' (expected model.safetensors and config.json inside)"),
    (["sample", "smiley", "--sampler", "heun", "--eta", "0.5"],
     f"{PROG}: error: eta is a knob of ddim; sampler 'heun' takes no knobs"),
    (["sample", "smiley", "--grid", "cubic"],
     f"{PROG}: error: unknown time grid 'cubic'; choose one of uniform, logsnr, karras"),
    (["sample", "smiley", "--gif", "{tmp}/missing/run.gif"],
     f"{PROG}: error: cannot write '{{tmp}}/missing/run.gif': the folder '{{tmp}}/missing' does not exist"),
    (["sample", "smiley", "--html", "{tmp}/run.pdf"],
     f"{PROG}: error: an interactive page is written as .html or .htm: '{{tmp}}/run.pdf' ends in .pdf"),
    (["sample", "smiley", "--html", "{tmp}/missing/run.html"],
     f"{PROG}: error: cannot write '{{tmp}}/missing/run.html': the folder '{{tmp}}/missing' does not exist"),
    (["sample", "smiley", "--video", "{tmp}/run.avi"],
     f"{PROG}: error: a video is written as .mp4 or .webm: '{{tmp}}/run.avi' ends in .avi"),
    (["sample", "smiley", "--video", "{tmp}/missing/run.mp4"],
     f"{PROG}: error: cannot write '{{tmp}}/missing/run.mp4': the folder '{{tmp}}/missing' does not exist"),
    (["sample", "smiley", "--video", "{tmp}/run.mp4", "--size", "201"],
     f"{PROG}: error: a video's side must be an even number of pixels; got --size 201"),
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1] == message.replace("{tmp}", str(tmp_path)), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not (tmp_path / "m").exists()


def test_serve_stays_the_default_command():
    from explorer.tools.cli import _cmd_serve, build_parser

    args = build_parser().parse_args([])
    assert args.func is _cmd_serve and args.port == 5006
    args = build_parser().parse_args(["serve", "--port", "7000", "--no-show"])
    assert args.func is _cmd_serve and args.port == 7000 and args.show is False


def test_a_flow_map_trains_distils_and_samples_with_its_own_jumps(trained, tmp_path, capsys):
    mf = tmp_path / "mf"
    assert main(["train", "--objective", "meanflow", "--steps", "20", "--width", "16", "--out", str(mf)]) == 0
    assert dx.load(mf).flow_map
    assert main(["distil", str(trained), "--method", "shortcut", "--steps", "20", "--out", str(tmp_path / "sc")]) == 0
    student = dx.load(tmp_path / "sc")
    assert student.objective == "shortcut" and student.config.width == 32  # the teacher's network
    capsys.readouterr()
    assert main(["sample", str(tmp_path / "sc"), "--steps", "2", "--n", "50"]) == 0  # no --sampler: the model's own
    assert "Jump, 2 steps" in capsys.readouterr().err
    assert main(["sample", str(trained), "--n", "50", "--steps", "3"]) == 0  # an ordinary model: Heun, as before
    assert "Heun, 3 steps" in capsys.readouterr().err
    assert main(["distil", str(trained), "--method", "progressive", "--out", str(tmp_path / "x")]) == 2
    assert "unknown distillation method 'progressive'" in capsys.readouterr().err
    assert main(["sample", str(trained), "--sampler", "jump", "--n", "5"]) == 2
    assert "jump sampler needs a flow map" in capsys.readouterr().err
