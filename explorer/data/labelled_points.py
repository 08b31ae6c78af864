"""Point sets with a class per point: drawings in colours, and CSV files with a `label` column.

    pts = dx.labelled_points.from_coloured_strokes(xs, ys, [0, 0, 1])   # strokes 0, 1 red; stroke 2 green
    pts.points, pts.labels, pts.class_names                             # (n, 2), (n,), ['red', 'green']
    pts = dx.labelled_points.read_labelled_csv("classes.csv")           # labels None if the file has none
    text = dx.labelled_points.write_labelled_csv(points, labels, ["top", "bottom"])

The CSV format (README, "Guidance"): a header row `x,y,label` (any order; 'label' is what marks the class
column), then one row per point whose label is a class name or a whole number. An optional comment line
`# classes: a,b,c` fixes the classes' order (write_labelled_csv writes it, so a file reads back with the
same class numbers); without it, whole numbers keep their order and names come in order of first
appearance. A file without a label column is read as plain x,y points, exactly as datasets.read_csv.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.data import datasets

# The drawing canvas's classes: colour names, in the order of the app's class colours (explorer/ui).
DRAW_CLASSES = ("red", "green", "purple", "orange", "teal", "brown")
MAX_CLASSES = 20
_CLASSES_LINE = re.compile(r"#\s*classes\s*:(.*)", re.IGNORECASE)


class LabelledPoints(NamedTuple):
    points: np.ndarray  # (n, 2) float32
    labels: np.ndarray | None  # (n,) int64 from 0, or None: no classes
    class_names: list[str]


def from_coloured_strokes(xs, ys, stroke_classes, *, density: float = 40.0, jitter: float = 0.03, seed: int = 0,
                          max_points: int = 20_000, names=DRAW_CLASSES) -> LabelledPoints:
    """Freehand strokes (datasets.from_strokes) where stroke i belongs to class `stroke_classes[i]`, an index
    into `names`. Only the classes that have points count: drawing in red and purple gives classes 0 = red and
    1 = purple. One colour only gives labels None (a drawing without classes)."""
    cls = np.asarray(stroke_classes)
    if cls.shape != (len(xs),) or (cls.size and (not np.issubdtype(cls.dtype, np.integer) or cls.min() < 0
                                                  or cls.max() >= len(names))):
        raise ExplorerError(f"stroke_classes must give one class from 0 to {len(names) - 1} per stroke "
                            f"({len(xs)} strokes)")
    points, stroke = datasets.stroke_points(xs, ys, density, jitter, seed, max_points)
    used, labels = np.unique(cls[stroke], return_inverse=True)
    if len(used) < 2:
        return LabelledPoints(points, None, [])
    return LabelledPoints(points, labels.astype(np.int64), [names[i] for i in used])


def _fields(line: str) -> list[str]:
    sep = ";" if ";" in line else "," if "," in line else None
    return [f.strip().strip('"').strip() for f in line.split(sep)]


def _header(fields: list[str], number: int) -> int | None:
    """The label column's index in a header row (None: no label column)."""
    names = [f.lower() for f in fields]
    if "label" in names:
        if len(fields) != 3:
            raise ExplorerError(f"line {number} (the header) has {len(fields)} columns; with a label column "
                                "each row needs 3: x,y,label")
        return names.index("label")
    if len(fields) == 3:
        raise ExplorerError(f"line {number} (the header) has 3 columns; to give each point a class, name the "
                            "third column 'label' (x,y,label)")
    return None


def _classes(raw: list[str], declared: list[str] | None, line_of: list[int]) -> tuple[np.ndarray, list[str]]:
    if declared is not None:
        index = {name: k for k, name in enumerate(declared)}
        for name, number in zip(raw, line_of, strict=True):
            if name not in index:
                raise ExplorerError(f"line {number}: the label {name!r} is not one of the classes listed in "
                                    f"'# classes:' ({', '.join(declared)})")
        names = declared
    elif all(re.fullmatch(r"\d+", r) for r in raw):
        names = [str(v) for v in sorted({int(r) for r in raw})]
        index = {str(int(n)): k for k, n in enumerate(names)}
        raw = [str(int(r)) for r in raw]
    else:
        names = list(dict.fromkeys(raw))
        index = {name: k for k, name in enumerate(names)}
    if len(names) > MAX_CLASSES:
        raise ExplorerError(f"the file has {len(names)} classes; at most {MAX_CLASSES} are allowed")
    return np.array([index[r] for r in raw], np.int64), list(names)


