"""The reference solutions of notebook 01 against closed forms and properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from descentlab import gradcheck, problems
from descentlab.losses import linear_mse_grad, mse, mse_grad

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def pairs(draw):
    """Two float arrays of one random shape (1 to 3 dimensions)."""
    shape = draw(array_shapes(min_dims=1, max_dims=3, max_side=5))
    return draw(arrays(float, shape, elements=finite)), draw(arrays(float, shape, elements=finite))


def test_mse_of_a_hand_computed_case():
    # errors 0.5, 0, -1, 2: squares 0.25 + 0 + 1 + 4 = 5.25 over 4 elements
    assert mse([1, 2, 3, 4], [1.5, 2, 2, 6]) == pytest.approx(1.3125, abs=0)


@given(pairs())
def test_mse_is_the_mean_of_squares_and_symmetric(pair):
    t, p = pair
    assert mse(t, p) == pytest.approx(np.sum((p - t) ** 2) / p.size, rel=1e-12, abs=1e-12)
    assert mse(t, p) == pytest.approx(mse(p, t), rel=1e-12, abs=1e-12)
    assert mse(t, p) >= 0 and mse(t, t) == 0


@given(pairs())
def test_mse_grad_matches_finite_differences(pair):
    t, p = pair
    numeric = gradcheck.numerical_gradient(lambda q: mse(t, q), p, h=1e-3)
    # MSE is quadratic, so centred differences are exact up to rounding.
    np.testing.assert_allclose(mse_grad(t, p), numeric, rtol=1e-6, atol=1e-6)
    assert mse_grad(t, p).shape == p.shape


@given(arrays(float, st.integers(1, 6), elements=finite))
def test_inputs_are_not_changed(values):
    before = values.copy()
    mse(values, values[::-1])
    mse_grad(values, values[::-1])
    np.testing.assert_array_equal(values, before)


@pytest.mark.parametrize("function", [mse, mse_grad])
def test_mismatched_shapes_are_refused(function):
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        function(np.zeros(3), np.zeros((3, 1)))


def test_lists_and_integers_give_floats():
    assert isinstance(mse([1, 2], [2, 2]), float)
    assert mse_grad(np.array([1, 2]), np.array([2, 2])).dtype == float
    np.testing.assert_allclose(mse_grad([1, 2], [2, 2]), [1.0, 0.0])


@given(st.integers(1, 30), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_linear_mse_grad_is_the_chain_rule(n, d, seed):
    rng = np.random.default_rng(seed)
    X, w, y = rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=n)
    expected = 2 / n * X.T @ (X @ w - y)
    np.testing.assert_allclose(linear_mse_grad(w, X, y), expected, rtol=1e-10, atol=1e-12)
    numeric = gradcheck.numerical_gradient(lambda v: mse(y, X @ v), w)
    assert gradcheck.relative_error(linear_mse_grad(w, X, y), numeric) < 1e-6


def test_linear_mse_grad_vanishes_at_the_least_squares_solution():
    data = problems.linear_data(n=40, seed=3)
    np.testing.assert_allclose(linear_mse_grad(data.best_weights(), data.X, data.y), 0,
                               atol=1e-12)
    # and nowhere else: one step away the gradient points back towards it
    away = data.best_weights() + np.array([0.5, 0.0])
    assert linear_mse_grad(away, data.X, data.y)[0] > 0
