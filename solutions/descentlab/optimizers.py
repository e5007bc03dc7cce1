"""Optimizers: one update step each (notebooks 02, 04 and 05).

Exercise module: fill in the functions below, then run the check cells of the
notebooks. Every step is pure: it returns new arrays and never changes the
ones it is given.

The step-function contract, shared by every optimizer (see
:mod:`descentlab.runner`)::

    step(theta, grad, *state, **hyper) -> theta            (no state)
    step(theta, grad, *state, **hyper) -> (theta, *state)  (with state)

``theta`` holds the parameters, ``grad`` the gradient of the loss at ``theta``,
``state`` the optimizer's own arrays (zeros at the start), ``hyper`` the
hyperparameters such as ``lr``.
"""

import numpy as np


def gd_step(theta, grad, lr):
    r"""One step of gradient descent.

    .. math:: \theta_{n+1} = \theta_n - \alpha \, \frac{\partial J}{\partial \theta_n}

    TensorFlow: ``tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)``;
    PyTorch: ``torch.optim.SGD(params, lr=lr)``.

    Parameters
    ----------
    theta : array_like, shape (d,)
        Parameters :math:`\theta_n`. Not changed.
    grad : array_like, shape (d,)
        Gradient of the loss at ``theta``.
    lr : float
        Learning rate :math:`\alpha` (the note suggests starting at 0.01 or 0.001).

    Returns
    -------
    numpy.ndarray of float, shape (d,)
        The new parameters :math:`\theta_{n+1}`.
    """
    ### BEGIN SOLUTION
    return np.asarray(theta, dtype=float) - lr * np.asarray(grad, dtype=float)
    ### END SOLUTION