def read_labelled_csv(source) -> LabelledPoints:
    """Read x,y (and optionally label) rows: a path, raw bytes (Panel's FileInput) or a file object.

    One point per line; comma, semicolon or whitespace separated; a non-numeric first row is a header; blank
    lines and # comments are skipped. Errors name the line. Plain Python parsing: no pickle, no eval."""
    text = datasets.read_text(source)
    rows, raw_labels, line_of, declared = [], [], [], None
    seen_first, label_at = False, None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            found = _CLASSES_LINE.fullmatch(line)
            if found:
                declared = [n.strip() for n in found.group(1).split(",") if n.strip()]
            continue
        fields = _fields(line)
        if not seen_first:
            seen_first = True
            if None in map(datasets.number, fields):
                label_at = _header(fields, number)
                continue
        want = 2 if label_at is None else 3
        if len(fields) != want:
            raise ExplorerError(f"line {number} has {len(fields)} column{'s' * (len(fields) != 1)}; each row needs "
                                + ("exactly 2 numbers: x,y" if want == 2 else "3 fields: x,y,label"))
        label = None
        if label_at is not None:
            label = fields.pop(label_at)
            if not label:
                raise ExplorerError(f"line {number} has an empty label; give every point its class")
        values = [datasets.number(f) for f in fields]
        if None in values:
            bad = fields[values.index(None)]
            hint = " (use a dot as the decimal separator)" if "," in bad else ""
            raise ExplorerError(f"line {number}: {bad!r} is not a number{hint}; each row needs 2 numbers: x,y")
        if len(rows) == datasets.MAX_POINTS:
            raise ExplorerError(f"the file has more than {datasets.MAX_POINTS:,} rows of points (the limit); "
                                "subsample it")
        rows.append(values)
        raw_labels.append(label)
        line_of.append(number)
    if not rows:
        what = "has a header but no rows of numbers" if seen_first else "is empty"
        raise ExplorerError(f"the file {what}: it needs two columns x,y and at least 2 rows of numbers")
    points = datasets.checked_rows(np.array(rows, dtype=np.float64), lambda i: f"line {line_of[i]}")
    if label_at is None:
        return LabelledPoints(points, None, [])
    labels, names = _classes(raw_labels, declared, line_of)
    return LabelledPoints(points, labels, names)


def _clean_name(name) -> str:
    """A class name that survives the CSV: no separators, quotes or line breaks."""
    return re.sub(r"[,;\"\r\n#]+", " ", str(name)).strip() or "class"


def write_labelled_csv(points, labels=None, class_names=None, path=None) -> str:
    """CSV text of the points and their classes: `# classes:`, then `x,y,label` rows with class names (plain
    `x,y` rows, as datasets.write_csv, when labels is None). Written to `path` too, when given; read back by
    read_labelled_csv with the same classes in the same order."""
    if labels is None:
        return datasets.write_csv(points, path)
    arr = datasets.validate(points)
    from explorer.data.labels import check_labels

    names = [_clean_name(n) for n in (class_names or [])]
    lab = check_labels(labels, len(arr), len(names) if names else None)
    if not names:
        names = [str(k) for k in range(int(lab.max()) + 1)]
    if len(set(names)) != len(names):
        raise ExplorerError(f"class names must differ from each other; got {', '.join(names)}")
    lines = [f"# classes: {','.join(names)}", "x,y,label"]
    lines += [f"{x:.6f},{y:.6f},{names[k]}" for (x, y), k in zip(arr.tolist(), lab.tolist(), strict=True)]
    text = "\n".join(lines) + "\n"
    if path is not None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return text
