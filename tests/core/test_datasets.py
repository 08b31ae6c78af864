"""Tests for explorer.data.datasets: built-in shapes, validate, rescale, strokes, CSV I/O, shipped files."""
from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.core.errors import ExplorerError
from explorer.data import datasets

NAMES = datasets.names()
FAST = settings(max_examples=50, deadline=None)
REPO = Path(__file__).resolve().parents[2]


# ---- built-in datasets -------------------------------------------------------------------------

def test_names_lists_the_required_sets_smiley_first():
    required = {"smiley", "three_dots", "moons", "spiral", "rings", "checkerboard", "eight_gaussians"}
    assert required <= set(NAMES)
    assert NAMES[0] == "smiley"
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_load_shape_dtype_scale_and_determinism(name):
    a = datasets.load(name, n=3000, seed=0)
    assert a.shape == (3000, 2) and a.dtype == np.float32 and a.flags.c_contiguous
    assert np.array_equal(a, datasets.load(name, n=3000, seed=0))
    assert not np.allclose(a, datasets.load(name, n=3000, seed=1))
    assert np.abs(a).max() <= 2.5
    assert np.all(np.abs(a.mean(axis=0)) < 0.25), a.mean(axis=0)
    assert np.all((a.std(axis=0) > 0.7) & (a.std(axis=0) < 1.3)), a.std(axis=0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [2, 3, 7, 100_000])
def test_load_any_allowed_size_stays_in_bounds(name, n):
    a = datasets.load(name, n=n, seed=3)
    assert a.shape == (n, 2) and np.isfinite(a).all() and np.abs(a).max() <= 2.5


def test_generators_are_plain_functions_of_n_and_rng():
    a = datasets.smiley(500, np.random.default_rng(5))
    assert a.shape == (500, 2)
    assert np.allclose(datasets.load("smiley", 500, 5), a, atol=1e-6)


def test_smiley_has_an_outline_eyes_and_a_smile():
    a = datasets.load("smiley", 20_000, 0).astype(np.float64)
    r = np.hypot(a[:, 0], a[:, 1])
    outline = np.abs(r - 1.6) < 0.15
    assert 0.55 < outline.mean() < 0.75  # most ink is the face circle
    inside = a[r < 1.35]  # 6 stroke std inside the face circle
    eyes = inside[inside[:, 1] > 0.25]
    assert np.sum(eyes[:, 0] < 0) > 0.04 * len(a) and np.sum(eyes[:, 0] > 0) > 0.04 * len(a)
    assert np.all(np.abs(np.abs(eyes[:, 0]) - 0.55) < 0.4)  # two blobs, left and right
    smile = inside[inside[:, 1] < 0]
    assert len(smile) > 0.15 * len(a) and smile[:, 1].min() > -1.0


def test_three_dots_are_three_tight_blobs_of_about_equal_weight_on_a_triangle():
    a = datasets.load("three_dots", 3000, 0).astype(np.float64)
    sector = np.floor(((np.arctan2(a[:, 1], a[:, 0]) - np.pi / 2) % (2 * np.pi)) / (2 * np.pi / 3) + 0.5) % 3
    centres = []
    for k in range(3):
        blob = a[sector == k]
        assert abs(len(blob) - 1000) < 120  # multinomial: std ~26
        assert np.all(blob.std(axis=0) < 0.13) and np.all(blob.std(axis=0) > 0.07)
        centres.append(blob.mean(axis=0))
    sides = [np.linalg.norm(centres[i] - centres[j]) for i, j in ((0, 1), (1, 2), (0, 2))]
    assert max(sides) - min(sides) < 0.1 and min(sides) > 1.5  # equilateral, well separated


@pytest.mark.parametrize("bad_n", [1, 0, -5, 100_001, 2.5, True, "10", None])
def test_load_rejects_bad_n(bad_n):
    with pytest.raises(ExplorerError, match="100,000"):
        datasets.load("moons", n=bad_n)


def test_load_unknown_name_lists_the_names():
    with pytest.raises(ExplorerError) as err:
        datasets.load("smily")
    assert "smily" in str(err.value) and all(name in str(err.value) for name in NAMES)


def test_load_rejects_bad_seed():
    with pytest.raises(ExplorerError, match="seed"):
        datasets.load("smiley", seed=-1)


