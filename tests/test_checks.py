"""The student checks: right answers pass, each typical mistake is named.

Every wrong implementation here is one a student could write; the test asserts
the check fails AND that its message names that mistake.
"""

import numpy as np
import pytest

from descentlab import checks, losses


def arr(a):
    return np.asarray(a, dtype=float)


def stub(*args):
    raise NotImplementedError()


def _checked_shapes(t, p):
    t, p = arr(t), arr(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    return t, p


def mse_sum(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sum((p - t) ** 2))


def mse_rows(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sum((p - t) ** 2) / len(p))


def mse_rmse(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def mse_mae(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.mean(np.abs(p - t)))


def mse_half(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.mean((p - t) ** 2) / 2)


def mse_axis(t, p):
    t, p = _checked_shapes(t, p)
    return np.mean((p - t) ** 2, axis=0, keepdims=True) * np.ones(2)


def mse_broadcasts(t, p):
    return float(np.mean((arr(p) - arr(t)) ** 2))


def mse_no_lists(t, p):
    if np.shape(t) != np.shape(p):
        raise ValueError("shapes differ")
    return float(np.mean((p - t) ** 2))


def mse_floor(t, p):
    t, p = np.asarray(t), np.asarray(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    return np.sum((p - t) ** 2) // p.size


def mse_mutates(t, p):
    if np.shape(t) != np.shape(p):
        raise ValueError("shapes differ")
    if isinstance(p, np.ndarray) and p.dtype == float:
        p -= t
        return float(np.mean(p**2))
    return float(np.mean((arr(p) - arr(t)) ** 2))


def mse_wrong_exception(t, p):
    t, p = arr(t), arr(p)
    assert t.shape == p.shape
    return float(np.mean((p - t) ** 2))


MSE_MISTAKES = [
    (stub, "mse is not written yet: fill in `mse` in src/descentlab/losses.py"),
    (mse_sum, "sum instead of mean"),
    (mse_rows, "dividing by len(y), the number of rows"),
    (mse_rmse, "RMSE"),
    (mse_mae, "MAE"),
    (mse_half, "no factor 1/2"),
    (mse_axis, "not averaging over all elements"),
    (mse_broadcasts, "broadcast them into an (n, n) array"),
    (mse_no_lists, "Python lists not handled"),
    (mse_floor, "integer arithmetic"),
    (mse_mutates, "mutating the caller's array"),
    (mse_wrong_exception, "raised AssertionError"),
]


def grad_scaled(factor, shape=None):
    def grad(t, p):
        t, p = _checked_shapes(t, p)
        g = factor(p.size, len(p)) * (p - t)
        return g.reshape(shape(p)) if shape else g
    return grad


def grad_int_result(t, p):
    t, p = np.asarray(t), np.asarray(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    g = np.zeros_like(p)
    g[...] = 2 * (p - t) / p.size
    return g


def grad_as_list(t, p):
    t, p = _checked_shapes(t, p)
    return (2 * (p - t) / p.size).tolist()


def grad_broadcasts(t, p):
    return 2 * (arr(p) - arr(t)) / arr(p).size


MSE_GRAD_MISTAKES = [
    (stub, "fill in `mse_grad` in src/descentlab/losses.py"),
    (grad_scaled(lambda n, rows: 1 / n), "missing factor 2"),
    (grad_scaled(lambda n, rows: -2 / n), "wrong sign"),
    (grad_scaled(lambda n, rows: 2), "sum instead of mean"),
    (grad_scaled(lambda n, rows: 1), "missing factor 2"),
    (grad_scaled(lambda n, rows: 2 / rows), "the number of rows"),
    (grad_scaled(lambda n, rows: 2 / n, shape=lambda p: (-1, 1)), "you returned a column"),
    (grad_scaled(lambda n, rows: 2 / n, shape=lambda p: (-1,)), "you flattened"),
    (grad_int_result, "an integer array"),
    (grad_as_list, "returning a list or a number"),
    (grad_broadcasts, "expected ValueError"),
]


def linear(formula):
    def grad(w, X, y):
        w, X, y = arr(w), arr(X), arr(y)
        return formula(w, X, y, X @ w - y, len(y))
    return grad


LINEAR_MISTAKES = [
    (stub, "fill in `linear_mse_grad` in src/descentlab/losses.py"),
    (linear(lambda w, X, y, r, n: X.T @ r / n), "missing factor 2"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ (y - X @ w) / n), "wrong sign"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ r), "sum instead of mean"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ r / w.size), "dividing by d"),
    (linear(lambda w, X, y, r, n: 2 * r / n), "the chain rule multiplies it by X.T"),
    (lambda w, X, y: 2 * X.T @ (X @ w - y) / len(y), "Python lists not handled"),
]


def linear_mutates(w, X, y):
    if isinstance(y, np.ndarray) and y.dtype == float:
        y *= -1
        return 2 * X.T @ (X @ w + y) / len(y)
    return losses.linear_mse_grad(w, X, y)


LINEAR_MISTAKES.append((linear_mutates, "changed its argument y"))


@pytest.mark.parametrize(
    ("check", "wrong", "named"),
    [(checks.check_mse, f, named) for f, named in MSE_MISTAKES]
    + [(checks.check_mse_grad, f, named) for f, named in MSE_GRAD_MISTAKES]
    + [(checks.check_linear_mse_grad, f, named) for f, named in LINEAR_MISTAKES],
    ids=lambda v: getattr(v, "__name__", None) if callable(v) else str(v)[:30],
)
def test_mistake_is_named(check, wrong, named):
    with pytest.raises(AssertionError) as failure:
        check(wrong)
    assert named in str(failure.value)


@pytest.mark.parametrize("check", [checks.check_mse, checks.check_mse_grad])
def test_message_says_call_result_expectation_and_fix(check):
    with pytest.raises(AssertionError) as failure:
        check(lambda t, p: np.zeros(np.shape(p)) if check is checks.check_mse_grad else 0.0)
    message = str(failure.value)
    assert "(y_true=array([1., 2., 3., 4.]) of shape (4,)" in message
    assert "\n  returned " in message and "\n  expected " in message
    assert "Fix `" in message and "src/descentlab/losses.py" in message


@pytest.mark.parametrize(("check", "right", "passes"), [
    (checks.check_mse, losses.mse, "✔ mse passed all 5 checks."),
    (checks.check_mse_grad, losses.mse_grad, "✔ mse_grad passed all 6 checks."),
    (checks.check_linear_mse_grad, losses.linear_mse_grad,
     "✔ linear_mse_grad passed all 4 checks."),
])
def test_reference_solutions_pass_with_one_line(check, right, passes, capsys):
    assert check(right) is None
    assert capsys.readouterr().out == passes + "\n"


def test_an_unrecognised_mistake_still_shows_call_and_values():
    with pytest.raises(AssertionError) as failure:
        checks.check_mse(lambda t, p: 42.0)
    message = str(failure.value)
    assert "returned 42.0" in message and "expected 1.3125" in message
    assert "Likely mistake" not in message
