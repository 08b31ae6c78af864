"""Rewrite the shipped CSVs: datasets/<name>.csv = load(name, n=2000, seed=0), for every built-in name.

Run from anywhere as ``python datasets/regenerate.py`` after changing a generator in
explorer/data/shapes.py; tests/test_datasets.py fails until the CSVs match the code again.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The shipped files are this many points with this seed (what shipped_path promises).
N_POINTS, SEED = 2000, 0


def main(out_dir: Path = HERE) -> list[Path]:
    """Write one CSV per built-in dataset into out_dir; return the paths written."""
    from explorer import datasets

    out_dir = Path(out_dir)
    written = []
    for name in datasets.names():
        path = out_dir / f"{name}.csv"
        datasets.write_csv(datasets.load(name, n=N_POINTS, seed=SEED), path)
        written.append(path)
    return written


if __name__ == "__main__":
    # Run as a script from a checkout: make the repository's explorer package importable.
    sys.path.insert(0, str(HERE.parent))
    for path in main():
        print(f"wrote {path}")
