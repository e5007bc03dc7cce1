"""The network of notebook 07 and its training, against finite differences and targets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from descentlab import gradcheck, network, optimizers, training
from descentlab.network import mlp_loss_and_grads

shapes = st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(1, 5))


@settings(deadline=None, max_examples=40)
@given(shapes, st.integers(0, 2**32 - 1))
def test_dense_layer_backward_matches_finite_differences(shape, seed):
    """For L = sum(G * dense_forward(X, W, b)), dL/dZ = G: the backward pass of any
    upstream gradient G is checked in one go."""
    n, d, m = shape
    rng = np.random.default_rng(seed)
    X, W, b, G = (rng.normal(size=s) for s in [(n, d), (d, m), (m,), (n, m)])
    grads = network.dense_backward(G, X, W)
    inputs = [X, W, b]
    for at, grad in enumerate(grads):
        def loss(value, at=at):
            args = list(inputs)
            args[at] = value
            return np.sum(G * network.dense_forward(*args))

        assert grad.shape == inputs[at].shape
        assert gradcheck.relative_error(
            grad, gradcheck.numerical_gradient(loss, inputs[at])) < 1e-8


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_relu_backward_matches_finite_differences_away_from_the_kink(n, h, seed):
    rng = np.random.default_rng(seed)
    Z = rng.choice([-1.0, 1.0], size=(n, h)) * rng.uniform(1e-3, 3.0, size=(n, h))
    G = rng.normal(size=(n, h))
    numeric = gradcheck.numerical_gradient(lambda z: np.sum(G * network.relu_forward(z)), Z,
                                           h=1e-6)
    np.testing.assert_allclose(network.relu_backward(G, Z), numeric, atol=1e-8)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 6), st.integers(2, 5), st.floats(-1000, 1000), st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_is_finite_shift_invariant_and_its_gradient_checks(
        n, k, shift, seed):
    rng = np.random.default_rng(seed)
    Z, y = rng.normal(size=(n, k)), rng.integers(0, k, size=n)
    loss, dZ = network.softmax_cross_entropy(Z, y)
    shifted_loss, shifted_dZ = network.softmax_cross_entropy(Z + shift, y)
    assert np.isfinite(shifted_loss) and np.all(np.isfinite(shifted_dZ))
    assert shifted_loss == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(shifted_dZ, dZ, atol=1e-9)
    np.testing.assert_allclose(dZ.sum(axis=1), 0, atol=1e-12)  # P sums to 1, Y too
    numeric = gradcheck.numerical_gradient(lambda z: network.softmax_cross_entropy(z, y)[0], Z)
    assert gradcheck.relative_error(dZ, numeric) < 1e-7


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 7), st.integers(2, 5),
       st.integers(0, 2**32 - 1))
def test_mlp_gradients_match_finite_differences(n, d, h, k, seed):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(h, k)), "b2": rng.normal(size=k)}
    X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
    Z1 = X @ params["W1"] + params["b1"]
    if np.min(np.abs(Z1)) < 1e-3:  # a ReLU kink within the finite-difference step
        return
    errors = gradcheck.check_parameter_gradients(mlp_loss_and_grads, params, X, y,
                                                 verbose=False)
    assert max(errors.values()) < 1e-6


def test_mlp_loss_is_the_mean_cross_entropy_and_inputs_are_kept():
    rng = np.random.default_rng(0)
    params = training.init_mlp(4, 3, 5, seed=2)
    kept = {key: value.copy() for key, value in params.items()}
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 5, size=6)
    loss, grads = mlp_loss_and_grads(params, X, y)
    P = np.exp(training.log_softmax(training.scores(params, X)))
    assert loss == pytest.approx(-np.mean(np.log(P[np.arange(6), y])), rel=1e-12)
    assert {key: g.shape for key, g in grads.items()} == {k: v.shape for k, v in params.items()}
    for key in params:
        np.testing.assert_array_equal(params[key], kept[key])
    # uniform scores: the loss is log k
    flat = {key: np.zeros_like(value) for key, value in params.items()}
    assert mlp_loss_and_grads(flat, X, y)[0] == pytest.approx(np.log(5))


def test_logistic_regression_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    errors = gradcheck.check_parameter_gradients(training.logistic_loss_and_grads, params, X, y,
                                                 verbose=False)
    assert max(errors.values()) < 1e-7


def test_digits_split_is_fixed_disjoint_and_standardised():
    first, again = training.digits(seed=0), training.digits(seed=0)
    np.testing.assert_array_equal(first.X_train, again.X_train)
    assert (len(first.y_train), len(first.y_val), len(first.y_test)) == (1197, 300, 300)
    np.testing.assert_allclose(first.X_train.mean(axis=0), 0, atol=1e-12)
    stds = first.X_train.std(axis=0)
    assert np.all((np.abs(stds - 1) < 1e-9) | (stds == 0))
    rows = {row.tobytes() for row in first.X_train}
    assert not any(row.tobytes() in rows for row in first.X_test)


def test_packer_round_trips_and_packs_by_the_parameters_order():
    params = training.init_mlp(3, 2, 4)
    packer = training.Packer(params)
    vector = packer.pack(params)
    assert vector.shape == (3 * 2 + 2 + 2 * 4 + 4,)
    back = packer.unpack(vector)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    reordered = dict(reversed(list(params.items())))
    np.testing.assert_array_equal(packer.pack(reordered), vector)


@pytest.mark.parametrize(("step", "hyper"), [
    (optimizers.gd_step, {"lr": 0.3}),
    (optimizers.momentum_step, {"lr": 0.03, "beta": 0.9}),
    (optimizers.adam_step, {"lr": 0.003}),
])
def test_reference_training_reaches_95_percent_with_each_optimizer(step, hyper):
    data = training.digits(seed=0)
    runs = [training.train(mlp_loss_and_grads, training.init_mlp(64, 64, 10, seed=0), data,
                           step, 20, progress=False, **hyper) for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss  # deterministic
    assert training.accuracy(runs[0].params, data.X_test, data.y_test) >= 0.95
    assert runs[0].train_loss[-1] < runs[0].train_loss[0] / 10


def test_a_diverging_run_stops_and_the_sweep_skips_it():
    data = training.digits(seed=0)
    best, finals = training.sweep(training.logistic_loss_and_grads,
                                  lambda: training.init_logistic(64, 10), data,
                                  optimizers.gd_step, [0.3, 1e9], 3)
    assert np.isnan(finals[1e9]) and best.label == "gd, lr=0.3"


def test_a_sweep_where_every_rate_diverges_says_so():
    data = training.digits(seed=0)
    with pytest.raises(ValueError, match="every learning rate .* diverged"):
        training.sweep(training.logistic_loss_and_grads, lambda: training.init_logistic(64, 10),
                       data, optimizers.gd_step, [1e9, 1e10], epochs=2)
