"""Precision and recall against the guidance scale (explorer/studies/guidance_sweep.py)."""
import numpy as np
import pytest

import explorer as dx
from explorer.data.labels import load_labelled
from explorer.studies.guidance_sweep import guidance_sweep, precision_recall


def test_precision_and_recall_of_known_sets():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(400, 2))
    assert precision_recall(ref, ref) == (1.0, 1.0)
    assert precision_recall(ref + 20.0, ref) == (0.0, 0.0)  # far away: nothing lands, nothing is covered
    # samples on half the reference (x < 0): all land in its region, and they cover about half of it
    half = ref[ref[:, 0] < 0]
    precision, recall = precision_recall(half, ref)
    assert precision == 1.0 and abs(recall - (ref[:, 0] < 0).mean()) < 0.08
    # a region is a union of k-NN balls: a point halfway between two reference points 1 apart, with k = 1,
    # lies inside (radius 1); one 0.6 beyond the pair does not
    pair = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert precision_recall([[0.5, 0.0], [0.5, 0.1]], pair, k=1)[0] == 1.0
    assert precision_recall([[2.6, 0.0], [2.6, 0.1]], pair, k=1)[0] == 0.0


def test_the_exact_conditional_sweep_follows_the_classes_and_narrows_with_w():
    points, labels = load_labelled("three_dots", n=600)
    oracle = dx.OracleDenoiser(points, "rectified", labels=labels)
    result = guidance_sweep(oracle, points, labels, ws=(0, 1, 4), n=200, class_names=["a", "b", "c"])
    share = np.bincount(labels) / len(labels)
    # w = 0 ignores the class: samples spread over all three blobs, so a class gets about its share of them
    np.testing.assert_allclose(result.precision[:, 0], share, atol=0.1)
    assert (result.precision[:, 1] >= 0.95).all()  # w = 1: the class's own points
    assert (result.recall[:, 2] < result.recall[:, 1] - 0.3).all()  # w = 4: fewer of them covered
    assert (result.distance[:, 1] < result.distance[:, 0]).all()
    assert result.summary(0).startswith("a: precision 100% -> ")


def test_the_sweep_refuses_what_it_cannot_measure():
    points, labels = load_labelled("moons", n=100)
    with pytest.raises(dx.ExplorerError, match="needs a conditional model"):
        guidance_sweep(dx.OracleDenoiser(points, "rectified"), points, labels)
    oracle = dx.OracleDenoiser(points, "rectified", labels=labels)
    with pytest.raises(dx.ExplorerError, match="between 0 and 10"):
        guidance_sweep(oracle, points, labels, ws=(1, 25))
    with pytest.raises(dx.ExplorerError, match="labels must be from 0 to 1"):
        guidance_sweep(oracle, points, labels + 1)
