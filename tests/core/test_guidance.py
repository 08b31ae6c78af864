"""Labels, conditional models, classifier-free guidance and autoguidance, against exact references."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import explorer as dx
import explorer.data.shapes as shapes
from explorer.core.denoisers import Denoiser
from explorer.core.guidance import Guided
from explorer.data.labels import class_names, label_points, load_labelled


@pytest.mark.parametrize("name,weights,order,accuracy", [
    ("moons", [1, 1], None, 1.0), ("rings", [0.6, 1.2, 1.8], None, 1.0), ("spiral", [1, 1], None, 0.97),
    ("smiley", [0.64, 0.24, 0.06, 0.06], [0, 2, 1, 1], 1.0),  # generator order: face, smile, eyes
])
def test_labels_are_the_part_a_point_was_drawn_from(monkeypatch, name, weights, order, accuracy):
    monkeypatch.setattr(shapes, "_finish", lambda parts, rng: np.concatenate(parts))  # keep the parts' order
    points = shapes.GENERATORS[name](4000, np.random.default_rng(0))
    counts = np.random.default_rng(0).multinomial(4000, np.array(weights) / np.sum(weights))
    truth = np.repeat(np.arange(len(counts)), counts)
    truth = truth if order is None else np.array(order)[truth]
    assert (label_points(name, points) == truth).mean() >= accuracy  # spiral: the arms meet at the centre


def test_load_labelled_gives_the_same_points_with_a_label_each():
    points, labels = load_labelled("smiley", n=500, seed=3)
    np.testing.assert_array_equal(points, dx.datasets.load("smiley", n=500, seed=3))
    assert labels.shape == (500,) and set(labels) == {0, 1, 2} and class_names("smiley") == ["face", "eyes", "mouth"]
    assert dx.datasets.load_labelled is load_labelled


def test_the_exact_conditional_lands_only_on_its_class():
    points, labels = load_labelled("three_dots", n=300)
    oracle = dx.OracleDenoiser(points, "cosine", labels=labels)
    for k in range(3):
        run = dx.sample(oracle, n=200, sampler="ddpm", steps=40, grid="logsnr", label=k)
        nearest = np.linalg.norm(run.samples[:, None] - points[None], axis=-1).argmin(1)
        assert set(labels[nearest]) == {k}
        assert np.median(np.linalg.norm(run.samples - points[nearest], axis=1)) < 1e-4  # on the points themselves


class TwoGaussians(Denoiser):
    """The exact conditional and unconditional denoisers of a two-class Gaussian mixture."""

    classes = 2
    MEANS = (np.array([-1.0, 0.0]), np.array([1.2, 0.5]))
    COVS = (np.array([[0.3, 0.1], [0.1, 0.2]]), np.array([[0.15, -0.05], [-0.05, 0.4]]))

    def __init__(self, schedule="rectified"):
        self.schedule = dx.get_schedule(schedule)
        self.parts = [dx.GaussianDenoiser(m, c, schedule) for m, c in zip(self.MEANS, self.COVS, strict=True)]

    def denoise(self, x, t, label=None):
        if label is not None:
            return self.parts[int(label)].denoise(x, t)
        tt = torch.as_tensor(t, dtype=torch.float64)
        a, s = float(self.schedule.alpha(tt)), float(self.schedule.sigma(tt))
        logp = []
        for m, c in zip(self.MEANS, self.COVS, strict=True):  # log N(x; a m, a² C + s² I), equal class weights
            cov = a**2 * c + s**2 * np.eye(2)
            d = x.double().numpy() - a * m
            logp.append(-0.5 * np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d) - 0.5 * np.log(np.linalg.det(cov)))
        w = torch.softmax(torch.from_numpy(np.stack(logp, 1)), dim=1).to(x.dtype)
        pairs = [p.denoise(x, t) for p in self.parts]
        return tuple(w[:, :1] * pairs[0][i] + w[:, 1:] * pairs[1][i] for i in range(2))


def test_cfg_at_w1_is_the_class_law_and_larger_w_narrows_it():
    truth = TwoGaussians()
    for k in range(2):
        run = dx.sample(truth, n=20000, sampler="heun", steps=60, label=k, guidance=1.0)
        np.testing.assert_allclose(run.samples.mean(0), truth.MEANS[k], atol=0.03)
        np.testing.assert_allclose(np.cov(run.samples.T), truth.COVS[k], atol=0.03)
    spread = [np.linalg.det(np.cov(dx.sample(truth, n=5000, steps=60, label=1, guidance=w).samples.T))
              for w in (1.0, 2.0, 4.0)]
    assert spread[0] > spread[1] > spread[2]
    both = dx.sample(truth, n=20000, sampler="heun", steps=60).samples  # unconditional: half each
    assert abs((both[:, 0] > 0.1).mean() - 0.5) < 0.03


@pytest.fixture(scope="module")
def moons_model():
    points, labels = load_labelled("moons", n=2000)
    cfg = dx.TrainConfig(steps=1000, width=64, snapshot_every=200)
    return dx.train(points, cfg, labels=labels, class_names=class_names("moons"))


def test_a_trained_conditional_model_follows_its_label_more_with_w(moons_model):
    m = moons_model
    assert m.classes == 2 and m.class_names == ["upper moon", "lower moon"]
    assert sorted(m.snapshots) == [200, 400, 600, 800]
    for k in range(2):
        share = [(label_points("moons", dx.sample(m, n=1000, steps=30, label=k, guidance=w).samples) == k).mean()
                 for w in (0.0, 1.0, 3.0)]
        assert share[1] >= 0.95 and share[2] >= share[1] >= share[0], share
    free = label_points("moons", dx.sample(m, n=2000, steps=30).samples)
    assert abs(free.mean() - 0.5) < 0.08  # unconditional sampling keeps the classes' proportions


def test_autoguidance_mixes_the_model_with_its_weaker_self(moons_model):
    m, weak = moons_model, moons_model.snapshot(200)
    kw = dict(n=300, steps=20, seed=4)
    np.testing.assert_allclose(dx.sample(m, guide=weak, guidance=1.0, **kw).samples, dx.sample(m, **kw).samples,
                               atol=1e-5)
    np.testing.assert_allclose(dx.sample(m, guide=weak, guidance=0.0, **kw).samples, dx.sample(weak, **kw).samples,
                               atol=1e-5)
    run = dx.sample(m, guide=weak, guidance=2.0, label=0, **kw)
    assert run.nfe == 2 * 39  # two network calls a denoising (Heun: 39 a run)
    x, t = torch.randn(5, 2), torch.tensor(0.4)
    main, ref = m.denoise(x, t, 0), weak.denoise(x, t, 0)
    torch.testing.assert_close(Guided(m, 0, 2.0, weak).denoise(x, t)[0], ref[0] + 2 * (main[0] - ref[0]))


def test_labels_and_snapshots_survive_save_and_load(moons_model, tmp_path):
    back = dx.load(dx.save(moons_model, tmp_path / "m"))
    assert back.class_names == moons_model.class_names and sorted(back.snapshots) == sorted(moons_model.snapshots)
    kw = dict(n=100, steps=8, label=1, guidance=2.0)
    np.testing.assert_array_equal(dx.sample(back, **kw).samples, dx.sample(moons_model, **kw).samples)


def test_bad_guidance_says_what_is_wrong():
    plain = dx.load_pretrained("moons")
    with pytest.raises(dx.ExplorerError, match="trained without labels"):
        dx.sample(plain, n=10, label=0)
    with pytest.raises(dx.ExplorerError, match="guidance needs a class to guide towards"):
        dx.sample(plain, n=10, guidance=2.0)
    with pytest.raises(dx.ExplorerError, match="guidance must be between 0 and 10"):
        dx.sample(TwoGaussians(), n=10, label=0, guidance=50)
    with pytest.raises(dx.ExplorerError, match="no labels were given"):
        dx.train(np.zeros((10, 2)), dx.TrainConfig(classes=2, steps=2))
    with pytest.raises(dx.ExplorerError, match="labels must be one whole number per point"):
        dx.train(np.zeros((10, 2)), dx.TrainConfig(steps=2), labels=[0, 1])


def test_guidance_arrows_are_the_posterior_directions_and_their_extrapolation():
    """At one point: the class arrow is x0_hat - eps_hat of class 1's Gaussian posterior (rectified flow: the
    drift reversed, -dx/dt = x0_hat - eps_hat), computed here in numpy; guided = reference + w (class - reference)."""
    from explorer.core.guidance import guidance_arrows

    x, t = np.array([0.3, -0.4]), 0.6
    a, s = 1 - t, t
    m, c = TwoGaussians.MEANS[1], TwoGaussians.COVS[1]
    x0 = m + a * c @ np.linalg.solve(a**2 * c + s**2 * np.eye(2), x - a * m)
    eps = (x - a * x0) / s
    arrows = guidance_arrows(TwoGaussians(), x, t, label=1, guidance=4.0)
    np.testing.assert_allclose(arrows["conditional"], x0 - eps, rtol=1e-5)
    ref = TwoGaussians().denoise(torch.from_numpy(x[None]), t)
    np.testing.assert_allclose(arrows["reference"], (ref[0] - ref[1]).numpy()[0], rtol=1e-5)
    r, k = arrows["reference"], arrows["conditional"]
    np.testing.assert_allclose(arrows["guided"], r + 4.0 * (k - r), rtol=1e-5)
    with pytest.raises(dx.ExplorerError, match="trained without labels"):
        guidance_arrows(dx.GaussianDenoiser(m, c), x, t, label=0, guidance=2.0)
