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


def momentum_step(theta, grad, velocity, lr, beta=0.9):
    r"""One step of gradient descent with momentum, in the course note's form.

    .. math::

        d_i = \beta\, d_{i-1} + g(\theta_{i-1}), \qquad
        \theta_i = \theta_{i-1} - \alpha\, d_i

    The velocity :math:`d` is updated first, then used for the step. This is
    TensorFlow's ``tf.train.MomentumOptimizer(learning_rate, momentum)`` and
    PyTorch's ``torch.optim.SGD(params, lr, momentum)``. (The "exponential moving
    average" form :math:`v = \beta v + (1 - \beta) g` is the same method with
    :math:`\alpha` scaled by :math:`1/(1-\beta)`; notebook 05 proves it.)

    Parameters
    ----------
    theta : array_like, shape (d,)
        Parameters :math:`\theta_{i-1}`. Not changed.
    grad : array_like, shape (d,)
        Gradient :math:`g(\theta_{i-1})`.
    velocity : array_like, shape (d,)
        :math:`d_{i-1}`, zeros before the first step. Not changed.
    lr : float
        Learning rate :math:`\alpha`.
    beta : float, default=0.9
        Momentum :math:`\beta`: 0.9 is the common choice (the note's example and
        Sutskever et al., 2013); the frameworks' own defaults are 0, i.e. no
        momentum (``tf.keras.optimizers.SGD(momentum=0.0)``,
        ``torch.optim.SGD(momentum=0)``).

    Returns
    -------
    theta : numpy.ndarray, shape (d,)
        :math:`\theta_i`.
    velocity : numpy.ndarray, shape (d,)
        :math:`d_i`.
    """
    ### BEGIN SOLUTION
    velocity = beta * np.asarray(velocity, dtype=float) + np.asarray(grad, dtype=float)
    return np.asarray(theta, dtype=float) - lr * velocity, velocity
    ### END SOLUTION


def adam_step(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""One step of Adam (Kingma & Ba, 2014, Algorithm 1).

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \alpha\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Each parameter gets its own step size from the first- and second-moment
    estimates of its gradient. PyTorch's ``torch.optim.Adam`` does exactly this;
    TensorFlow 1's ``tf.train.AdamOptimizer`` applies its ``epsilon`` after folding
    the bias corrections into the rate (the paper's "epsilon hat").

    Parameters
    ----------
    theta : array_like, shape (d,)
        Parameters :math:`\theta_{t-1}`. Not changed.
    grad : array_like, shape (d,)
        Gradient :math:`g_t`.
    m, v : array_like, shape (d,)
        Moment estimates :math:`m_{t-1}, v_{t-1}`, zeros before the first step
        (returned uncorrected: the corrections are recomputed each step). Not changed.
    t : int
        Number of this step, starting at 1.
    lr : float, default=0.001
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8

    Returns
    -------
    theta, m, v : numpy.ndarray, each shape (d,)

    References
    ----------
    D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", 2014,
    arXiv:1412.6980, Algorithm 1.
    """
    ### BEGIN SOLUTION
    g = np.asarray(grad, dtype=float)
    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * g
    v = beta2 * np.asarray(v, dtype=float) + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return np.asarray(theta, dtype=float) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    ### END SOLUTION


def nesterov_step(theta, grad, velocity, lr, beta=0.9):
    r"""Bonus: one step of Nesterov momentum, in PyTorch's form.

    .. math:: d_i = \beta\, d_{i-1} + g_i, \qquad
              \theta_i = \theta_{i-1} - \alpha\,(g_i + \beta\, d_i)

    ``torch.optim.SGD(params, lr, momentum=beta, nesterov=True)``: the step looks
    ahead along the velocity, using only the gradient at the current parameters.
    Same arguments and returns as :func:`momentum_step`.
    """
    ### BEGIN SOLUTION
    g = np.asarray(grad, dtype=float)
    velocity = beta * np.asarray(velocity, dtype=float) + g
    return np.asarray(theta, dtype=float) - lr * (g + beta * velocity), velocity
    ### END SOLUTION


def rmsprop_step(theta, grad, s, lr=0.01, rho=0.99, eps=1e-8):
    r"""Bonus: one step of RMSProp (Hinton's lecture 6e), PyTorch's defaults.

    .. math:: s_t = \rho\, s_{t-1} + (1 - \rho)\, g_t^2, \qquad
              \theta_t = \theta_{t-1} - \alpha\, g_t / (\sqrt{s_t} + \epsilon)

    ``torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8)``.

    Returns
    -------
    theta, s : numpy.ndarray, each shape (d,)
    """
    ### BEGIN SOLUTION
    g = np.asarray(grad, dtype=float)
    s = rho * np.asarray(s, dtype=float) + (1 - rho) * g**2
    return np.asarray(theta, dtype=float) - lr * g / (np.sqrt(s) + eps), s
    ### END SOLUTION


def adagrad_step(theta, grad, s, lr=0.01, eps=1e-10):
    r"""Bonus: one step of AdaGrad (Duchi, Hazan and Singer, 2011), PyTorch's defaults.

    .. math:: s_t = s_{t-1} + g_t^2, \qquad
              \theta_t = \theta_{t-1} - \alpha\, g_t / (\sqrt{s_t} + \epsilon)

    ``torch.optim.Adagrad(params, lr=0.01, eps=1e-10)``: the sum of squares only
    grows, so every parameter's step shrinks over time.

    Returns
    -------
    theta, s : numpy.ndarray, each shape (d,)
    """
    ### BEGIN SOLUTION
    g = np.asarray(grad, dtype=float)
    s = np.asarray(s, dtype=float) + g**2
    return np.asarray(theta, dtype=float) - lr * g / (np.sqrt(s) + eps), s
    ### END SOLUTION