# ---- validate ----------------------------------------------------------------------------------

def test_validate_accepts_lists_tuples_numpy_and_torch_and_returns_a_copy():
    expected = np.array([[0, 1], [2, 3]], dtype=np.float32)
    for points in ([[0, 1], [2, 3]], ((0, 1), (2, 3)), np.arange(4).reshape(2, 2),
                   torch.arange(4.0).reshape(2, 2), torch.arange(4.0).reshape(2, 2).requires_grad_()):
        out = datasets.validate(points)
        assert out.dtype == np.float32 and out.flags.c_contiguous and np.array_equal(out, expected)
    source = np.asfortranarray(np.ones((5, 2), dtype=np.float32))
    out = datasets.validate(source)
    assert out.flags.c_contiguous and not np.shares_memory(out, source)


@pytest.mark.parametrize("points, fact", [
    ([["a", "b"], ["c", "d"]], "text"),
    ([[1, None], [2, 3]], "not a number"),
    ([[1, 2], [3]], "longer"),
    ([[True, False], [False, True]], "True/False"),
    (np.zeros((5, 3)), "(5, 3)"),
    (np.zeros((2, 7)), "transposed"),
    (np.zeros(6), "(n, 2)"),
    ([], "empty"),
    (np.zeros((0, 2)), "empty"),
    ([[1.0, 2.0]], "single point"),
    (np.zeros((100_001, 2)), "100,001"),
    ([[0, 0], [np.nan, 1], [2, 2], [np.inf, 0]], "2 rows contain NaN or infinity (first at row 1)"),
    ([[0, 0], [1, -1234.5]], "1234"),
    ([[0, 0], [1, -1234.5]], "rescale"),
])
def test_validate_errors_name_the_problem(points, fact):
    with pytest.raises(ExplorerError) as err:
        datasets.validate(points)
    assert fact in str(err.value)


def test_validate_limits_are_keywords():
    with pytest.raises(ExplorerError, match="at least 5"):
        datasets.validate(np.zeros((4, 2)), min_points=5)
    with pytest.raises(ExplorerError, match="limit is 3"):
        datasets.validate(np.zeros((4, 2)), max_points=3)
    assert datasets.validate([[0, 500], [1, 1]], max_abs=1000).shape == (2, 2)


finite_points = st.integers(2, 40).flatmap(lambda n: st.one_of(
    arrays(np.float64, (n, 2), elements=st.floats(-100, 100)),
    arrays(np.float32, (n, 2), elements=st.floats(-100, 100, width=32)),
))


@FAST
@given(finite_points)
def test_validate_accepts_any_finite_array_unchanged(points):
    out = datasets.validate(points)
    assert out.dtype == np.float32 and out.shape == points.shape
    assert np.array_equal(out, points.astype(np.float32))


@FAST
@given(finite_points, st.data())
def test_validate_rejects_any_nan_or_inf(points, data):
    i = data.draw(st.integers(0, len(points) - 1))
    j = data.draw(st.integers(0, 1))
    points = points.copy()
    points[i, j] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ExplorerError, match=f"first at row {i}"):
        datasets.validate(points)


# ---- rescale -----------------------------------------------------------------------------------

def test_rescale_centres_and_fits_keeping_the_aspect():
    pts = np.array([[1000.0, 10.0], [3000.0, 20.0], [2000.0, 500.0]])
    out = datasets.rescale(pts, half_width=1.5).astype(np.float64)
    assert np.allclose(out.min(axis=0) + out.max(axis=0), 0, atol=1e-6)
    assert np.isclose(out[:, 0].max(), 1.5) and np.isclose(out[:, 0].min(), -1.5)
    assert np.isclose(np.ptp(out[:, 1]) / np.ptp(out[:, 0]), 490 / 2000, atol=1e-6)


def test_rescale_of_identical_points_only_centres():
    assert np.array_equal(datasets.rescale([[5, -7]] * 4), np.zeros((4, 2), np.float32))


@pytest.mark.parametrize("half_width", [0, -1, 1e6, float("nan"), "2"])
def test_rescale_rejects_bad_half_width(half_width):
    with pytest.raises(ExplorerError, match="half_width"):
        datasets.rescale([[0, 0], [1, 1]], half_width=half_width)


