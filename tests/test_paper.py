"""The provided pieces of notebook 07's replication of Kingma & Ba's Figure 1: the
1/sqrt(t) decay and the dropout of `training.train`, sparse inputs."""

from functools import partial

import numpy as np
import pytest
from scipy import sparse

from descentlab import optimizers, training


def test_logistic_regression_on_sparse_inputs_equals_dense():
    rng = np.random.default_rng(0)
    X = (rng.random((9, 7)) < 0.3).astype(float)
    y = rng.integers(0, 3, size=9)
    params = {"W": rng.normal(size=(7, 3)), "b": rng.normal(size=3)}
    dense_loss, dense_grads = training.logistic_loss_and_grads(params, X, y)
    sparse_loss, sparse_grads = training.logistic_loss_and_grads(params,
                                                                 sparse.csr_array(X), y)
    assert sparse_loss == pytest.approx(dense_loss, rel=1e-12)
    for key in params:
        np.testing.assert_allclose(np.asarray(sparse_grads[key]), dense_grads[key],
                                   rtol=1e-12)


def _recording_step(seen):
    def step(theta, grad, lr):
        seen.append(lr)
        return theta - lr * grad
    return step


def _tiny_data(n=50, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, 2, size=n)
    return training.Dataset(X, y, X[:5], y[:5], X[:5], y[:5], 2, np.zeros(d), np.ones(d))


def test_decay_gives_the_step_lr_over_sqrt_t_across_epochs():
    data = _tiny_data()
    seen = []
    training.train(training.logistic_loss_and_grads, training.init_logistic(3, 2), data,
                   _recording_step(seen), 3, batch_size=16, progress=False,
                   decay=training.inverse_sqrt, lr=0.5)
    steps = 3 * 4  # 50 examples in batches of 16: 4 steps per epoch
    np.testing.assert_allclose(seen, 0.5 / np.sqrt(np.arange(1, steps + 1)), rtol=1e-15)
    constant = []
    training.train(training.logistic_loss_and_grads, training.init_logistic(3, 2), data,
                   _recording_step(constant), 2, batch_size=16, progress=False, lr=0.5)
    assert constant == [0.5] * 8
    with pytest.raises(ValueError, match="lr"):
        training.train(training.logistic_loss_and_grads, training.init_logistic(3, 2), data,
                       optimizers.adam_step, 1, progress=False, decay=training.inverse_sqrt)


def test_decay_reaches_stateful_steps_too():
    data = _tiny_data()
    seen = []

    def adam(theta, grad, m, v, t, lr=0.001):
        seen.append((t, lr))
        return optimizers.adam_step(theta, grad, m, v, t, lr=lr)

    training.train(training.logistic_loss_and_grads, training.init_logistic(3, 2), data, adam,
                   2, batch_size=25, progress=False, decay=lambda t: 1.0 / t, lr=0.2)
    assert seen == [(t, pytest.approx(0.2 / t)) for t in range(1, 5)]


def test_dropout_zeroes_with_probability_p_and_keeps_the_expectation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 50))
    X[rng.random(X.shape) < 0.5] = 0.0
    draws = np.array([training.drop_features(X, 0.5, rng) for _ in range(200)])
    kept = draws[:, X != 0] != 0
    assert abs(kept.mean() - 0.5) < 0.01
    np.testing.assert_array_equal(draws[:, X == 0], 0.0)
    # each kept entry is doubled, so the mean over draws is X up to sampling error
    np.testing.assert_allclose(draws[:, X != 0][kept], np.broadcast_to(
        2 * X[X != 0], kept.shape)[kept])
    assert np.abs(draws.mean(axis=0) - X).max() < 5 * np.abs(X).max() / np.sqrt(200)
    copy = X.copy()
    training.drop_features(X, 0.3, rng)
    np.testing.assert_array_equal(X, copy)


def test_dropout_on_sparse_inputs_keeps_the_pattern_and_the_input():
    rng = np.random.default_rng(2)
    X = sparse.csr_array((rng.random((300, 40)) < 0.1).astype(float))
    before = X.copy()
    noisy = training.drop_features(X, 0.5, rng)
    assert sparse.issparse(noisy)
    assert set(np.unique(noisy.data)) <= {0.0, 2.0}
    assert abs((noisy.data == 2.0).mean() - 0.5) < 0.05
    assert (X != before).nnz == 0


def test_train_with_dropout_records_clean_losses_and_no_dropout_changes_nothing():
    data = _tiny_data(n=60, d=4, seed=5)
    init = partial(training.init_logistic, 4, 2)
    plain = training.train(training.logistic_loss_and_grads, init(), data,
                           optimizers.gd_step, 3, batch_size=16, progress=False, lr=0.3)
    zero = training.train(training.logistic_loss_and_grads, init(), data,
                          optimizers.gd_step, 3, batch_size=16, progress=False, lr=0.3,
                          dropout=0.0)
    assert zero.train_loss == plain.train_loss
    noisy = training.train(training.logistic_loss_and_grads, init(), data,
                           optimizers.gd_step, 3, batch_size=16, progress=False, lr=0.3,
                           dropout=0.5)
    assert noisy.train_loss != plain.train_loss
    clean = training.logistic_loss_and_grads(noisy.params, data.X_train, data.y_train)[0]
    assert noisy.train_loss[-1] == pytest.approx(clean, rel=1e-12)
    with pytest.raises(ValueError, match="dropout"):
        training.train(training.logistic_loss_and_grads, init(), data, optimizers.gd_step, 1,
                       progress=False, lr=0.1, dropout=1.0)
