"""Choosing the learning rate: the stability edge and decay schedules (notebook 03).

Exercise module: fill in the functions below, then run the check cells of
``notebooks/03_learning_rate/03_learning_rate.ipynb``.
"""

import numpy as np


def max_stable_lr(hessian):
    r"""Largest learning rate for which gradient descent converges on a quadratic.

    On a quadratic with Hessian :math:`H`, an error :math:`e` evolves as
    :math:`e_{n+1} = (I - \alpha H)\, e_n`, so gradient descent converges if and
    only if every :math:`|1 - \alpha \lambda_i| < 1`, that is

    .. math:: 0 < \alpha < \frac{2}{\lambda_{\max}(H)}.

    Parameters
    ----------
    hessian : array_like, shape (d, d)
        A symmetric positive definite matrix (not necessarily diagonal).

    Returns
    -------
    float
        :math:`2 / \lambda_{\max}`, the edge of stability.
    """
    ### BEGIN SOLUTION
    eigenvalues = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    return float(2.0 / eigenvalues.max())
    ### END SOLUTION


def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False):
    r"""Learning rate after ``step`` steps of exponential decay.

    .. math:: \alpha_t = \alpha_0 \cdot r^{\,t / T}

    with :math:`t` = ``step``, :math:`T` = ``decay_steps``, :math:`r` = ``decay_rate``;
    with ``staircase=True`` the exponent is the whole number :math:`\lfloor t / T \rfloor`,
    so the rate drops once every ``decay_steps`` steps. Same semantics as
    TensorFlow's ``tf.train.exponential_decay(learning_rate, global_step,
    decay_steps, decay_rate, staircase)`` and Keras'
    ``tf.keras.optimizers.schedules.ExponentialDecay``.

    Parameters
    ----------
    lr0 : float
        Initial learning rate :math:`\alpha_0`.
    step : int
        Number of steps taken so far, :math:`t \ge 0`.
    decay_steps : int
        :math:`T > 0`: the rate is multiplied by ``decay_rate`` every ``decay_steps`` steps.
    decay_rate : float
        :math:`r`, e.g. 0.96.
    staircase : bool, default=False
        Decay in whole jumps instead of smoothly.

    Returns
    -------
    float
    """
    ### BEGIN SOLUTION
    exponent = step / decay_steps
    if staircase:
        exponent = np.floor(exponent)
    return float(lr0 * decay_rate**exponent)
    ### END SOLUTION
