from __future__ import annotations

import itertools

import numpy as np
import pytest

import shendu
from shendu import optim
from shendu.errors import DtypeError, ShapeError
from shendu.nn import RBM


def _states(n: int) -> np.ndarray:
    """Every binary vector of length ``n``, one per row."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _model(n_visible: int, n_hidden: int, seed: int = 0, scale: float = 1.0) -> RBM:
    """A float64 RBM with weights and biases large enough that every term of the energy matters."""
    rbm = RBM(n_visible, n_hidden, dtype=shendu.float64)
    rng = np.random.default_rng(seed)
    with shendu.no_grad():
        rbm.weight.copy_(shendu.tensor(rng.normal(0, scale, (n_hidden, n_visible))))
        rbm.visible_bias.copy_(shendu.tensor(rng.normal(0, scale, n_visible)))
        rbm.hidden_bias.copy_(shendu.tensor(rng.normal(0, scale, n_hidden)))
    return rbm


def _params(rbm: RBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return rbm.weight.detach().numpy(), rbm.visible_bias.detach().numpy(), rbm.hidden_bias.detach().numpy()


def _energy(rbm: RBM, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """E(v, h) for every pair of rows: shape (len(v), len(h))."""
    w, b, c = _params(rbm)
    return -(v @ b)[:, None] - (h @ c)[None, :] - v @ w.T @ h.T


def _joint(rbm: RBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All visible states, all hidden states and p(v, h) by enumerating the 2^(nv+nh) joint states."""
    vs, hs = _states(rbm.n_visible), _states(rbm.n_hidden)
    weights = np.exp(-_energy(rbm, vs, hs))
    return vs, hs, weights / weights.sum()


def _exact_nll(rbm: RBM, data: np.ndarray) -> float:
    vs, _, joint = _joint(rbm)
    marginal = dict(zip(map(tuple, vs), joint.sum(1)))
    return float(-np.mean([np.log(marginal[tuple(row)]) for row in data]))


def test_free_energy_sums_out_the_hidden_units() -> None:
    rbm = _model(4, 3)
    vs, hs = _states(4), _states(3)
    expected = -np.log(np.exp(-_energy(rbm, vs, hs)).sum(1))
    np.testing.assert_allclose(rbm.free_energy(shendu.tensor(vs)).detach().numpy(), expected, rtol=1e-12)
    assert rbm.free_energy(shendu.tensor(vs[3])).shape == ()


def test_energy_matches_the_closed_form_for_every_joint_state() -> None:
    rbm = _model(3, 2, seed=1)
    pairs = list(itertools.product(_states(3), _states(2)))
    v = shendu.tensor(np.array([p[0] for p in pairs]))
    h = shendu.tensor(np.array([p[1] for p in pairs]))
    expected = [_energy(rbm, p[0][None], p[1][None])[0, 0] for p in pairs]
    np.testing.assert_allclose(rbm.energy(v, h).detach().numpy(), expected, rtol=1e-12)


def test_marginal_from_free_energy_equals_the_enumerated_marginal() -> None:
    rbm = _model(4, 3, seed=2)
    vs, _, joint = _joint(rbm)
    unnormalized = np.exp(-rbm.free_energy(shendu.tensor(vs)).detach().numpy())
    np.testing.assert_allclose(unnormalized / unnormalized.sum(), joint.sum(1), rtol=1e-10)


