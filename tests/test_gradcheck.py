"""The provided finite-difference helpers."""

import numpy as np
import pytest

from descentlab import gradcheck


def test_numerical_gradient_of_a_quadratic_is_exact():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.array([0.7, -1.2])
    numeric = gradcheck.numerical_gradient(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(numeric, 2 * A @ x, rtol=1e-9)


def test_numerical_gradient_keeps_shape_and_input():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_allclose(numeric, np.cos(x), rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_relative_error_scale():
    assert gradcheck.relative_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert gradcheck.relative_error([1.0], [-1.0]) == pytest.approx(1.0)
    assert gradcheck.relative_error([0.0], [0.0]) == 0


def test_gradient_check_reports_right_and_wrong(capsys):
    f = lambda v: np.sum(v**2)  # noqa: E731
    x = np.array([1.0, -2.0, 0.5])
    assert gradcheck.gradient_check(f, lambda v: 2 * v, x) < 1e-8
    assert "agree" in capsys.readouterr().out
    assert gradcheck.gradient_check(f, lambda v: v, x) > 0.1
    assert "DISAGREE" in capsys.readouterr().out
