"""Momentum and Adam (notebooks 05 and 06) against closed forms, theory and an
independent plain-Python Algorithm 1."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from descentlab import problems
from descentlab.optimizers import (
    adagrad_step,
    adam_step,
    gd_step,
    momentum_step,
    nesterov_step,
    rmsprop_step,
)
from descentlab.runner import minimize

vectors = arrays(float, st.integers(1, 5), elements=st.floats(-10, 10))
nonzero = arrays(float, st.integers(1, 5),
                 elements=st.floats(0.01, 10) | st.floats(-10, -0.01))


@given(vectors, st.floats(1e-3, 1.0))
def test_momentum_with_beta_zero_is_gradient_descent(theta, lr):
    grad = np.sin(theta) + 0.5
    new_theta, velocity = momentum_step(theta, grad, np.zeros_like(theta), lr, beta=0.0)
    np.testing.assert_allclose(new_theta, gd_step(theta, grad, lr), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(velocity, grad)


def ema_momentum_step(theta, grad, velocity, lr, beta=0.9):
    velocity = beta * velocity + (1 - beta) * grad
    return theta - lr * velocity, velocity


@given(st.floats(1e-3, 0.2), st.floats(0.0, 0.95), st.integers(1, 60))
def test_ema_form_with_rescaled_rate_is_the_notes_momentum(lr, beta, steps):
    bowl = problems.rotated_bowl()
    note = minimize(momentum_step, bowl, [1.0, -2.0], steps, lr=lr, beta=beta)
    ema = minimize(ema_momentum_step, bowl, [1.0, -2.0], steps, lr=lr / (1 - beta), beta=beta)
    np.testing.assert_allclose(note.thetas, ema.thetas, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("curvatures", [(0.2, 4.0), (1.0, 100.0), (0.5, 2.0)])
def test_optimal_momentum_converges_at_the_theoretical_rate(curvatures):
    low, high = curvatures
    bowl = problems.quadratic(np.diag([low, high]) / 2)  # Hessian diag(low, high)
    kappa = high / low
    lr = (2 / (math.sqrt(low) + math.sqrt(high))) ** 2
    beta = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    steps = min(400, int(150 / -math.log10(rate)))  # stay far above float underflow
    trace = minimize(momentum_step, bowl, [1.0, 1.0], steps, lr=lr, beta=beta)
    errors = np.linalg.norm(trace.thetas, axis=1)
    measured = (errors[steps] / errors[steps // 2]) ** (1 / (steps - steps // 2))
    # the error decays as t * rate**t at these settings: a few percent above over a window
    assert measured == pytest.approx(rate, rel=0.03)
    gd = minimize(gd_step, bowl, [1.0, 1.0], 400, lr=2 / (low + high))
    gd_measured = (np.linalg.norm(gd.thetas[400]) / np.linalg.norm(gd.thetas[200])) ** (1 / 200)
    assert gd_measured == pytest.approx((kappa - 1) / (kappa + 1), rel=0.01)
    assert measured < gd_measured


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_diverges_where_lr_lambda_exceeds_two_plus_two_beta(beta):
    parabola = problems.parabola(1.0)  # lambda = 2
    edge = (2 + 2 * beta) / 2
    lrs = np.geomspace(edge / 3, edge * 3, 61)
    converged = [minimize(momentum_step, parabola, [1.0], 4000, lr=lr, beta=beta).losses[-1]
                 < 1e-10 for lr in lrs]
    first_bad = converged.index(False)
    assert all(converged[:first_bad]) and not any(converged[first_bad:])
    assert lrs[first_bad - 1] <= edge <= lrs[first_bad]


@given(nonzero, st.floats(1e-4, 0.1))
def test_adams_first_step_is_lr_times_the_sign_of_the_gradient(grad, lr):
    zeros = np.zeros_like(grad)
    theta, m, v = adam_step(zeros, grad, zeros, zeros, 1, lr=lr)
    np.testing.assert_allclose(theta, -lr * np.sign(grad), rtol=1e-6)
    np.testing.assert_allclose(m, 0.1 * grad)
    np.testing.assert_allclose(v, 0.001 * grad**2)


@given(nonzero, st.floats(1e-3, 1e3), st.integers(1, 20))
def test_adam_is_invariant_to_rescaling_the_gradient(grad, scale, steps):
    def run(factor):
        theta, m, v = np.zeros_like(grad), np.zeros_like(grad), np.zeros_like(grad)
        for t in range(1, steps + 1):
            g = factor * grad * np.cos(t + np.arange(grad.size))  # varying, never all zero
            theta, m, v = adam_step(theta, g, m, v, t, lr=0.01, eps=0.0)
        return theta

    np.testing.assert_allclose(run(scale), run(1.0), rtol=1e-8, atol=1e-12)


def algorithm_1(theta, grads, lr, beta1, beta2, eps):
    """Kingma & Ba's Algorithm 1 in plain Python, one scalar at a time."""
    theta = list(theta)
    m, v = [0.0] * len(theta), [0.0] * len(theta)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return theta, m, v


@given(st.integers(1, 4), st.integers(1, 12), st.integers(0, 2**32 - 1),
       st.sampled_from([(0.001, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-3), (0.3, 0.0, 0.5, 0.1)]))
def test_adam_matches_plain_python_algorithm_1_step_for_step(d, steps, seed, hyper):
    lr, beta1, beta2, eps = hyper
    rng = np.random.default_rng(seed)
    theta0, grads = rng.normal(size=d), rng.normal(size=(steps, d))
    theta, m, v = theta0, np.zeros(d), np.zeros(d)
    for t, g in enumerate(grads, start=1):
        theta, m, v = adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)
    expected = algorithm_1(theta0, grads.tolist(), lr, beta1, beta2, eps)
    for got, want in zip((theta, m, v), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@given(vectors, vectors)
def test_steps_never_change_their_inputs(theta, other):
    other = np.resize(other, theta.shape)
    for step, state in [(momentum_step, 1), (nesterov_step, 1), (rmsprop_step, 1),
                        (adagrad_step, 1), (adam_step, 2)]:
        args = [theta, other] + [np.abs(other) for _ in range(state)]
        kept = [a.copy() for a in args]
        step(*args, *([1] if step is adam_step else []), lr=0.1)
        for arg, before in zip(args, kept, strict=True):
            np.testing.assert_array_equal(arg, before)


def test_bonus_steps_against_their_formulas():
    theta, g = np.array([1.0, -1.0]), np.array([0.5, 2.0])
    new, d = nesterov_step(theta, g, np.array([0.1, 0.0]), 0.1, beta=0.9)
    np.testing.assert_allclose(d, [0.59, 2.0])
    np.testing.assert_allclose(new, theta - 0.1 * (g + 0.9 * d))
    new, s = adagrad_step(theta, g, np.array([1.0, 0.0]), lr=0.1)
    np.testing.assert_allclose(s, [1.25, 4.0])
    np.testing.assert_allclose(new, theta - 0.1 * g / (np.sqrt(s) + 1e-10))
    new, s = rmsprop_step(theta, g, np.zeros(2), lr=0.01)
    np.testing.assert_allclose(s, 0.01 * g**2)
    np.testing.assert_allclose(new, theta - 0.01 * g / (np.sqrt(s) + 1e-8))
