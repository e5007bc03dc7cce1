"""Run any optimizer on any problem and keep the trace (provided code).

The step-function contract, shared by every optimizer of the course::

    step(theta, grad, *state, **hyper) -> theta              # no state: gd_step
    step(theta, grad, *state, **hyper) -> (theta, *state)    # momentum_step, adam_step

``state`` are the parameters after ``grad`` that are neither given in ``hyper``
nor have a default: they start as zeros of ``theta``'s shape and are carried
from step to step; one named ``t`` is the 1-based step number instead. So
``gd_step(theta, grad, lr)``, ``momentum_step(theta, grad, velocity, lr, beta)``
and ``adam_step(theta, grad, m, v, t, lr, ...)`` all run through
:func:`minimize`, the student's versions included.
"""

import inspect
from dataclasses import dataclass

import numpy as np

from .i18n import _


@dataclass(frozen=True)
class Trace:
    """What an optimizer did on a problem.

    Attributes
    ----------
    label : str
        Name for legends, e.g. ``"gd, lr=0.1"``.
    thetas : numpy.ndarray, shape (steps + 1, d)
        Parameters before the first step and after each step.
    losses : numpy.ndarray, shape (steps + 1,)
        Loss at each of ``thetas``.
    diverged : bool
        True if the run stopped early because the loss overflowed or became NaN.
    """

    label: str
    thetas: np.ndarray
    losses: np.ndarray
    diverged: bool

    def steps_to(self, tol):
        """First step at which the loss is below ``tol``, or None if it never is."""
        below = np.flatnonzero(self.losses < tol)
        return int(below[0]) if below.size else None


