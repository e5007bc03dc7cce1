"""Data and test problems of the course (provided code)."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearData:
    """Examples of a straight line with noise, for a 2-parameter linear model.

    Attributes
    ----------
    x : numpy.ndarray, shape (n,)
        Inputs.
    X : numpy.ndarray, shape (n, 2)
        Design matrix ``[1, x]``: the model ``X @ w`` is ``w[0] + w[1] * x``.
    y : numpy.ndarray, shape (n,)
        Targets.
    w_true : numpy.ndarray, shape (2,)
        Intercept and slope the data were drawn from.
    """

    x: np.ndarray
    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray

    def best_weights(self):
        """Least-squares weights, the minimum of the MSE: solves ``X^T X w = X^T y``."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]


def linear_data(n=40, w_true=(0.5, 1.5), noise=0.3, seed=0):
    """Draw ``y = w0 + w1 x + noise`` at ``n`` points ``x`` uniform in [-1, 1].

    The same ``seed`` gives the same data on every machine (numpy's PCG64).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=n)
    w_true = np.asarray(w_true, dtype=float)
    X = np.column_stack([np.ones(n), x])
    y = X @ w_true + noise * rng.normal(size=n)
    return LinearData(x=x, X=X, y=y, w_true=w_true)