def test_conditionals_match_the_enumerated_joint() -> None:
    rbm = _model(4, 3, seed=3)
    vs, hs, joint = _joint(rbm)
    p_h_given_v = (joint @ hs) / joint.sum(1, keepdims=True)
    p_v_given_h = (joint.T @ vs) / joint.sum(0)[:, None]
    probs_h, sample_h = rbm.sample_h(shendu.tensor(vs))
    probs_v, sample_v = rbm.sample_v(shendu.tensor(hs))
    np.testing.assert_allclose(probs_h.detach().numpy(), p_h_given_v, rtol=1e-10)
    np.testing.assert_allclose(probs_v.detach().numpy(), p_v_given_h, rtol=1e-10)
    for sample in (sample_h, sample_v):
        assert set(np.unique(sample.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(rbm.transform(shendu.tensor(vs)).detach().numpy(), p_h_given_v, rtol=1e-10)
    np.testing.assert_allclose(rbm(shendu.tensor(vs)).detach().numpy(), p_h_given_v, rtol=1e-10)


def test_samples_follow_the_conditional_probabilities() -> None:
    rbm = _model(4, 3, seed=4)
    v = shendu.tensor(np.tile(_states(4)[5], (20000, 1)))
    probs, sample = rbm.sample_h(v)
    np.testing.assert_allclose(sample.numpy().mean(0), probs.detach().numpy()[0], atol=0.015)


def test_long_gibbs_chains_reach_the_model_distribution() -> None:
    rbm = _model(3, 2, seed=5)
    _, _, joint = _joint(rbm)
    chains = rbm.gibbs(shendu.zeros(20000, 3, dtype=shendu.float64), k=30)
    codes = chains.numpy() @ np.array([4.0, 2.0, 1.0])
    frequency = np.bincount(codes.astype(int), minlength=8) / 20000
    np.testing.assert_allclose(frequency, joint.sum(1), atol=0.015)


def _exact_gradients(rbm: RBM, data: np.ndarray) -> list[np.ndarray]:
    """The gradient of the mean negative log-likelihood, by autograd through the exact partition function."""
    vs = shendu.tensor(_states(rbm.n_visible))
    rbm.zero_grad()
    nll = rbm.free_energy(shendu.tensor(data)).mean() + (-rbm.free_energy(vs)).logsumexp(0)
    nll.backward()
    return [p.grad.numpy().copy() for p in (rbm.weight, rbm.visible_bias, rbm.hidden_bias)]


def test_exact_gradient_by_autograd_matches_the_enumerated_nll() -> None:
    rbm, data = _model(3, 2, seed=6, scale=0.5), _states(3)[[1, 6, 7]]
    grad_w = _exact_gradients(rbm, data)[0]
    eps, numeric = 1e-6, np.zeros_like(grad_w)
    for index in np.ndindex(*grad_w.shape):
        for sign in (1, -1):
            with shendu.no_grad():
                rbm.weight[index] += sign * eps
            numeric[index] += sign * _exact_nll(rbm, data) / (2 * eps)
            with shendu.no_grad():
                rbm.weight[index] -= sign * eps
    np.testing.assert_allclose(grad_w, numeric, atol=1e-6)


@pytest.mark.parametrize("persistent", [False, True])
def test_long_chain_contrastive_divergence_estimates_the_exact_gradient(persistent: bool) -> None:
    rbm, data = _model(3, 2, seed=7, scale=0.5), _states(3)[[1, 6, 7, 7]]
    exact = _exact_gradients(rbm, data)
    rbm.zero_grad()
    batch = shendu.tensor(np.tile(data, (5000, 1)))
    rbm.contrastive_divergence(batch, k=40, persistent=persistent)
    for param, expected in zip((rbm.weight, rbm.visible_bias, rbm.hidden_bias), exact):
        np.testing.assert_allclose(param.grad.numpy(), expected, atol=0.02)


def test_cd_gradient_points_towards_the_data() -> None:
    rbm = RBM(5, 4)
    ones = shendu.ones(50, 5)
    rbm.contrastive_divergence(ones)
    # Descending this gradient raises the visible biases, making the all-ones data more likely.
    assert (rbm.visible_bias.grad.numpy() < 0).all()
    zeros = shendu.zeros(50, 5)
    rbm.zero_grad()
    rbm.contrastive_divergence(zeros)
    assert (rbm.visible_bias.grad.numpy() > 0).all()


def test_cd_gradients_accumulate_like_backward() -> None:
    shendu.manual_seed(1)
    rbm = RBM(4, 3)
    data = shendu.bernoulli(shendu.full((8, 4), 0.5))
    rbm.contrastive_divergence(data)
    first = rbm.weight.grad.numpy().copy()
    rbm.contrastive_divergence(data)
    assert not np.allclose(rbm.weight.grad.numpy(), first)
    assert rbm.weight.grad.shape == rbm.weight.shape and rbm.weight.grad.dtype == shendu.float32


@pytest.mark.parametrize("persistent", [False, True])
def test_training_lowers_the_exact_negative_log_likelihood(persistent: bool) -> None:
    shendu.manual_seed(2)
    rng = np.random.default_rng(0)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=np.float64)
    data = prototypes[rng.integers(0, 2, 200)]
    data = np.abs(data - (rng.random(data.shape) < 0.05))
    rbm = RBM(6, 3, dtype=shendu.float64)
    before = _exact_nll(rbm, data)
    history = rbm.fit(shendu.tensor(data), epochs=30, lr=0.1, batch_size=20, k=1, persistent=persistent)
    after = _exact_nll(rbm, data)
    assert after < before - 1.0 and history[-1] < history[0]
    assert (rbm.persistent_chain is not None) == persistent


def test_any_optimizer_can_take_the_step() -> None:
    rbm = RBM(6, 3, dtype=shendu.float64)
    data = shendu.tensor(np.tile([[1.0, 1, 1, 0, 0, 0]], (40, 1)))
    history = rbm.fit(data, epochs=20, batch_size=10, optimizer=optim.Adam(rbm.parameters(), lr=0.05))
    assert history[-1] < history[0] / 2


def test_persistent_chain_keeps_its_particles() -> None:
    rbm = RBM(4, 3)
    rbm.contrastive_divergence(shendu.ones(6, 4), persistent=True)
    assert rbm.persistent_chain.shape == (6, 3)
    rbm.contrastive_divergence(shendu.ones(2, 4), persistent=True)
    assert rbm.persistent_chain.shape == (6, 3)
    assert "persistent_chain" not in rbm.state_dict()
    rbm.reset_parameters()
    assert rbm.persistent_chain is None


def test_pseudo_likelihood_with_one_visible_unit_is_the_log_likelihood() -> None:
    rbm = _model(1, 3, seed=8)
    vs, _, joint = _joint(rbm)
    scores = rbm.score_samples(shendu.tensor(vs)).detach().numpy()
    np.testing.assert_allclose(scores, np.log(joint.sum(1)), rtol=1e-10)


def test_pseudo_likelihood_flips_one_unit_per_row() -> None:
    rbm = _model(4, 3, seed=9)
    vs, _, joint = _joint(rbm)
    marginal = joint.sum(1)
    scores = rbm.score_samples(shendu.tensor(np.tile(vs, (10, 1)))).detach().numpy().reshape(10, 16)
    index = {tuple(v): i for i, v in enumerate(vs)}
    for row, v in enumerate(vs):
        # n_visible * log p(v_i | v_-i) for each unit i that could have been flipped
        options = []
        for i in range(4):
            flipped = v.copy()
            flipped[i] = 1 - flipped[i]
            p, q = marginal[row], marginal[index[tuple(flipped)]]
            options.append(4 * np.log(p / (p + q)))
        assert all(np.isclose(s, options, rtol=1e-9).any() for s in scores[:, row])
    assert (scores <= 0).all()


def test_results_are_deterministic_per_seed() -> None:
    def run(seed: int) -> tuple[np.ndarray, list[float], np.ndarray]:
        shendu.manual_seed(seed)
        rbm = RBM(8, 5)
        data = shendu.bernoulli(shendu.full((30, 8), 0.4))
        history = rbm.fit(data, epochs=3, batch_size=7, k=2, persistent=True)
        return rbm.weight.detach().numpy(), history, rbm.score_samples(data).detach().numpy()

    first, again, other = run(0), run(0), run(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_explicit_generators_are_independent_of_the_global_one() -> None:
    rbm = RBM(6, 4)
    v = shendu.full((3, 6), 0.5)
    a = rbm.gibbs(v, k=3, generator=shendu.Generator().manual_seed(5))
    shendu.rand(10)
    b = rbm.gibbs(v, k=3, generator=shendu.Generator().manual_seed(5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_transform_matches_scikit_learn() -> None:
    neural_network = pytest.importorskip("sklearn.neural_network")
    rbm = _model(5, 4, seed=10)
    w, b, c = _params(rbm)
    reference = neural_network.BernoulliRBM(n_components=4)
    reference.components_, reference.intercept_visible_, reference.intercept_hidden_ = w, b, c
    v = np.random.default_rng(0).random((7, 5))
    np.testing.assert_allclose(rbm.transform(shendu.tensor(v)).detach().numpy(), reference.transform(v), rtol=1e-12)


def test_integer_inputs_are_converted_and_repr() -> None:
    rbm = RBM(3, 2)
    assert rbm.transform(shendu.tensor([[1, 0, 1]])).dtype == shendu.float32
    assert repr(rbm) == "RBM(n_visible=3, n_hidden=2)"
    assert [name for name, _ in rbm.named_parameters()] == ["weight", "visible_bias", "hidden_bias"]
    assert rbm.weight.shape == (2, 3)


def test_errors_name_the_method_and_the_shapes() -> None:
    rbm = RBM(4, 3)
    with pytest.raises(ShapeError, match=r"RBM: sample_h expects 4 visible units in the last dimension, got 5"):
        rbm.sample_h(shendu.zeros(2, 5))
    with pytest.raises(ShapeError, match=r"RBM: sample_v expects 3 hidden units in the last dimension, got 4"):
        rbm.sample_v(shendu.zeros(2, 4))
    with pytest.raises(ShapeError, match=r"contrastive_divergence expects a 2-D \(N, 4\) batch of visible states"):
        rbm.contrastive_divergence(shendu.zeros(4))
    with pytest.raises(ShapeError, match=r"free_energy expects 4 visible units in the last dimension, got a 0-d"):
        rbm.free_energy(shendu.tensor(1.0))
    with pytest.raises(ShapeError, match=r"energy expects visible and hidden states with the same leading"):
        rbm.energy(shendu.zeros(2, 4), shendu.zeros(3, 3))
    with pytest.raises(DtypeError, match=r"transform got visible states of dtype shendu.float64 but the param"):
        rbm.transform(shendu.zeros(2, 4, dtype=shendu.float64))
    with pytest.raises(ValueError, match=r"expects visible values in \[0, 1\].*got values in \[-1, 2\]"):
        rbm.contrastive_divergence(shendu.tensor([[0.0, 1, 2, -1]]))
    with pytest.raises(ValueError, match=r"RBM.gibbs: k, the number of Gibbs steps, must be a positive int, got 0"):
        rbm.gibbs(shendu.zeros(1, 4), k=0)
    with pytest.raises(ValueError, match=r"RBM.fit: epochs must be a positive int, got 0"):
        rbm.fit(shendu.zeros(3, 4), epochs=0)
    with pytest.raises(ValueError, match=r"RBM: n_hidden must be a positive int, got 0"):
        RBM(4, 0)
    with pytest.raises(TypeError, match=r"RBM: expected a Tensor input, got list"):
        rbm.transform([[0.0, 1.0, 0.0, 1.0]])