def state_names(step, hyper):
    """Names of the state arguments of ``step`` (see the module's contract)."""
    params = list(inspect.signature(step).parameters.values())[2:]
    return [p.name for p in params
            if p.name not in hyper and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


class Stepper:
    """Applies a step function again and again, carrying its state (the contract above).

    Parameters
    ----------
    step : callable
        A step function, e.g. ``optimizers.adam_step``.
    theta : numpy.ndarray
        Parameters; state arrays start as zeros of this shape.
    hyper : dict
        Hyperparameters passed to every call; ``"lr"`` may be changed between steps.
    """

    def __init__(self, step, theta, hyper):
        self.step = step
        self.hyper = dict(hyper)
        self.names = state_names(step, self.hyper)
        self.carried = [name for name in self.names if name != "t"]
        self.state = {name: np.zeros_like(theta, dtype=float) for name in self.carried}
        self.t = 0

    def __call__(self, theta, grad):
        """The parameters after one more step from ``theta`` with gradient ``grad``."""
        self.t += 1
        args = [self.t if name == "t" else self.state[name] for name in self.names]
        result = self.step(theta, grad, *args, **self.hyper)
        if self.carried:
            theta, *values = result
            self.state.update(zip(self.carried, values, strict=True))
        else:
            theta = result
        return np.asarray(theta, dtype=float)


def describe(step, hyper):
    """Legend text for a run: the step's name and its hyperparameters."""
    return ", ".join([step.__name__.removesuffix("_step")]
                     + [f"{k}={v:.3g}" for k, v in hyper.items()])


def decoupled_weight_decay(step):
    r"""``step`` with decoupled weight decay: Loshchilov & Hutter's AdamW when ``step`` is Adam.

    .. math:: \theta_t = \mathrm{step}(\theta_{t-1}, g_t) - \alpha\lambda\,\theta_{t-1}

    The step sees only the loss's gradient :math:`g_t`; then every parameter is
    shrunk by the same fraction :math:`\alpha\lambda` of its value, whatever the
    size of its gradient. This is PyTorch's form, ``torch.optim.AdamW(params,
    lr, weight_decay=λ)`` (:math:`\theta_t \leftarrow \theta_{t-1} - \gamma\lambda\theta_{t-1}`
    with :math:`\gamma` the learning rate), and Keras's, ``keras.optimizers.AdamW``
    (the variable minus variable × weight_decay × learning_rate). Loshchilov &
    Hutter's Algorithm 2 writes the decay as :math:`\eta_t\lambda\theta_{t-1}`, with
    :math:`\eta_t` a schedule multiplier and no :math:`\alpha`: their :math:`\lambda` is
    :math:`\alpha\lambda` here. For gradient descent, the result is the step on the
    L2-regularised gradient :math:`g_t + \lambda\theta_{t-1}`, exactly (up to rounding).

    Parameters
    ----------
    step : callable
        A step function (module docstring) with a learning rate ``lr``, e.g.
        ``optimizers.adam_step``.

    Returns
    -------
    callable
        A step function with the same arguments, state and returns as ``step``
        and one more keyword, ``weight_decay`` (:math:`\lambda`, default 0: the step
        unchanged). Named after it with a ``w``: ``adamw_step``, ``gdw_step``.

    References
    ----------
    I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
    arXiv:1711.05101, Algorithm 2.
    """
    signature = inspect.signature(step)
    if "lr" not in signature.parameters:
        raise ValueError(_("{step} has no learning rate lr to scale the decay by").format(
            step=step.__name__))

    def decayed(theta, grad, *state, weight_decay=0.0, **hyper):
        bound = signature.bind(theta, grad, *state, **hyper)
        bound.apply_defaults()
        result = step(theta, grad, *state, **hyper)
        new, *carried = result if isinstance(result, tuple) else (result,)
        # The decay uses the parameters before the step, as in Algorithm 2 and PyTorch.
        new = np.asarray(new, dtype=float) - (
            bound.arguments["lr"] * weight_decay * np.asarray(theta, dtype=float))
        return (new, *carried) if isinstance(result, tuple) else new

    parameters = list(signature.parameters.values())
    keyword = inspect.Parameter("weight_decay", inspect.Parameter.KEYWORD_ONLY, default=0.0)
    at = next((i for i, p in enumerate(parameters) if p.kind == p.VAR_KEYWORD), len(parameters))
    decayed.__signature__ = signature.replace(parameters=[*parameters[:at], keyword,
                                                          *parameters[at:]])
    decayed.__name__ = step.__name__.removesuffix("_step") + "w_step"
    decayed.__doc__ = f"{step.__name__} with decoupled weight decay (decoupled_weight_decay)."
    return decayed


def minimize(step, problem, theta0, steps, label=None, schedule=None, **hyper):
    """Apply ``step`` to ``problem`` for ``steps`` steps from ``theta0``.

    Parameters
    ----------
    step : callable
        A step function (module docstring), e.g. ``optimizers.gd_step``.
    problem : descentlab.problems.Problem
        Gives ``loss`` and ``grad``.
    theta0 : array_like, shape (d,)
        Start.
    steps : int
        Number of steps.
    label : str, optional
        Legend text; default: the step's name and hyperparameters.
    schedule : callable, optional
        ``schedule(t) -> lr`` for the 0-based step ``t``; overrides ``hyper['lr']``.
    **hyper
        Hyperparameters passed to every call, e.g. ``lr=0.1``.

    Returns
    -------
    Trace
        Stops early, with ``diverged=True``, once the loss is not finite or
        exceeds 1e12.
    """
    theta = np.array(theta0, dtype=float)
    stepper = Stepper(step, theta, {**hyper, **({"lr": None} if schedule else {})})
    thetas, losses = [theta], [problem.loss(theta)]
    diverged = False
    for t in range(steps):
        if schedule is not None:
            stepper.hyper["lr"] = schedule(t)
        theta = stepper(theta, problem.grad(theta))
        with np.errstate(over="ignore", invalid="ignore"):
            loss = problem.loss(theta)
        thetas.append(theta)
        losses.append(loss)
        if not np.isfinite(loss) or loss > 1e12:
            diverged = True
            break
    return Trace(label or describe(step, hyper), np.array(thetas),
                 np.array(losses, dtype=float), diverged)


def with_replacement(n, batch_size, rng):
    """Batches of one epoch drawn independently, each example with replacement.

    The sampling that textbook analyses of SGD assume (each batch gradient then has
    covariance ``Σ / batch_size``); frameworks reshuffle instead, as
    ``batches.minibatch_indices`` does. Same signature, so :func:`sgd` takes either.

    Returns
    -------
    list of numpy.ndarray
        ``ceil(n / batch_size)`` integer arrays of shape ``(batch_size,)``.
    """
    return [rng.integers(0, n, size=batch_size) for _batch in range(-(-n // batch_size))]


def sgd(step, grad, data, theta0, epochs, batch_size, batches, seed=0, label=None,
        schedule=None, **hyper):
    r"""Mini-batch training of the linear model: ``step`` applied to batch gradients.

    Each epoch asks ``batches(n, batch_size, rng)`` for its mini-batches and takes
    one step per batch :math:`B`, with the gradient of the batch's own MSE,
    ``grad(theta, X[B], y[B])``, an unbiased estimate of the full gradient.

    Parameters
    ----------
    step : callable
        A step function (module docstring), e.g. ``optimizers.gd_step``.
    grad : callable
        ``grad(theta, X, y) -> ndarray of shape (d,)``, e.g. ``losses.linear_mse_grad``.
    data : descentlab.problems.LinearData
        The examples: ``X`` of shape (n, d), ``y`` of shape (n,).
    theta0 : array_like, shape (d,)
        Start.
    epochs : int
        Passes over the data.
    batch_size : int
        :math:`B`; 1 is stochastic gradient descent, ``n`` full-batch gradient descent.
    batches : callable
        ``batches(n, batch_size, rng) -> list of index arrays``, e.g.
        ``batches.minibatch_indices``.
    seed : int, default=0
        Seed of the ``numpy.random.Generator`` that orders the examples.
    label : str, optional
        Legend text; default: the step's name, ``B`` and the hyperparameters.
    schedule : callable, optional
        ``schedule(t) -> lr`` for the 0-based step ``t``; overrides ``hyper['lr']``.
    **hyper
        Hyperparameters passed to every call, e.g. ``lr=0.1``.

    Returns
    -------
    Trace
        ``thetas`` and the full-data ``losses`` before the first step and after
        each step (``epochs * ceil(n / B)`` of them); stops early, with
        ``diverged=True``, once the loss is not finite or exceeds 1e12.
    """
    X, y = data.X, data.y
    rng = np.random.default_rng(seed)
    theta = np.array(theta0, dtype=float)
    stepper = Stepper(step, theta, {**hyper, **({"lr": None} if schedule else {})})

    def full_loss(theta):
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.mean((X @ theta - y) ** 2))

    thetas, losses = [theta], [full_loss(theta)]
    label = label or describe(step, {"B": batch_size, **hyper})
    for _epoch in range(epochs):
        for batch in batches(len(y), batch_size, rng):
            if schedule is not None:
                stepper.hyper["lr"] = schedule(len(losses) - 1)
            theta = stepper(theta, grad(theta, X[batch], y[batch]))
            thetas.append(theta)
            losses.append(full_loss(theta))
            if not np.isfinite(losses[-1]) or losses[-1] > 1e12:
                return Trace(label, np.array(thetas), np.array(losses), True)
    return Trace(label, np.array(thetas), np.array(losses), False)
