"""Tests for the quality verdict (explorer/core/verdict.py through dx.metrics.quality): it does not flip on noise.

Every built-in set, 1000 samples: a fresh draw reads "generalises" in 20 of 20 seeds, the exact denoiser of 50
points "memorises", Gaussian noise "not learned"; with and without a fresh draw (a drawing has none).
"""
import numpy as np
import pytest
from heldout_shapes import FAMILIES, shape

import explorer as dx
from explorer.core import verdict
from explorer.core.denoisers import OracleDenoiser

NAMES = dx.datasets.names()


def _load(name, n, seed):
    return dx.datasets.load(name, n=n, seed=seed)


@pytest.mark.parametrize("name", NAMES)
def test_a_fresh_draw_scored_as_samples_generalises_in_20_of_20_seeds(name):
    data, fresh = _load(name, 1000, 0), _load(name, 1000, 12345)
    results = [dx.metrics.quality(_load(name, 1000, 100 + s), data, fresh) for s in range(20)]
    assert [q["verdict"] for q in results] == ["generalises"] * 20
    ratios = np.array([q["ratio"] for q in results])
    noise = results[0]["noise"]
    # The measured noise is the noise: the 20 ratios scatter about 1 by about `noise` (sd), never 3x the floor.
    assert 0.3 < noise < 1.0
    assert 0.4 * noise < ratios.std() < 1.6 * noise
    assert 0.4 < ratios.mean() < 1.6
    assert all(q["copied"] < 0.2 for q in results)  # a fresh draw does not sit on the training points
    assert results[0]["reference"] == "fresh"


@pytest.mark.parametrize("name", NAMES)
def test_the_exact_denoiser_of_50_points_memorises(name):
    data, fresh = _load(name, 50, 0), _load(name, 1000, 12345)
    samples = dx.sample(OracleDenoiser(data), n=1000, seed=1).samples  # the default sampler, its own defaults
    for q in (dx.metrics.quality(samples, data, fresh), dx.metrics.quality(samples, data)):
        assert q["verdict"] == "memorises"
        assert q["copied"] > 0.65
    assert dx.metrics.quality(samples, data, fresh)["copied_fresh"] < 0.4


@pytest.mark.parametrize("name", NAMES)
def test_gaussian_noise_is_not_learned(name):
    data, fresh = _load(name, 1000, 0), _load(name, 1000, 12345)
    noise = np.random.default_rng(3).normal(size=(1000, 2))
    for q in (dx.metrics.quality(noise, data, fresh), dx.metrics.quality(noise, data)):
        assert q["verdict"] == "not learned"
        assert q["ratio"] > 1 + verdict.LEARNED_EXCESS


def test_without_a_fresh_draw_the_training_set_is_the_reference():
    data = _load("smiley", 1000, 0)
    verdicts = [dx.metrics.quality(_load("smiley", 1000, 200 + s), data) for s in range(5)]
    assert {q["reference"] for q in verdicts} == {"training"}
    assert {q["verdict"] for q in verdicts} == {"generalises"}
    assert "to_fresh" not in verdicts[0] and "floor" not in verdicts[0]


def test_the_old_keys_are_still_there_and_unchanged():
    data, fresh, samples = _load("moons", 1000, 0), _load("moons", 1000, 1), _load("moons", 500, 2)
    q = dx.metrics.quality(samples, data, fresh)
    assert q["to_training"] == pytest.approx(dx.metrics.energy_distance(samples, data), rel=1e-12)
    assert q["to_fresh"] == pytest.approx(dx.metrics.energy_distance(samples, fresh), rel=1e-12)
    assert q["floor"] == pytest.approx(dx.metrics.energy_distance(data[:500], fresh), rel=1e-12)


def test_the_ratio_is_one_plus_the_unbiased_distance_over_the_exact_bias():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(40, 2)), rng.normal(size=(60, 2)) + 0.2
    d = lambda p, q: np.sqrt(((p[:, None] - q[None]) ** 2).sum(-1))  # noqa: E731
    by_definition = 2 * d(a, b).mean() - d(a, a).sum() / (40 * 39) - d(b, b).sum() / (60 * 59)
    assert verdict.unbiased_energy_distance(a, b) == pytest.approx(by_definition, rel=1e-12)
    q = verdict.judge(a, b[:30], b)
    bias = (1 / 40 + 1 / 60) * d(b, b).sum() / (60 * 59)
    assert q["ratio"] == pytest.approx(1 + by_definition / bias, rel=1e-9)


