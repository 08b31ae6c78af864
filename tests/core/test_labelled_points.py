"""Drawings in colours and CSV files with a label column (explorer/data/labelled_points.py)."""
import numpy as np
import pytest

from explorer.core.errors import ExplorerError
from explorer.data import datasets
from explorer.data.labelled_points import DRAW_CLASSES, from_coloured_strokes, read_labelled_csv, write_labelled_csv

# Three strokes: a horizontal line of length 2 at y = 0, a vertical one of length 1 at x = 0 (from y = 1),
# and a short one of length 0.5 at y = 3.
XS, YS = [[0, 1, 2], [0, 0], [3, 3.5]], [[0, 0, 0], [1, 2], [3, 3]]


def test_each_point_takes_the_class_of_its_stroke():
    got = from_coloured_strokes(XS, YS, [2, 2, 4], density=20, jitter=0.0)
    assert got.class_names == [DRAW_CLASSES[2], DRAW_CLASSES[4]]  # only the colours used, in colour order
    # at 20 points per unit: 40 + 20 points on the purple strokes, 10 on the teal one
    assert np.bincount(got.labels).tolist() == [60, 10]
    purple, teal = got.points[got.labels == 0], got.points[got.labels == 1]
    assert np.allclose(teal[:, 1], 3.0) and teal[:, 0].min() >= 3.0 and teal[:, 0].max() <= 3.5
    flat = np.isclose(purple[:, 1], 0.0) & (purple[:, 0] <= 2)
    on_line = flat | (np.isclose(purple[:, 0], 0) & (purple[:, 1] >= 1))
    assert on_line.all()
    # the points are exactly those of the drawing without colours
    assert np.array_equal(got.points, datasets.from_strokes(XS, YS, density=20, jitter=0.0))


def test_one_colour_is_a_drawing_without_classes_and_empty_strokes_are_skipped():
    assert from_coloured_strokes(XS, YS, [1, 1, 1]).labels is None
    got = from_coloured_strokes([[], *XS], [[], *YS], [5, 0, 0, 3], density=20, jitter=0.0)
    assert got.class_names == ["red", "orange"] and np.bincount(got.labels).tolist() == [60, 10]


@pytest.mark.parametrize("classes", [[0, 1], [0, 1, 9], [0, 1.5, 2], [-1, 0, 1]])
def test_stroke_classes_must_match_the_strokes(classes):
    with pytest.raises(ExplorerError, match="one class from 0 to 5 per stroke"):
        from_coloured_strokes(XS, YS, classes)


def test_a_labelled_csv_reads_back_with_the_same_classes_in_the_same_order():
    points = np.array([[0.5, 1.0], [-1.25, 2.0], [3.0, -0.5], [0.0, 0.0]], np.float32)
    labels = np.array([2, 0, 2, 1])
    text = write_labelled_csv(points, labels, ["lower left", "top", "eyes"])
    assert text.splitlines()[:3] == ["# classes: lower left,top,eyes", "x,y,label", "0.500000,1.000000,eyes"]
    back = read_labelled_csv(text.encode())
    assert np.array_equal(back.points, points) and back.labels.tolist() == [2, 0, 2, 1]
    assert back.class_names == ["lower left", "top", "eyes"]
    assert np.array_equal(datasets.read_csv(text.encode()), points)  # plain readers take the points


def test_labels_may_be_names_or_numbers_in_any_column():
    named = read_labelled_csv(b"label;x;y\nb;1;2\na;3;4\nb;5;6\n")
    assert named.class_names == ["b", "a"] and named.labels.tolist() == [0, 1, 0]
    assert named.points.tolist() == [[1, 2], [3, 4], [5, 6]]
    numbered = read_labelled_csv(b"x y LABEL\n1 2 7\n3 4 3\n5 6 03\n")  # numbers keep their order
    assert numbered.class_names == ["3", "7"] and numbered.labels.tolist() == [1, 0, 0]
    plain = read_labelled_csv(b"x,y\n1,2\n3,4\n")
    assert plain.labels is None and plain.class_names == []


@pytest.mark.parametrize("text, message", [
    (b"x,y,z\n1,2,3\n3,4,5\n", "line 1 (the header) has 3 columns; to give each point a class, name the third"),
    (b"x,y,label\n1,2,\n3,4,a\n", "line 2 has an empty label"),
    (b"x,y,label\n1,2,a\n3,4\n", "line 3 has 2 columns; each row needs 3 fields: x,y,label"),
    (b"x,y,label\n1,2,a\nthree,4,b\n", "line 3: 'three' is not a number"),
    (b"# classes: a,b\nx,y,label\n1,2,c\n3,4,a\n", "line 3: the label 'c' is not one of the classes listed"),
    (b"x,y,label,w\n1,2,a,1\n", "line 1 (the header) has 4 columns; with a label column each row needs 3"),
    (b"x,y,label\n" + b"".join(b"%d,0,c%d\n" % (i % 5, i) for i in range(21)), "the file has 21 classes; at most 20"),
])
def test_bad_labelled_files_name_the_line_and_the_fix(text, message):
    with pytest.raises(ExplorerError) as err:
        read_labelled_csv(text)
    assert message in str(err.value)


def test_writing_checks_the_labels():
    with pytest.raises(ExplorerError, match=r"labels must be from 0 to 1, got 2"):
        write_labelled_csv([[0, 0], [1, 1]], [0, 2], ["a", "b"])
    with pytest.raises(ExplorerError, match="class names must differ"):
        write_labelled_csv([[0, 0], [1, 1]], [0, 1], ["a,", "a"])  # the comma goes: both read 'a'
