"""A two-layer neural network and its backward pass (notebook 07).

Exercise module: fill in :func:`mlp_loss_and_grads`, then run the check cells
of ``notebooks/07_training/07_training.ipynb``.

The network maps a batch ``X`` of ``n`` examples with ``d`` features to scores
for ``k`` classes through a hidden layer of ``h`` ReLU units::

    Z1 = X @ W1 + b1        (n, h)      dense
    A1 = max(Z1, 0)         (n, h)      ReLU
    Z2 = A1 @ W2 + b2       (n, k)      dense: the scores ("logits")
    P  = softmax(Z2)        (n, k)      class probabilities, rows sum to 1
    L  = mean_i -log P[i, y_i]          cross-entropy loss
"""

import numpy as np


def mlp_loss_and_grads(params, X, y):
    r"""Loss of the two-layer network and its gradients, by backpropagation.

    Forward as in the module docstring; backward by the chain rule, from the
    loss back to each parameter:

    .. math::

        dZ_2 &= (P - Y) / n                && (n, k), \; Y \text{ one-hot labels} \\
        dW_2 &= A_1^\top dZ_2, \quad db_2 = \textstyle\sum_i dZ_2[i]  && (h, k), (k,) \\
        dA_1 &= dZ_2 W_2^\top                                     && (n, h) \\
        dZ_1 &= dA_1 \odot [Z_1 > 0]                              && (n, h) \\
        dW_1 &= X^\top dZ_1, \quad db_1 = \textstyle\sum_i dZ_1[i]    && (d, h), (h,)

    What ``loss.backward()`` computes in PyTorch for
    ``nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, k))`` with
    ``nn.CrossEntropyLoss()`` (up to PyTorch storing weights transposed).

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        ``W1`` (d, h), ``b1`` (h,), ``W2`` (h, k), ``b2`` (k,). Not changed.
    X : numpy.ndarray, shape (n, d)
        Inputs, one row per example.
    y : numpy.ndarray of int, shape (n,)
        Class labels in ``0 .. k-1``.

    Returns
    -------
    loss : float
        Mean cross-entropy over the batch.
    grads : dict of str to numpy.ndarray
        Gradient of ``loss`` with respect to each parameter, same keys and shapes.
    """
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = (np.asarray(params[key], dtype=float) for key in ("W1", "b1", "W2", "b2"))
    X = np.asarray(X, dtype=float)
    n = len(X)
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    Z2 = A1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)  # same softmax, no overflow
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(np.mean(log_norm[:, 0] - shifted[np.arange(n), y]))  # -log P[i, y_i]

    dZ2 = np.exp(shifted - log_norm)
    dZ2[np.arange(n), y] -= 1.0
    dZ2 /= n
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * (Z1 > 0)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=0)}
    return loss, grads
    ### END SOLUTION