# ---- from_strokes ------------------------------------------------------------------------------

coord = st.floats(-3, 3, allow_nan=False)
stroke = st.integers(2, 6).flatmap(lambda m: st.tuples(st.lists(coord, min_size=m, max_size=m),
                                                       st.lists(coord, min_size=m, max_size=m)))


def _length(xs, ys):
    return sum(float(np.hypot(np.diff(x), np.diff(y)).sum()) for x, y in zip(xs, ys, strict=True))


@FAST
@given(st.lists(stroke, min_size=1, max_size=4), st.floats(5, 60), st.floats(0, 0.05), st.integers(0, 2**32))
def test_from_strokes_properties(strokes, density, jitter, seed):
    xs, ys = [list(s[0]) for s in strokes], [list(s[1]) for s in strokes]
    lengths = [_length([x], [y]) for x, y in zip(xs, ys, strict=True)]
    assume(min(lengths) > 0 and density * sum(lengths) >= 2)
    out = datasets.from_strokes(xs, ys, density=density, jitter=jitter, seed=seed)
    assert abs(len(out) - density * sum(lengths)) <= len(strokes)
    all_x, all_y, margin = np.concatenate(xs), np.concatenate(ys), 6 * jitter + 1e-5
    assert np.all((out[:, 0] >= all_x.min() - margin) & (out[:, 0] <= all_x.max() + margin))
    assert np.all((out[:, 1] >= all_y.min() - margin) & (out[:, 1] <= all_y.max() + margin))
    assert np.array_equal(out, datasets.from_strokes(xs, ys, density=density, jitter=jitter, seed=seed))


def test_from_strokes_spaces_points_evenly_along_the_ink():
    out = datasets.from_strokes([[0, 1, 1]], [[0, 0, 1]], density=10, jitter=0.0).astype(np.float64)
    assert len(out) == 20
    on_x = out[out[:, 1] == 0][:, 0]
    assert np.allclose(np.diff(np.sort(on_x)), 0.1, atol=1e-6) and np.isclose(on_x.min(), 0.05)
    assert np.allclose(np.sort(out[out[:, 0] == 1][:, 1]), np.arange(10) / 10 + 0.05, atol=1e-6)


def test_from_strokes_handles_clicks_nan_empty_and_numpy_strokes():
    click = datasets.from_strokes([[0.5]], [[0.5]], density=40, jitter=0.0)
    assert np.array_equal(click, np.full((2, 2), 0.5, np.float32))  # max(1, round(40 * 0.05)) = 2
    clean = datasets.from_strokes([[0, 1, 2]], [[0, 0, 0]], seed=3)
    messy = datasets.from_strokes([[], np.array([0, np.nan, 1, 2]), [np.nan]],
                                  [[], np.array([0, 5, 0, 0]), [1.0]], seed=3)
    assert np.array_equal(clean, messy)


def test_from_strokes_caps_the_total_by_even_subsampling():
    out = datasets.from_strokes([[-2, 2]], [[0, 0]], density=10_000, jitter=0.0, max_points=400)
    assert out.shape == (400, 2)
    assert np.allclose(np.diff(out[:, 0]), 4 / 400, atol=1e-4)


@pytest.mark.parametrize("xs, ys, kwargs, fact", [
    ([[0, 1]], [[0, 1], [2, 3]], {}, "ys has 2"),
    ([[0, 1, 2]], [[0, 1]], {}, "3 x values but 2 y values"),
    ([], [], {}, "draw a longer stroke"),
    ([[np.nan, np.nan]], [[0, 1]], {}, "draw a longer stroke"),
    ([[0.2]], [[0.3]], {"density": 20}, "draw a longer stroke"),
    ([["a", "b"]], [[0, 1]], {}, "not a number"),
    ([[0, 500]], [[0, 0]], {}, "500"),
    ([[0, 1]], [[0, 1]], {"density": 0}, "density"),
    ([[0, 1]], [[0, 1]], {"density": -3}, "density"),
    ([[0, 1]], [[0, 1]], {"jitter": -0.1}, "jitter"),
    ([[0, 1]], [[0, 1]], {"max_points": 1}, "max_points"),
])
def test_from_strokes_errors(xs, ys, kwargs, fact):
    with pytest.raises(ExplorerError) as err:
        datasets.from_strokes(xs, ys, **kwargs)
    assert fact in str(err.value)


