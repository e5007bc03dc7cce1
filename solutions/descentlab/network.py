"""A two-layer neural network, built from layers, and its backward pass (notebook 07).

Exercise module: fill in the functions below, then run the check cells of
``notebooks/07_training/07_training.ipynb``. Each function is pure: it returns new
arrays and never changes the ones it is given.

The network maps a batch ``X`` of ``n`` examples with ``d`` features to scores
for ``k`` classes through a hidden layer of ``h`` ReLU units::

    Z1 = X @ W1 + b1        (n, h)      dense
    A1 = max(Z1, 0)         (n, h)      ReLU
    Z2 = A1 @ W2 + b2       (n, k)      dense: the scores ("logits")
    P  = softmax(Z2)        (n, k)      class probabilities, rows sum to 1
    L  = mean_i -log P[i, y_i]          cross-entropy loss

Each layer has a forward function and a backward one. A backward function
takes the gradient of the loss with respect to the layer's output and what the
layer saw in the forward pass, and returns the gradients with respect to the
layer's input and parameters; the notebook derives them. Writing ``dV`` for
the gradient of the loss ``L`` with respect to ``V``: ``dV`` has the shape of ``V``.
"""

import numpy as np


def dense_forward(X, W, b):
    """A dense (fully connected, "affine") layer: every input row times ``W``, plus ``b``.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d)
        Inputs, one row per example.
    W : numpy.ndarray, shape (d, m)
        Weights.
    b : numpy.ndarray, shape (m,)
        Biases, one per output unit, the same for every example.

    Returns
    -------
    numpy.ndarray, shape (n, m)
        The layer's output ``Z``.
    """
    ### BEGIN SOLUTION
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float)
    ### END SOLUTION


def dense_backward(dZ, X, W):
    """Gradients through a dense layer, from the gradient at its output.

    Parameters
    ----------
    dZ : numpy.ndarray, shape (n, m)
        Gradient of the loss with respect to the layer's output
        ``Z = dense_forward(X, W, b)``.
    X : numpy.ndarray, shape (n, d)
        The layer's input in the forward pass.
    W : numpy.ndarray, shape (d, m)
        The layer's weights.

    Returns
    -------
    dX : numpy.ndarray, shape (n, d)
        Gradient with respect to the input (what the layer before receives).
    dW : numpy.ndarray, shape (d, m)
        Gradient with respect to the weights.
    db : numpy.ndarray, shape (m,)
        Gradient with respect to the biases.
    """
    ### BEGIN SOLUTION
    dZ, X, W = (np.asarray(a, dtype=float) for a in (dZ, X, W))
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)  # b is added to every row: its gradient sums over the examples
    return dX, dW, db
    ### END SOLUTION


def relu_forward(Z):
    """The ReLU activation, elementwise: ``Z`` where it is positive, else 0.

    Parameters
    ----------
    Z : numpy.ndarray, shape (...)
        Pre-activations.

    Returns
    -------
    numpy.ndarray, same shape as ``Z``
        The activations ``A``.
    """
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(Z, dtype=float), 0.0)
    ### END SOLUTION


def relu_backward(dA, Z):
    """Gradient through the ReLU, from the gradient at its output.

    At ``Z == 0`` the ReLU has no derivative; any value from 0 to 1 will do there
    (the checks never ask).

    Parameters
    ----------
    dA : numpy.ndarray, shape (...)
        Gradient of the loss with respect to ``A = relu_forward(Z)``.
    Z : numpy.ndarray, same shape as ``dA``
        The layer's input in the forward pass.

    Returns
    -------
    numpy.ndarray, same shape as ``Z``
        Gradient with respect to ``Z``.
    """
    ### BEGIN SOLUTION
    return np.asarray(dA, dtype=float) * (np.asarray(Z, dtype=float) > 0)
    ### END SOLUTION


def softmax_cross_entropy(Z, y):
    """Mean cross-entropy of the softmax of scores ``Z``, and its gradient.

    Must stay finite for any finite scores, however large (a softmax does not
    change when the same number is added to every score of a row).

    TensorFlow: ``tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=y, logits=Z))``; PyTorch: ``torch.nn.functional.cross_entropy(Z, y)``.

    Parameters
    ----------
    Z : numpy.ndarray, shape (n, k)
        Scores ("logits"), one row per example, one column per class.
    y : numpy.ndarray of int, shape (n,)
        The true class of each example, in ``0 .. k-1``.

    Returns
    -------
    loss : float
        The mean over the ``n`` examples of ``-log P[i, y[i]]``, where ``P`` is the
        row-wise softmax of ``Z``.
    dZ : numpy.ndarray, shape (n, k)
        Gradient of ``loss`` with respect to ``Z``.
    """
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=float)
    n = len(Z)
    shifted = Z - Z.max(axis=1, keepdims=True)  # the same softmax, and np.exp cannot overflow
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_P[np.arange(n), y].mean())
    dZ = np.exp(log_P)
    dZ[np.arange(n), y] -= 1.0
    return loss, dZ / n
    ### END SOLUTION


def mlp_loss_and_grads(params, X, y):
    """Loss of the two-layer network and its gradients, by backpropagation.

    The composition of the layers above: forward as in the module docstring,
    then backward from the loss to each parameter.

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
    Z1 = dense_forward(X, params["W1"], params["b1"])
    A1 = relu_forward(Z1)
    Z2 = dense_forward(A1, params["W2"], params["b2"])
    loss, dZ2 = softmax_cross_entropy(Z2, y)
    dA1, dW2, db2 = dense_backward(dZ2, A1, params["W2"])
    dZ1 = relu_backward(dA1, Z1)
    _, dW1, db1 = dense_backward(dZ1, X, params["W1"])
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION
