"""Gradient descent, the runner and the learning-rate theory of notebooks 02 and 03,
proved against closed forms."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from descentlab import problems
from descentlab.optimizers import gd_step
from descentlab.runner import minimize, state_names
from descentlab.schedules import exponential_decay, max_stable_lr

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
rates = st.floats(1e-4, 10.0)


@given(arrays(float, array_shapes(max_dims=2, max_side=4), elements=finite), rates, rates)
def test_gd_step_is_linear_in_lr_and_pure(theta, a, b):
    grad = np.cos(theta)  # any gradient of the same shape
    kept = theta.copy(), grad.copy()
    step = gd_step(theta, grad, a + b) - theta
    parts = (gd_step(theta, grad, a) - theta) + (gd_step(theta, grad, b) - theta)
    np.testing.assert_allclose(step, parts, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(theta, kept[0])
    np.testing.assert_array_equal(grad, kept[1])


@pytest.mark.parametrize("a", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.7, 0.98])
def test_gd_on_a_parabola_is_the_geometric_sequence(a, fraction):
    """x_t = (1 - 2 a lr)^t x_0, exactly (up to rounding), smooth or oscillating."""
    lr = fraction / a  # a fraction of the stability edge 2 / (2a)
    trace = minimize(gd_step, problems.parabola(a), [1.7], steps=40, lr=lr)
    expected = (1 - 2 * a * lr) ** np.arange(41) * 1.7
    np.testing.assert_allclose(trace.thetas[:, 0], expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("problem", [problems.ill_conditioned(), problems.rotated_bowl(),
                                     problems.parabola(2.0)])
def test_a_sweep_diverges_at_two_over_lambda_max(problem):
    edge = max_stable_lr(problem.hessian(problem.minimum))
    lrs = np.geomspace(edge / 4, edge * 4, 81)
    theta0 = np.ones(len(problem.minimum))
    converged = [minimize(gd_step, problem, theta0, 3000, lr=lr).losses[-1] < 1e-8 for lr in lrs]
    first_bad = converged.index(False)
    assert all(converged[:first_bad]) and not any(converged[first_bad:])
    # the measured edge lies within one step of the sweep of 2 / lambda_max
    assert lrs[first_bad - 1] <= edge <= lrs[first_bad]


def test_steps_to_tolerance_at_the_optimal_rate_match_the_theory():
    bowl = problems.ill_conditioned()
    eigenvalues = np.linalg.eigvalsh(bowl.hessian(bowl.minimum))
    kappa = eigenvalues.max() / eigenvalues.min()
    rate = (kappa - 1) / (kappa + 1)  # error factor per step; the loss falls by rate**2
    trace = minimize(gd_step, bowl, [5.0, 2.0], 400, lr=2 / eigenvalues.sum())
    measured = (trace.losses[300] / trace.losses[100]) ** (1 / 400)
    assert measured == pytest.approx(rate, rel=1e-3)
    tol = 1e-6
    predicted = np.log(tol / trace.losses[0]) / np.log(rate**2)
    assert abs(trace.steps_to(tol) - predicted) <= 0.05 * predicted


def test_oscillation_starts_at_one_over_lambda_max():
    parabola = problems.parabola(1.0)  # lambda = 2
    signs = [np.sign(minimize(gd_step, parabola, [1.0], 3, lr=lr).thetas[1:, 0])
             for lr in (0.45, 0.55)]
    assert np.all(signs[0] > 0)
    assert list(signs[1]) == [-1, 1, -1]


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_max_stable_lr_of_random_spd_matrices(d, seed):
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    eigenvalues = rng.uniform(0.05, 20.0, size=d)
    hessian = q @ np.diag(eigenvalues) @ q.T
    assert max_stable_lr((hessian + hessian.T) / 2) == pytest.approx(2 / eigenvalues.max())


@given(st.floats(1e-5, 1.0), st.integers(0, 10_000), st.integers(1, 1000), st.floats(0.01, 0.99))
def test_exponential_decay_has_tensorflows_semantics(lr0, step, decay_steps, rate):
    assert exponential_decay(lr0, step, decay_steps, rate) == pytest.approx(
        lr0 * rate ** (step / decay_steps))
    stairs = exponential_decay(lr0, step, decay_steps, rate, staircase=True)
    assert stairs == pytest.approx(lr0 * rate ** (step // decay_steps))
    # the staircase value is constant within a stair and never below the smooth one
    assert stairs >= exponential_decay(lr0, step, decay_steps, rate) * (1 - 1e-12)
    start = step - step % decay_steps
    assert exponential_decay(lr0, start, decay_steps, rate, True) == pytest.approx(stairs)


def momentum_like(theta, grad, velocity, lr, beta=0.5):
    velocity = beta * velocity + grad
    return theta - lr * velocity, velocity


def counting(theta, grad, m, t, lr):
    return theta - lr * t * grad, m + 1


def test_runner_carries_state_and_the_step_number():
    assert state_names(gd_step, {"lr": 0.1}) == []
    assert state_names(momentum_like, {"lr": 0.1}) == ["velocity"]
    assert state_names(counting, {"lr": 0.1}) == ["m", "t"]
    parabola = problems.parabola(0.5)  # gradient = theta
    trace = minimize(momentum_like, parabola, [1.0], 2, lr=0.1)
    # v1 = 1, theta1 = 0.9; v2 = 0.5 + 0.9 = 1.4, theta2 = 0.9 - 0.14
    np.testing.assert_allclose(trace.thetas[:, 0], [1.0, 0.9, 0.76])
    trace = minimize(counting, parabola, [1.0], 2, lr=0.1)
    np.testing.assert_allclose(trace.thetas[:, 0], [1.0, 0.9, 0.9 - 0.1 * 2 * 0.9])


def test_runner_stops_on_divergence_and_labels_runs():
    trace = minimize(gd_step, problems.parabola(1.0), [1.0], 10_000, lr=1.5)
    assert trace.diverged and len(trace.losses) < 100 and trace.label == "gd, lr=1.5"
    assert trace.steps_to(1e-3) is None
    scheduled = minimize(gd_step, problems.parabola(1.0), [1.0], 3, schedule=lambda t: 0.1 * t)
    np.testing.assert_allclose(scheduled.thetas[:, 0], [1.0, 1.0, 0.8, 0.48])
    assert scheduled.label == "gd"


@pytest.mark.parametrize("problem", [problems.ill_conditioned(), problems.rotated_bowl(),
                                     problems.rosenbrock(), problems.linear_regression()])
def test_problem_gradients_and_hessians_are_exact(problem):
    from descentlab.gradcheck import numerical_gradient, relative_error
    rng = np.random.default_rng(1)
    for theta in rng.uniform(-1.5, 1.5, size=(3, 2)):
        assert relative_error(problem.grad(theta), numerical_gradient(problem.loss, theta)) < 1e-6
        numeric_h = np.array([numerical_gradient(lambda t, i=i: problem.grad(t)[i], theta)
                              for i in range(2)])
        np.testing.assert_allclose(problem.hessian(theta), numeric_h, rtol=1e-5, atol=1e-4)
    assert np.allclose(problem.grad(problem.minimum), 0, atol=1e-10)