# ---- CSV ---------------------------------------------------------------------------------------

def test_read_csv_accepts_paths_bytes_and_file_objects(tmp_path):
    text = "# my drawing\n\nx;y\n1.5;-2\n 3 ; 4 \n\n# end\n"
    path = tmp_path / "d.csv"
    path.write_text(text)
    expected = np.array([[1.5, -2], [3, 4]], np.float32)
    for source in (path, str(path), text.encode(), io.StringIO(text), io.BytesIO(text.encode())):
        assert np.array_equal(datasets.read_csv(source), expected)
    assert np.array_equal(datasets.read_csv(b"\xef\xbb\xbf1,2\r\n3,4\r\n"), [[1, 2], [3, 4]])  # BOM, CRLF
    assert np.array_equal(datasets.read_csv(b"x y\n1\t2\n3 4"), [[1, 2], [3, 4]])


too_big = b"0" * (datasets.MAX_CSV_BYTES + 1)


@pytest.mark.parametrize("data, facts", [
    (b"", ["empty"]),
    (b"\n# only a comment\n\n", ["empty"]),
    (b"x,y\n", ["header", "no rows"]),
    (b"x,y\n1,2\nfoo,3\n", ["line 3", "'foo'"]),
    (b"x,y\n1,2,3\n4,5\n", ["line 2", "3 columns", "2 numbers"]),
    (b"1,2\n3\n", ["line 2", "1 column"]),
    (b"x,y\n1,2\n\n3,nan\n", ["line 4", "NaN"]),
    (b"x,y\n1,2\n3,inf\n", ["line 3", "infinity"]),
    (b"x,y\n1,2\n1e30,0\n", ["1e+30", "line 3", "rescale"]),
    (b"x,y\n1,2\n3,\xff\xfe\n", ["UTF-8", "line 3"]),
    (b"x;y\n1,5;2,5\n", ["line 2", "decimal"]),
    (b"1,2\n", ["single point"]),
    pytest.param(too_big, ["20 MB"], id="oversized"),
])
def test_read_csv_malformed_corpus(data, facts):
    with pytest.raises(ExplorerError) as err:
        datasets.read_csv(data)
    assert all(fact in str(err.value) for fact in facts), str(err.value)


def test_read_csv_bad_sources(tmp_path):
    with pytest.raises(ExplorerError, match="could not read"):
        datasets.read_csv(tmp_path / "missing.csv")
    with pytest.raises(ExplorerError, match="looks like CSV text"):
        datasets.read_csv("x,y\n1,2\n3,4\n")
    with pytest.raises(ExplorerError, match="needs a path"):
        datasets.read_csv(123)


def test_read_csv_refuses_too_many_rows():
    data = b"".join(b"%d,0\n" % (i % 50) for i in range(100_001))
    with pytest.raises(ExplorerError, match="100,000"):
        datasets.read_csv(data)


def test_write_csv_format_and_path(tmp_path):
    path = tmp_path / "out.csv"
    text = datasets.write_csv([[1, -2.5], [0.1234567, 3]], path)
    assert text == "x,y\n1.000000,-2.500000\n0.123457,3.000000\n"
    assert path.read_bytes() == text.encode()


@FAST
@given(finite_points)
def test_csv_round_trip(points):
    back = datasets.read_csv(datasets.write_csv(points).encode())
    assert back.dtype == np.float32 and back.shape == points.shape
    assert np.allclose(back, datasets.validate(points), rtol=0, atol=1e-6)


# ---- shipped CSVs ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_shipped_csv_matches_load(name):
    path = datasets.shipped_path(name)
    assert path.name == f"{name}.csv" and path.is_file()
    assert np.allclose(datasets.read_csv(path), datasets.load(name, 2000, 0), rtol=0, atol=1e-6)


def test_regenerate_script_reproduces_the_shipped_files_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("regenerate", REPO / "datasets" / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    assert sorted(p.stem for p in written) == sorted(NAMES)
    for path in written:
        assert path.read_bytes() == datasets.shipped_path(path.stem).read_bytes(), path.name


def test_shipped_path_unknown_name():
    with pytest.raises(ExplorerError, match="smiley"):
        datasets.shipped_path("nope")
