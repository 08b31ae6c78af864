"""The run file: a run's frames packed as float32/int32 binary (base64) in one JSON text, and back."""
import base64
import json

import numpy as np
import pytest

import explorer as dx
from explorer.core.errors import ExplorerError
from explorer.tools.density_frames import DENSITY_LEVELS, contour_stack, density_grid, density_stack
from explorer.tools.export import frame_indices
from explorer.tools.look import class_palette
from explorer.tools.runfile import RunFile, decode_array, encode_array, pack_run


@pytest.fixture(scope="module")
def data():
    return dx.datasets.load("three_dots", n=300, seed=0)


@pytest.fixture(scope="module")
def run(data):
    return dx.sample(dx.OracleDenoiser(data), n=80, sampler="euler", steps=30, seed=0)


def test_arrays_round_trip_bit_for_bit_with_nan_inf_and_signed_zero():
    a = np.array([[0.1, -0.0, np.nan], [np.inf, -np.inf, 3.4e38]], np.float32)
    entry = encode_array(a)
    assert entry["dtype"] == "float32" and entry["shape"] == [2, 3]
    assert len(base64.b64decode(entry["data"])) == a.nbytes  # 4 bytes a number: binary, not text
    back = decode_array(json.loads(json.dumps(entry)))
    assert back.dtype == np.float32 and back.tobytes() == a.tobytes()
    ints = np.array([0, -1, 2**31 - 1, -(2**31)], np.int64)
    np.testing.assert_array_equal(decode_array(encode_array(ints)), ints)
    assert decode_array(encode_array(ints)).dtype == np.int32
    # little-endian on the wire whatever the machine: the bytes a browser's Float32Array reads
    assert base64.b64decode(encode_array(np.array([1.0], np.float32))["data"]) == b"\x00\x00\x80\x3f"


def test_float64_input_is_stored_as_float32():
    x = np.array([1 / 3, 2.0], np.float64)
    np.testing.assert_array_equal(decode_array(encode_array(x)), x.astype(np.float32))


@pytest.mark.parametrize("entry, message", [
    ({"dtype": "float64", "shape": [1], "data": "AAAAAAAAAAA="}, "float32"),
    ({"dtype": "float32", "shape": [3], "data": "AACAPw=="}, "4 bytes do not hold shape"),
    ({"dtype": "float32", "shape": [1], "data": "not base64!"}, "base64"),
    ({"dtype": "float32", "shape": [-1], "data": ""}, "shape"),
    ([1.0, 2.0], "expected"),
])
def test_bad_arrays_are_refused(entry, message):
    with pytest.raises(ExplorerError, match=message):
        decode_array(entry)


def test_pack_run_lays_out_frames_as_the_dashboards_store(run, data):
    packed = pack_run(run, data)
    index = frame_indices(len(run.times), 101)
    assert packed.frames == len(run.times) == 31 and packed.n == 80
    np.testing.assert_array_equal(packed.arrays["index"], index)
    np.testing.assert_array_equal(packed.arrays["t"], run.times.astype(np.float32))
    np.testing.assert_array_equal(packed.arrays["x"], run.points[..., 0])  # frame k is row k
    np.testing.assert_array_equal(packed.arrays["y"], run.points[..., 1])
    np.testing.assert_array_equal(np.stack([packed.arrays["data_x"], packed.arrays["data_y"]], 1), data)
    # the density layer: the same KDE and contours as the dashboard's (one scale for the run)
    xs, ys = density_grid()
    stack = density_stack(run.points, xs, ys)
    np.testing.assert_array_equal(packed.arrays["density"], stack)
    lines = contour_stack(stack, xs, ys)
    for j in range(len(DENSITY_LEVELS)):
        np.testing.assert_array_equal(packed.arrays[f"co{j}"], lines["offsets"][j])
        np.testing.assert_array_equal(packed.arrays[f"cx{j}"], lines["x"][j])
    assert packed.meta["density_levels"] == list(DENSITY_LEVELS) and packed.meta["settings"].startswith("Euler")


def test_long_runs_keep_evenly_spaced_frames_first_and_last(data):
    long_run = dx.sample(dx.OracleDenoiser(data), n=5, sampler="euler", steps=300, seed=0)
    packed = pack_run(long_run, density=False, max_frames=20)
    index = packed.arrays["index"]
    assert packed.frames == 20 and index[0] == 0 and index[-1] == 300 and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(packed.arrays["x"], long_run.points[index, :, 0])
    assert "density" not in packed.arrays


def test_the_json_text_round_trips_every_array(run, data, tmp_path):
    labels = np.arange(80) % 3
    packed = pack_run(run, data, labels=labels, class_names=["red", "purple", "dots"])
    path = packed.write(tmp_path / "run.json")
    again = RunFile.read(path)
    assert again.meta == packed.meta and set(again.arrays) == set(packed.arrays)
    for name, arr in packed.arrays.items():
        assert again.arrays[name].dtype == arr.dtype and again.arrays[name].tobytes() == arr.tobytes(), name
    # classes: each sample's class, the names, and the dashboard's colours (a drawn class keeps its own)
    np.testing.assert_array_equal(again.arrays["c"], labels.astype(np.float32))
    assert again.meta["class_colors"] == class_palette(["red", "purple", "dots"])
    # binary, not lists of numbers: the text is about 4/3 of the arrays' bytes
    array_bytes = sum(a.nbytes for a in packed.arrays.values())
    assert len(packed.to_json()) < 1.4 * array_bytes + 2000


def test_samples_of_no_class_are_nan(run):
    labels = np.array([0, 1, -1, 2.5, np.nan] + [0] * 75)
    c = pack_run(run, labels=labels, density=False).arrays["c"]
    np.testing.assert_array_equal(c[:5], [0, 1, np.nan, np.nan, np.nan])


@pytest.mark.parametrize("text, message", [
    ("{", "not a run file"),
    ('{"format": "something else"}', "does not say format"),
    ('{"format": "diffusion-explorer-run", "version": 99, "meta": {}, "arrays": {}}', "version 99"),
    ('{"format": "diffusion-explorer-run", "version": 1, "meta": {}, "arrays": {}}', "missing array"),
])
def test_bad_run_files_are_refused(text, message):
    with pytest.raises(ExplorerError, match=message):
        RunFile.from_json(text)


def test_mismatched_arrays_are_refused(run):
    packed = pack_run(run, density=False)
    packed.arrays["y"] = packed.arrays["y"][:, :10]
    with pytest.raises(ExplorerError, match="x and y must be"):
        RunFile.from_json(packed.to_json())


def test_bad_pack_arguments_are_refused(run):
    with pytest.raises(ExplorerError, match="one class per sample"):
        pack_run(run, labels=[0, 1])
    with pytest.raises(ExplorerError, match="max_frames"):
        pack_run(run, max_frames=1)
    with pytest.raises(ExplorerError, match="sampling run"):
        pack_run(np.zeros((3, 2)))
