"""Losses of notebook 01: mean squared error and its gradients.

Exercise module: fill in the three functions below, then run the check cells of
``notebooks/01_loss/01_loss.ipynb``. Each function is pure: it returns new
values and never changes the arrays it is given.

Notation (the course's): ``y_true`` is the target the note calls ``y_``,
``y_pred`` the model's prediction ``y``, ``n`` the number of elements.
"""

import numpy as np


def mse(y_true, y_pred):
    r"""Mean squared error between targets and predictions.

    .. math:: \mathrm{MSE}(y\_, y) = \frac{1}{n} \sum_i (y_i - y\_{}_i)^2

    TensorFlow: ``tf.reduce_mean(tf.square(y_ - y))``;
    PyTorch: ``torch.nn.functional.mse_loss(y, y_)``.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets ``y_``. Lists and integer arrays are accepted.
    y_pred : array_like, same shape as ``y_true``
        Predictions ``y``.

    Returns
    -------
    float
        The mean over all ``n = y_pred.size`` elements of ``(y_pred - y_true)**2``.

    Raises
    ------
    ValueError
        If the shapes differ: numpy would broadcast ``(n,)`` against ``(n, 1)``
        into an ``(n, n)`` array and return a wrong loss without complaint.
    """
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return float(np.mean((y_pred - y_true) ** 2))
    ### END SOLUTION


def mse_grad(y_true, y_pred):
    r"""Gradient of :func:`mse` with respect to the predictions.

    .. math:: \frac{\partial\, \mathrm{MSE}}{\partial y_i} = \frac{2}{n} (y_i - y\_{}_i)

    This is what backpropagation starts from: TensorFlow's
    ``tf.gradients(loss, y)``; PyTorch's ``y.grad`` after ``loss.backward()``, once
    ``y.retain_grad()`` was called (``y`` is not a leaf tensor, and PyTorch keeps
    only the gradients of leaves unless asked).

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets ``y_``.
    y_pred : array_like, same shape as ``y_true``
        Predictions ``y``.

    Returns
    -------
    numpy.ndarray of float, same shape as ``y_pred``
        ``2 * (y_pred - y_true) / n`` with ``n = y_pred.size``.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return 2.0 * (y_pred - y_true) / y_pred.size
    ### END SOLUTION


def linear_mse_grad(w, X, y):
    r"""Gradient with respect to the weights of the MSE of a linear model.

    The model predicts ``X @ w``; its loss is ``mse(y, X @ w)``. By the chain rule

    .. math:: \nabla_w \mathrm{MSE} = X^\top \frac{\partial\, \mathrm{MSE}}{\partial (Xw)}
              = \frac{2}{n} X^\top (X w - y)

    which is what ``loss.backward()`` leaves in ``w.grad`` in PyTorch.

    Parameters
    ----------
    w : array_like, shape (d,)
        Weights (a bias is a weight whose column of ``X`` is all ones).
    X : array_like, shape (n, d)
        Inputs, one row per example.
    y : array_like, shape (n,)
        Targets.

    Returns
    -------
    numpy.ndarray of float, shape (d,)
        The gradient, the same shape as ``w``.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    return X.T @ mse_grad(y, X @ w)
    ### END SOLUTION