def test_a_slight_blur_generalises_and_a_wide_one_is_not_learned():
    # The energy distance sees shape at the data's scale: a blur of 0.3 on rings still reads ~0.8 (1000 samples),
    # a blur of 1.0 (the size of the set) does not (docs/parameterisation.md#quality).
    data, fresh = _load("rings", 1000, 0), _load("rings", 1000, 1)
    sample = _load("rings", 1000, 2)
    rng = np.random.default_rng(0)
    slight = dx.metrics.quality(sample + rng.normal(0, 0.02, sample.shape), data, fresh)
    blurred = dx.metrics.quality(sample + rng.normal(0, 1.0, sample.shape), data, fresh)
    assert slight["verdict"] == "generalises"
    assert blurred["verdict"] == "not learned"


def test_describe_says_the_verdict_in_words_with_its_noise():
    data, fresh = _load("spiral", 1000, 0), _load("spiral", 1000, 12345)
    same = dx.metrics.quality(_load("spiral", 1000, 5), data, fresh)
    assert verdict.describe(same).startswith("generalises: indistinguishable from the data (within noise; "
                                             "a fresh draw reads 1.0 ± ")
    far = verdict.describe(dx.metrics.quality(np.random.default_rng(0).normal(size=(1000, 2)), data, fresh))
    assert far.startswith("not learned: far from the data, ") and "as far from a fresh draw of the data" in far
    copies = verdict.describe(dx.metrics.quality(np.repeat(data[:50], 20, axis=0), data[:50], fresh))
    assert copies.startswith("memorises: 100% of its samples sit on a training point (a new draw of the data: ")
    assert "×" not in verdict.describe(same)  # no "0.5x the floor"


def test_too_few_points_give_no_verdict_with_a_reason():
    data = _load("moons", 100, 0)
    q = dx.metrics.quality(data[:1], data)
    assert q["verdict"] is None and "too few points" in q["reason"]
    assert verdict.describe(q).startswith("no verdict: too few points")
    assert verdict.describe({}) == "no verdict: no samples yet."


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_fresh_draw_of_every_held_out_family_generalises(family):
    draw = shape(family, 7)
    data, fresh = draw(1000, np.random.default_rng(0)), draw(1000, np.random.default_rng(1))
    q = dx.metrics.quality(draw(1000, np.random.default_rng(2)), data, fresh)
    assert q["verdict"] == "generalises"
    assert np.abs(data).max() <= 2.5 and 0.5 < data.std(0).max() < 1.5


def test_a_shape_drawn_soft_is_not_learned_though_its_energy_distance_is_small():
    # Smiley's strokes with a blur of 0.15 (a half-trained model looks like this): the energy distance still reads
    # within its band, but the samples sit ~3x as far from the strokes as a fresh draw does.
    data, fresh = _load("smiley", 2000, 0), _load("smiley", 2000, 1)
    soft = _load("smiley", 1000, 2) + np.random.default_rng(0).normal(0, 0.15, (1000, 2))
    q = dx.metrics.quality(soft, data, fresh)
    assert q["ratio"] <= 1 + max(verdict.LEARNED_EXCESS, verdict.NOISE_BAND * q["noise"])  # energy alone: fine
    assert q["blurred"] and q["blur"] > 2 and q["blur_p"] < 1e-6
    assert q["verdict"] == "not learned"
    assert verdict.describe(q).startswith("not learned: the right overall shape, drawn soft: its samples sit ")


def test_the_blur_of_a_fresh_draw_is_one_within_noise():
    data = _load("spiral", 2000, 0)
    for seed in range(1, 6):
        q = dx.metrics.quality(_load("spiral", 1000, 100 + seed), data, _load("spiral", 2000, seed))
        assert abs(q["blur"] - 1) < 0.15 and not q["blurred"], q


def test_samples_on_the_shape_in_the_wrong_proportions_say_so():
    # Moons with the lower moon dropped: every sample lies on the data, half the mass is missing.
    data, fresh = _load("moons", 2000, 0), _load("moons", 2000, 1)
    upper = _load("moons", 4000, 2)
    upper = upper[upper[:, 1] > 0.25][:1000]
    q = dx.metrics.quality(upper, data, fresh)
    assert q["verdict"] == "not learned" and not q["blurred"]
    assert verdict.describe(q).startswith("not learned: its samples lie on the shape but in the wrong proportions")


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3])
def test_the_blur_test_is_scipys_mann_whitney(shift):
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(1)
    a, b = rng.exponential(1.0, 700) + shift, rng.exponential(1.0, 900)
    a[:40] = b[:40]  # some ties
    want = mannwhitneyu(a, b, alternative="greater", method="asymptotic").pvalue
    assert verdict.larger_p(a, b) == pytest.approx(want, rel=1e-9, abs=1e-300)
