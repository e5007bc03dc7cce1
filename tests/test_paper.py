"""The provided pieces of notebook 07's replication of Kingma & Ba's Figure 1: the
sparse bag-of-words problem, the 1/sqrt(t) decay and the dropout of `training.train`,
and the grid search over hyperparameters and seeds."""

from functools import partial

import numpy as np
import pytest
from scipy import sparse

from descentlab import optimizers, plots, training


@pytest.fixture(scope="module")
def bags():
    return training.bag_of_words(n_train=4000, n_val=50, n_test=50, vocabulary=3000,
                                 doc_length=80, informative=200, seed=3)


def test_word_probabilities_follow_zipfs_law_with_the_informative_words_tilted(bags):
    q = bags.word_probability
    assert q.shape == (2, 3000)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    neutral = np.setdiff1d(np.arange(3000), bags.informative)
    ranks = neutral + 1.0
    # Zipf with s = 1: q_r * r is the same for every neutral word of a class.
    for c in (0, 1):
        np.testing.assert_allclose(q[c, neutral] * ranks, q[c, 0], rtol=1e-12)
    # Half of the informative words are `tilt` times likelier in class 0, half in class 1,
    # relative to each class's neutral words.
    ratio = (q[1] / q[0]) / (q[1, 0] / q[0, 0])
    np.testing.assert_allclose(np.sort(ratio[bags.informative]),
                               np.repeat([1 / 3.0, 3.0], 100), rtol=1e-12)
    np.testing.assert_allclose(ratio[neutral], 1.0, rtol=1e-12)
    assert bags.informative.min() >= 50 and len(set(bags.informative)) == 200


def _binned_z(bags, expected):
    """Per class and per bin of 100 ranks: (counted - expected) / standard error of the
    number of (document, word) pairs present in the bin's words."""
    X, y = bags.X_train, bags.y_train
    z = []
    for c in (0, 1):
        rows = X[y == c]
        counted = np.asarray(rows.sum(axis=0)).ravel()
        n = rows.shape[0]
        for start in range(0, counted.size, 100):
            bin_ = slice(start, start + 100)
            mean = n * expected[c, bin_].sum()
            var = n * (expected[c, bin_] * (1 - expected[c, bin_])).sum()
            z.append((counted[bin_].sum() - mean) / np.sqrt(var))
    return np.array(z)


def test_document_frequencies_match_the_law_within_sampling_error(bags):
    expected = bags.document_frequency()
    # 60 bins, each a sum of independent presences: all within 4.5 standard errors
    assert np.max(np.abs(_binned_z(bags, expected))) < 4.5
    # the check can fail: the same data against a law with s = 0.9 is far off
    weights = np.arange(1, 3001) ** -0.9 * (bags.word_probability / bags.word_probability[:, :1])
    wrong = 1 - (1 - weights / weights.sum(axis=1, keepdims=True)) ** bags.doc_length
    assert np.max(np.abs(_binned_z(bags, wrong))) > 20
    # the most frequent word is in every document, the rarest in about 6 in 1,000
    assert expected[:, 0].min() > 0.99
    assert 0.005 < expected.mean(axis=0)[-1] < 0.007


def test_bags_are_binary_sparse_balanced_and_reproducible(bags):
    X = bags.X_train
    assert sparse.issparse(X) and X.shape == (4000, 3000)
    np.testing.assert_array_equal(X.data, 1.0)
    assert set(np.unique(bags.y_train)) == {0, 1}
    assert abs(bags.y_train.mean() - 0.5) < 0.03
    # at most doc_length distinct words per document
    assert np.diff(X.indptr).max() <= 80
    again = training.bag_of_words(n_train=4000, n_val=50, n_test=50, vocabulary=3000,
                                  doc_length=80, informative=200, seed=3)
    assert (again.X_train != X).nnz == 0
    np.testing.assert_array_equal(again.informative, bags.informative)
    other = training.bag_of_words(n_train=100, n_val=10, n_test=10, vocabulary=3000,
                                  doc_length=80, informative=200, seed=4)
    assert not np.array_equal(other.informative, bags.informative)
    with pytest.raises(ValueError, match="even"):
        training.bag_of_words(informative=3)


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


def test_grid_search_keeps_the_lowest_mean_final_loss_over_seeds():
    data = _tiny_data(n=80, d=4, seed=6)
    init = partial(training.init_logistic, 4, 2)
    grid = {"lr": [0.01, 0.3, 1e9], "beta": [0.0, 0.9]}
    best, table = training.grid_search(training.logistic_loss_and_grads, init, data,
                                       optimizers.momentum_step, grid, 3, seeds=(0, 1),
                                       batch_size=16)
    assert set(table) == {(lr, beta) for lr in grid["lr"] for beta in grid["beta"]}
    assert np.isnan(table[(1e9, 0.0)]) and np.isnan(table[(1e9, 0.9)])  # diverged: out
    for key, value in table.items():
        if np.isfinite(value):
            runs = [training.train(training.logistic_loss_and_grads, init(), data,
                                   optimizers.momentum_step, 3, batch_size=16, seed=seed,
                                   progress=False, lr=key[0], beta=key[1]) for seed in (0, 1)]
            assert value == pytest.approx(np.mean([run.train_loss[-1] for run in runs]))
    finite = {key: value for key, value in table.items() if np.isfinite(value)}
    assert tuple(best.setting.values()) == min(finite, key=finite.get)
    assert best.final() == pytest.approx(min(finite.values()))
    assert best.curves().shape == (2, 4)
    assert best.label == "momentum, lr={:g}, beta={:g}".format(*best.setting.values())
    with pytest.raises(ValueError, match="diverged"):
        training.grid_search(training.logistic_loss_and_grads, init, data,
                             optimizers.gd_step, {"lr": [1e9]}, 2)


def test_replicates_differ_by_seed_only():
    data = _tiny_data(n=80, d=4, seed=7)
    init = partial(training.init_logistic, 4, 2)
    reps = training.replicate(training.logistic_loss_and_grads, init, data,
                              optimizers.adam_step, {"lr": 0.1}, 2, seeds=(3, 4, 3),
                              batch_size=16, label="adam, lr=0.1, no decay")
    curves = reps.curves()
    assert reps.label == "adam, lr=0.1, no decay" and reps.setting == {"lr": 0.1}
    np.testing.assert_array_equal(curves[0], curves[2])
    assert not np.array_equal(curves[0], curves[1])
    np.testing.assert_array_equal(curves[:, 0], curves[0, 0])  # same start for every seed


def test_comparison_draws_a_band_per_replicated_run_and_dashes_variants():
    data = _tiny_data(n=40, d=3, seed=8)
    init = partial(training.init_logistic, 3, 2)
    adam = training.replicate(training.logistic_loss_and_grads, init, data,
                              optimizers.adam_step, {"lr": 0.1}, 2, seeds=(0, 1))
    gd = training.train(training.logistic_loss_and_grads, init(), data, optimizers.gd_step,
                        2, progress=False, lr=0.1)
    fig = plots.optimizer_comparison({"a": [adam, gd]}, dashed={gd.label})
    ax = fig.axes[0]
    assert len(ax.collections) == 1  # one band, for the replicated run
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["adam, lr=0.1 (2 seeds)"].get_linestyle() == "-"
    assert lines[gd.label].get_linestyle() == "--"
    np.testing.assert_allclose(lines["adam, lr=0.1 (2 seeds)"].get_ydata(),
                               adam.curves().mean(axis=0))
    plots.plt.close(fig)
