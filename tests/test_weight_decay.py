"""Decoupled weight decay (runner.decoupled_weight_decay, notebook 06): AdamW on the
course's Adam, and the equivalence with L2 in the loss that holds for gradient descent only."""

import numpy as np
import pytest

from descentlab import optimizers, problems
from descentlab.runner import decoupled_weight_decay, describe, minimize, state_names

adamw_step = decoupled_weight_decay(optimizers.adam_step)
gdw_step = decoupled_weight_decay(optimizers.gd_step)


def _run_adam(step, grads, theta, **hyper):
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, grad in enumerate(grads, start=1):
        theta, m, v = step(theta, grad, m, v, t, **hyper)
    return theta, m, v


def test_adamw_with_no_decay_is_adam():
    rng = np.random.default_rng(0)
    theta, grads = rng.normal(size=6), rng.normal(size=(20, 6)) * np.logspace(-3, 2, 6)
    adam = _run_adam(optimizers.adam_step, grads, theta, lr=0.05)
    for decay in ({}, {"weight_decay": 0.0}):
        adamw = _run_adam(adamw_step, grads, theta, lr=0.05, **decay)
        for ours, theirs in zip(adamw, adam, strict=True):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("shape", [(1,), (7,), (3, 4)])
def test_for_gradient_descent_decoupled_decay_is_l2_in_the_loss(shape):
    rng = np.random.default_rng(sum(shape))
    theta, grad = rng.normal(size=shape), rng.normal(size=shape)
    for lr, lam in [(0.1, 0.5), (0.01, 3.0), (1.0, 1e-4)]:
        l2 = optimizers.gd_step(theta, grad + lam * theta, lr)
        np.testing.assert_allclose(gdw_step(theta, grad, lr=lr, weight_decay=lam), l2,
                                   rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(l2, (1 - lr * lam) * theta - lr * grad, rtol=1e-13,
                                   atol=1e-15)
    # and along a whole run, through minimize's step contract
    line = problems.linear_regression()
    decoupled = minimize(gdw_step, line, [3.0, -2.0], 200, lr=0.1, weight_decay=0.5)
    regularised = problems.Problem("L2", line.loss, lambda w: line.grad(w) + 0.5 * w,
                                   line.hessian, line.minimum, line.window)
    with_l2 = minimize(optimizers.gd_step, regularised, [3.0, -2.0], 200, lr=0.1)
    np.testing.assert_allclose(decoupled.thetas, with_l2.thetas, rtol=1e-11, atol=1e-13)


def test_adamw_is_the_adam_step_on_the_loss_gradient_then_a_shrink_by_lr_lambda():
    rng = np.random.default_rng(3)
    theta, grad = rng.normal(size=4), np.array([10.0, 1.0, 0.1, 0.001])
    m, v = rng.normal(size=4), rng.uniform(0.1, 1.0, size=4)
    adam, m_adam, v_adam = optimizers.adam_step(theta, grad, m, v, 5, lr=0.01)
    adamw, m_w, v_w = adamw_step(theta, grad, m, v, 5, lr=0.01, weight_decay=0.3)
    np.testing.assert_allclose(adamw, adam - 0.01 * 0.3 * theta, rtol=1e-14)
    np.testing.assert_array_equal(m_w, m_adam)  # the moments never see the decay
    np.testing.assert_array_equal(v_w, v_adam)
    # L2 in the loss is another step: its pull goes through Adam's normalisation
    l2, _, _ = optimizers.adam_step(theta, grad + 0.3 * theta, m, v, 5, lr=0.01)
    assert not np.allclose(l2, adamw)
    # the default rate of the step scales the decay when no lr is given
    default, _, _ = adamw_step(theta, grad, m, v, 5, weight_decay=0.3)
    np.testing.assert_allclose(default, optimizers.adam_step(theta, grad, m, v, 5)[0]
                               - 0.001 * 0.3 * theta, rtol=1e-14)


def test_with_l2_in_adam_large_gradients_are_decayed_less_decoupled_alike():
    """Gradient noise around 0 of very different sizes: the mean of many copies shrinks
    by lr * lambda per step under AdamW, far slower (large gradients) or faster (small
    ones) with L2 in the loss."""
    lr, lam, copies = 0.01, 0.1, 400
    scales = np.repeat([10.0, 0.01], copies)
    grads = scales * np.random.default_rng(4).normal(size=(300, 2 * copies))
    start = np.ones(2 * copies)
    adamw = _run_adam(adamw_step, grads, start, lr=lr, weight_decay=lam)[0]
    means = adamw.reshape(2, copies).mean(axis=1)
    np.testing.assert_allclose(means, (1 - lr * lam) ** 300, atol=0.03)
    theta, m, v = start, np.zeros_like(start), np.zeros_like(start)
    for t, grad in enumerate(grads, start=1):
        theta, m, v = optimizers.adam_step(theta, grad + lam * theta, m, v, t, lr=lr)
    large, small = theta.reshape(2, copies).mean(axis=1)
    assert large > 0.95 > (1 - lr * lam) ** 300 + 0.1 > 0.1 > abs(small)


def test_the_decayed_step_keeps_the_contract():
    assert adamw_step.__name__ == "adamw_step" and gdw_step.__name__ == "gdw_step"
    assert state_names(adamw_step, {"lr": 0.1, "weight_decay": 0.01}) == ["m", "v", "t"]
    assert state_names(gdw_step, {"lr": 0.1, "weight_decay": 0.01}) == []
    assert describe(adamw_step, {"lr": 0.1, "weight_decay": 0.01}) == (
        "adamw, lr=0.1, weight_decay=0.01")
    momentum_w = decoupled_weight_decay(optimizers.momentum_step)
    theta, grad, velocity = np.ones(3), np.arange(3.0), np.zeros(3)
    kept = (theta.copy(), grad.copy(), velocity.copy())
    new, new_velocity = momentum_w(theta, grad, velocity, lr=0.1, beta=0.9, weight_decay=1.0)
    np.testing.assert_allclose(new, theta - 0.1 * grad - 0.1 * theta)
    np.testing.assert_allclose(new_velocity, grad)
    for before, after in zip(kept, (theta, grad, velocity), strict=True):
        np.testing.assert_array_equal(before, after)
    trace = minimize(adamw_step, problems.badly_scaled(), [1.0, 10.0], 30, lr=0.1,
                     weight_decay=0.1)
    assert trace.label == "adamw, lr=0.1, weight_decay=0.1" and not trace.diverged


def test_a_step_without_a_learning_rate_is_refused():
    def sign_step(theta, grad):
        return theta - np.sign(grad)

    with pytest.raises(ValueError, match="no learning rate"):
        decoupled_weight_decay(sign_step)
