"""Data and test problems of the course (provided code)."""

from dataclasses import dataclass

import numpy as np

from .i18n import _


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


@dataclass(frozen=True)
class Problem:
    """A loss to minimise, with its exact gradient and Hessian.

    Attributes
    ----------
    name : str
        Shown in titles and legends.
    loss : callable
        ``loss(theta: ndarray of shape (d,)) -> float``.
    grad : callable
        ``grad(theta) -> ndarray of shape (d,)``.
    hessian : callable
        ``hessian(theta) -> ndarray of shape (d, d)``.
    minimum : numpy.ndarray, shape (d,)
        Where the loss is smallest.
    window : tuple of tuple of float
        ``((low, high), ...)`` per coordinate: the region pictures show.
    axes : tuple of str
        The names of the coordinates on pictures.
    """

    name: str
    loss: object
    grad: object
    hessian: object
    minimum: np.ndarray
    window: tuple
    axes: tuple = ("θ₁", "θ₂")


def quadratic(Q, name=None, window=None):
    r"""The bowl :math:`f(\theta) = \theta^\top Q \theta` for a symmetric positive definite ``Q``.

    Gradient :math:`2 Q \theta`, Hessian :math:`2 Q` (constant), minimum at 0.
    """
    Q = np.atleast_2d(np.asarray(Q, dtype=float))
    if not np.allclose(Q, Q.T):
        raise ValueError(_("Q must be symmetric"))
    d = len(Q)
    window = window or ((-2.0, 2.0),) * d
    return Problem(
        name=name or _("quadratic {matrix}").format(matrix=np.array2string(Q, separator=", ")),
        loss=lambda theta: float(np.asarray(theta) @ Q @ np.asarray(theta)),
        grad=lambda theta: 2.0 * Q @ np.asarray(theta, dtype=float),
        hessian=lambda theta: 2.0 * Q,
        minimum=np.zeros(d),
        window=window,
    )


def parabola(a=1.0):
    r"""The 1-D quadratic :math:`f(x) = a x^2`: curvature :math:`\lambda = 2a`."""
    return quadratic([[a]], name=f"f(θ) = {a:g} θ²", window=((-2.0, 2.0),))


def ill_conditioned():
    r"""The bowl :math:`f = 0.1\, x_1^2 + 2\, x_2^2`: curvatures 0.2 and 4, condition number 20."""
    return quadratic(np.diag([0.1, 2.0]), name="f = 0.1 θ₁² + 2 θ₂²",
                     window=((-5.5, 5.5), (-2.5, 2.5)))


def rotated_bowl():
    r"""A bowl whose axes are not the coordinate axes (its Hessian is not diagonal)."""
    Q = np.array([[1.0, 0.8], [0.8, 1.0]])
    return quadratic(Q, name=_("rotated bowl"), window=((-2.5, 2.5), (-2.5, 2.5)))


def badly_scaled():
    r"""The bowl :math:`f = 5\,\theta_1^2 + 0.005\,\theta_2^2`: curvatures 10 and 0.01 (κ = 1000).

    Its two parameters live on scales a thousand times apart, as the weights of
    unnormalised inputs do: no single learning rate serves both.
    """
    return quadratic(np.diag([5.0, 0.005]), name="f = 5 θ₁² + 0.005 θ₂²",
                     window=((-1.5, 1.5), (-12.0, 12.0)))


def rosenbrock(a=1.0, b=100.0):
    r"""Rosenbrock's banana valley :math:`f = (a - x)^2 + b (y - x^2)^2`.

    The minimum is at :math:`(a, a^2)`, at the end of a long, curved, flat valley.
    """

    def loss(theta):
        x, y = theta
        return float((a - x) ** 2 + b * (y - x**2) ** 2)

    def grad(theta):
        x, y = theta
        return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])

    def hessian(theta):
        x, y = theta
        return np.array([[2 - 4 * b * (y - 3 * x**2), -4 * b * x], [-4 * b * x, 2 * b]])

    return Problem(_("Rosenbrock"), loss, grad, hessian, np.array([a, a * a]),
                   ((-2.0, 2.0), (-1.0, 3.0)))


def linear_regression(data=None):
    r"""The MSE of the 2-parameter linear model of notebook 01 as a :class:`Problem`.

    :math:`f(w) = \frac{1}{n}\lVert Xw - y\rVert^2`, gradient
    :math:`\frac{2}{n}X^\top(Xw - y)`, Hessian :math:`\frac{2}{n}X^\top X`.
    """
    data = data or linear_data()
    X, y = data.X, data.y
    n = len(y)
    best = data.best_weights()
    return Problem(
        name=_("linear regression"),
        loss=lambda w: float(np.mean((X @ w - y) ** 2)),
        grad=lambda w: 2.0 / n * X.T @ (X @ np.asarray(w, dtype=float) - y),
        hessian=lambda w: 2.0 / n * X.T @ X,
        minimum=best,
        window=((best[0] - 2.5, best[0] + 2.5), (best[1] - 2.5, best[1] + 2.5)),
        axes=(_("w0 (intercept)"), _("w1 (slope)")),
    )


def noisy(problem, scale, seed=0):
    """The same problem with Gaussian noise of standard deviation ``scale`` on every gradient.

    Stands in for mini-batch gradients (notebook 04 measures real ones); the noise is
    reproducible from ``seed``.
    """
    rng = np.random.default_rng(seed)
    return Problem(
        name=_("{name} (noisy gradients)").format(name=problem.name),
        loss=problem.loss,
        grad=lambda theta: problem.grad(theta) + scale * rng.normal(size=np.shape(theta)),
        hessian=problem.hessian,
        minimum=problem.minimum,
        window=problem.window,
        axes=problem.axes,
    )
