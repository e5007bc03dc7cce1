"""Finite-difference gradient checking (provided code).

A gradient written by hand is checked against the centred difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h),

whose error is O(h^2); with h = 1e-5 and float64 a right gradient agrees to
about 1e-8 relative error, a wrong one typically to no better than 1e-2.
"""

import numpy as np

from .i18n import _


def numerical_gradient(f, x, h=1e-5):
    """Centred finite-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; ``x`` is not changed by this function.
    x : array_like, shape (...)
        Point at which to differentiate.
    h : float, default=1e-5
        Step.

    Returns
    -------
    numpy.ndarray, same shape as ``x``
    """
    x = np.array(x, dtype=float)
    grad = np.empty_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def relative_error(a, b):
    """``|a - b| / (|a| + |b|)`` in the Euclidean norm: 0 when equal, 1 when opposite.

    Norms rather than entries, so that entries that are nearly zero (a softmax
    probability of 1e-9, say), where finite differences are all rounding, do not
    decide the verdict.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 1e-12 else 0.0


def gradient_check(f, grad, x, h=1e-5, tol=1e-6):
    """Compare ``grad(x)`` with the finite-difference gradient of ``f`` and report.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    grad : callable
        ``grad(x) -> ndarray`` of the shape of ``x``, the gradient to check.
    x : array_like
        Point at which to compare.
    h : float, default=1e-5
        Finite-difference step.
    tol : float, default=1e-6
        Largest relative error that counts as agreement.

    Returns
    -------
    float
        The relative error (also printed, with a verdict).
    """
    x = np.array(x, dtype=float)
    error = relative_error(grad(x.copy()), numerical_gradient(f, x, h))
    # Whole sentences, not a verdict word on its own, so that translators see the context.
    if error < tol:
        report = _("relative error {error:.1e} (tolerance {tolerance:.0e}): agree")
    else:
        report = _("relative error {error:.1e} (tolerance {tolerance:.0e}): "
                   "DISAGREE: the gradient is wrong")
    print(report.format(error=error, tolerance=tol))
    return error


def check_parameter_gradients(loss_and_grads, params, X, y, h=1e-5, verbose=True):
    """Relative error of each parameter's gradient against finite differences.

    Parameters
    ----------
    loss_and_grads : callable
        ``(params, X, y) -> (loss, grads)`` with ``grads`` keyed like ``params``.
    params : dict of str to numpy.ndarray
        Where to compare (not changed).
    X, y : numpy.ndarray
        A batch.
    verbose : bool, default=True
        Print one line per parameter.

    Returns
    -------
    dict of str to float
        Relative error per parameter (also printed, one line each).
    """
    grads = loss_and_grads(params, X, y)[1]
    errors = {}
    for key, value in params.items():
        def loss_of(entry, key=key):
            return loss_and_grads({**params, key: entry}, X, y)[0]

        errors[key] = relative_error(grads[key], numerical_gradient(loss_of, value, h))
        if verbose:
            print(_("{name}: shape {shape}, relative error {error:.1e}").format(
                name=key, shape=np.shape(value), error=errors[key]))
    return errors
