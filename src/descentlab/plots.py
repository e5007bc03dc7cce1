"""Pictures of the course (provided code).

Every function takes the functions to draw as arguments, so the student's own
code (``losses.mse``, ``losses.linear_mse_grad``, ...) drives every picture.
Each returns the matplotlib ``Figure`` it drew; in a notebook assign it
(``fig = plots.loss_contour(...)``) so that it is shown once.
"""

import matplotlib.pyplot as plt
import numpy as np

#: One colour per role, the same in every notebook.
COLORS = {
    "data": "#4c72b0",
    "loss": "#222222",
    "tangent": "#dd8452",
    "gradient": "#c44e52",
    "minimum": "#55a868",
}
CANDIDATE_COLORS = ("#8172b3", "#dd8452", "#55a868", "#c44e52")


def lines_and_losses(x, y, candidates, loss):
    """Data with candidate lines ``w0 + w1 x``, each labelled with its loss.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n,)
        The examples.
    candidates : sequence of array_like, each shape (2,)
        Intercept and slope of each line to draw.
    loss : callable
        ``loss(y_true, y_pred) -> float``, e.g. ``losses.mse``.
    """
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x, y, s=18, color=COLORS["data"], label="data", zorder=3)
    grid = np.linspace(x.min(), x.max(), 2)
    for (w0, w1), color in zip(candidates, CANDIDATE_COLORS, strict=False):
        value = loss(y, w0 + w1 * x)
        ax.plot(grid, w0 + w1 * grid, color=color, lw=2,
                label=f"y = {w0:g} + {w1:g} x:  loss {value:.3f}")
    ax.set(xlabel="x", ylabel="y", title="The loss scores how far each line is from the data")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def loss_curve_with_tangents(loss, grad, points, span):
    """A 1-parameter loss ``loss(w)`` with its tangent drawn at each of ``points``.

    The tangent at ``w`` has slope ``grad(w)``: if the gradient is right it
    touches the curve there, and points uphill; gradient descent steps the other way.

    Parameters
    ----------
    loss : callable
        ``loss(w: float) -> float``.
    grad : callable
        ``grad(w: float) -> float``, the derivative to draw.
    points : sequence of float
        Where to draw tangents.
    span : tuple of float
        ``(low, high)`` range of ``w`` to plot.
    """
    ws = np.linspace(*span, 201)
    values = np.array([loss(w) for w in ws])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ws, values, color=COLORS["loss"], lw=2, label="loss L(w)")
    half_width = (span[1] - span[0]) / 8
    for w in points:
        slope = float(grad(w))
        around = np.array([w - half_width, w + half_width])
        ax.plot(around, loss(w) + slope * (around - w), color=COLORS["tangent"], lw=2)
        ax.plot(w, loss(w), "o", color=COLORS["tangent"])
        ax.annotate(f"slope {slope:.2f}", (w, loss(w)), textcoords="offset points",
                    xytext=(0, 10), ha="center", fontsize=8)
    ax.set(xlabel="w", ylabel="loss", ylim=(0, values.max() * 1.05),
           title="Tangents with slope = your gradient")
    ax.legend(loc="upper center")
    return fig


def loss_contour(loss, center, span, grad=None, minimum=None):
    """Contour plot of a 2-parameter loss, with downhill arrows ``-grad`` if given.

    Parameters
    ----------
    loss : callable
        ``loss(w: ndarray of shape (2,)) -> float``.
    center : array_like, shape (2,)
        Middle of the plotted square.
    span : float
        Half the side of the square.
    grad : callable, optional
        ``grad(w) -> ndarray of shape (2,)``; arrows show ``-grad(w)``, the
        direction gradient descent moves, on a coarse grid.
    minimum : array_like, shape (2,), optional
        Point to mark as the minimum.
    """
    center = np.asarray(center, dtype=float)
    w0 = np.linspace(center[0] - span, center[0] + span, 81)
    w1 = np.linspace(center[1] - span, center[1] + span, 81)
    values = np.array([[loss(np.array([a, b])) for a in w0] for b in w1])
    fig, ax = plt.subplots(figsize=(5.5, 5))
    levels = np.quantile(values, np.linspace(0, 1, 16) ** 2)
    contour = ax.contour(w0, w1, values, levels=np.unique(levels), cmap="viridis")
    ax.clabel(contour, fontsize=7, fmt="%.2f")
    if grad is not None:
        coarse0, coarse1 = w0[5::10], w1[5::10]
        arrows = np.array([[-np.asarray(grad(np.array([a, b]))) for a in coarse0]
                           for b in coarse1])
        ax.quiver(coarse0, coarse1, arrows[..., 0], arrows[..., 1],
                  color=COLORS["gradient"], angles="xy", label="-gradient (downhill)")
    if minimum is not None:
        ax.plot(*minimum, "*", ms=14, color=COLORS["minimum"], label="minimum")
    ax.set(xlabel="w0 (intercept)", ylabel="w1 (slope)", aspect="equal",
           title="Loss surface of the linear model")
    if grad is not None or minimum is not None:
        ax.legend(loc="upper right", fontsize=8)
    return fig
