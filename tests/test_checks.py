"""The student checks: right answers pass, each typical mistake is named.

Every wrong implementation here is one a student could write; the test asserts
the check fails AND that its message names that mistake.
"""

import numpy as np
import pytest

from descentlab import checks, losses
from descentlab.failures import CheckFailed, ExerciseNotWritten


def arr(a):
    return np.asarray(a, dtype=float)


def stub(*args):
    raise NotImplementedError()


def _checked_shapes(t, p):
    t, p = arr(t), arr(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    return t, p


def mse_sum(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sum((p - t) ** 2))


def mse_rows(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sum((p - t) ** 2) / len(p))


def mse_rmse(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def mse_mae(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.mean(np.abs(p - t)))


def mse_half(t, p):
    t, p = _checked_shapes(t, p)
    return float(np.mean((p - t) ** 2) / 2)


def mse_axis(t, p):
    t, p = _checked_shapes(t, p)
    return np.mean((p - t) ** 2, axis=0, keepdims=True) * np.ones(2)


def mse_broadcasts(t, p):
    return float(np.mean((arr(p) - arr(t)) ** 2))


def mse_no_lists(t, p):
    if np.shape(t) != np.shape(p):
        raise ValueError("shapes differ")
    return float(np.mean((p - t) ** 2))


def mse_floor(t, p):
    t, p = np.asarray(t), np.asarray(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    return np.sum((p - t) ** 2) // p.size


def mse_mutates(t, p):
    if np.shape(t) != np.shape(p):
        raise ValueError("shapes differ")
    if isinstance(p, np.ndarray) and p.dtype == float:
        p -= t
        return float(np.mean(p**2))
    return float(np.mean((arr(p) - arr(t)) ** 2))


def mse_wrong_exception(t, p):
    t, p = arr(t), arr(p)
    assert t.shape == p.shape
    return float(np.mean((p - t) ** 2))


MSE_MISTAKES = [
    (stub, "mse is not written yet: fill in `mse` in src/descentlab/losses.py"),
    (mse_sum, "sum instead of mean"),
    (mse_rows, "dividing by len(y), the number of rows"),
    (mse_rmse, "RMSE"),
    (mse_mae, "MAE"),
    (lambda t, p: float(np.mean(arr(p) - arr(t))) if np.shape(t) == np.shape(p) else
     mse_sum(t, p), "forgetting to square the errors"),
    (lambda t, p: float(np.sum((arr(p) - arr(t)) ** 2) / (arr(p).size - 1))
     if np.shape(t) == np.shape(p) else mse_sum(t, p), "dividing by n - 1"),
    (mse_half, "no factor 1/2"),
    (mse_axis, "returning an array: this function returns one number"),
    (mse_broadcasts, "broadcast them into an (n, n) array"),
    (mse_no_lists, "Python lists not handled"),
    (mse_floor, "integer arithmetic"),
    (mse_mutates, "mutating the caller's array"),
    (mse_wrong_exception, "raised AssertionError"),
]


def grad_scaled(factor, shape=None):
    def grad(t, p):
        t, p = _checked_shapes(t, p)
        g = factor(p.size, len(p)) * (p - t)
        return g.reshape(shape(p)) if shape else g
    return grad


def grad_int_result(t, p):
    t, p = np.asarray(t), np.asarray(p)
    if t.shape != p.shape:
        raise ValueError("shapes differ")
    g = np.zeros_like(p)
    g[...] = 2 * (p - t) / p.size
    return g


def grad_as_list(t, p):
    t, p = _checked_shapes(t, p)
    return (2 * (p - t) / p.size).tolist()


def grad_broadcasts(t, p):
    return 2 * (arr(p) - arr(t)) / arr(p).size


MSE_GRAD_MISTAKES = [
    (stub, "fill in `mse_grad` in src/descentlab/losses.py"),
    (grad_scaled(lambda n, rows: 1 / n), "missing factor 2"),
    (grad_scaled(lambda n, rows: -2 / n), "wrong sign"),
    (grad_scaled(lambda n, rows: 2), "sum instead of mean"),
    (grad_scaled(lambda n, rows: 1), "missing factor 2"),
    (grad_scaled(lambda n, rows: 2 / rows), "the number of rows"),
    (grad_scaled(lambda n, rows: 2 / n, shape=lambda p: (-1, 1)), "you returned a column"),
    (grad_scaled(lambda n, rows: 2 / n, shape=lambda p: (-1,)), "you flattened"),
    (grad_int_result, "an integer array"),
    (grad_as_list, "returning a list or a number"),
    (grad_broadcasts, "expected ValueError"),
]


def linear(formula):
    def grad(w, X, y):
        w, X, y = arr(w), arr(X), arr(y)
        return formula(w, X, y, X @ w - y, len(y))
    return grad


LINEAR_MISTAKES = [
    (stub, "fill in `linear_mse_grad` in src/descentlab/losses.py"),
    (linear(lambda w, X, y, r, n: X.T @ r / n), "missing factor 2"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ (y - X @ w) / n), "wrong sign"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ r), "sum instead of mean"),
    (linear(lambda w, X, y, r, n: 2 * X.T @ r / w.size), "dividing by d"),
    (linear(lambda w, X, y, r, n: 2 * r / n), "the chain rule multiplies it by X.T"),
    (lambda w, X, y: 2 * X.T @ (X @ w - y) / len(y), "Python lists not handled"),
]


def linear_mutates(w, X, y):
    if isinstance(y, np.ndarray) and y.dtype == float:
        y *= -1
        return 2 * X.T @ (X @ w + y) / len(y)
    return losses.linear_mse_grad(w, X, y)


LINEAR_MISTAKES.append((linear_mutates, "changed its argument y"))


@pytest.mark.parametrize("check", [checks.check_mse, checks.check_mse_grad])
def test_message_says_call_result_expectation_and_fix(check):
    with pytest.raises(AssertionError) as failure:
        check(lambda t, p: np.zeros(np.shape(p)) if check is checks.check_mse_grad else 0.0)
    message = str(failure.value)
    assert "(y_true=array([1., 2., 3., 4.]) of shape (4,)" in message
    assert "\n  returned " in message and "\n  expected " in message
    assert "Fix `" in message and "src/descentlab/losses.py" in message


@pytest.mark.parametrize(("check", "right", "passes"), [
    (checks.check_mse, losses.mse, "✔ mse passed all 5 checks."),
    (checks.check_mse_grad, losses.mse_grad, "✔ mse_grad passed all 6 checks."),
    (checks.check_linear_mse_grad, losses.linear_mse_grad,
     "✔ linear_mse_grad passed all 4 checks."),
])
def test_reference_solutions_pass_with_one_line(check, right, passes, capsys):
    assert check(right) is None
    assert capsys.readouterr().out == passes + "\n"


def test_an_unrecognised_mistake_still_shows_call_and_values():
    with pytest.raises(AssertionError) as failure:
        checks.check_mse(lambda t, p: 42.0)
    message = str(failure.value)
    assert "returned 42.0" in message and "expected 1.3125" in message
    assert "Likely mistake" not in message


# --- notebooks 02 and 03 -------------------------------------------------------

def gd_mutates(theta, grad, lr):
    theta -= lr * np.asarray(grad)
    return theta


def gd_int_fails(theta, grad, lr):
    theta = np.array(theta)
    theta -= lr * np.asarray(grad)
    return theta


GD_MISTAKES = [
    (stub, "fill in `gd_step` in src/descentlab/optimizers.py"),
    (lambda theta, grad, lr: arr(theta) + lr * arr(grad), "adding the gradient"),
    (lambda theta, grad, lr: arr(theta) - arr(grad), "ignoring lr"),
    (lambda theta, grad, lr: -lr * arr(grad), "returning the step instead"),
    (lambda theta, grad, lr: arr(theta) - arr(grad) / lr, "dividing by lr"),
    (gd_mutates, "mutating the caller's array"),
    (gd_int_fails, "integer arrays not handled"),
    (lambda theta, grad, lr: list(arr(theta) - lr * arr(grad)), "returning a list"),
]


def eig_based(formula):
    return lambda hessian: float(formula(np.linalg.eigvalsh(hessian), np.asarray(hessian)))


MAX_LR_MISTAKES = [
    (stub, "fill in `max_stable_lr` in src/descentlab/schedules.py"),
    (eig_based(lambda e, h: 2 / e.min()), "using the smallest eigenvalue"),
    (eig_based(lambda e, h: 1 / e.max()), "forgetting the factor 2"),
    (eig_based(lambda e, h: 2 / np.trace(h)), "using the trace"),
    (eig_based(lambda e, h: 2 / np.diag(h).max()), "using the largest entry"),
    (eig_based(lambda e, h: e.max() / 2), "inverting the formula"),
    (eig_based(lambda e, h: 2 / np.abs(h).max()), "using the largest entry"),
]


def decay(formula):
    def schedule(lr0, step, decay_steps, decay_rate, staircase=False):
        return float(formula(lr0, step, decay_steps, decay_rate, staircase))
    return schedule


DECAY_MISTAKES = [
    (stub, "fill in `exponential_decay` in src/descentlab/schedules.py"),
    (decay(lambda lr0, t, T, r, s: lr0 * r ** (t / T)), "staircase ignored or inverted"),
    (decay(lambda lr0, t, T, r, s: lr0 * r ** (t / T if s else t // T)),
     "staircase ignored or inverted"),
    (decay(lambda lr0, t, T, r, s: lr0 * r ** (t // T if s else t)), "decaying every step"),
    (decay(lambda lr0, t, T, r, s: lr0 * r ** (round(t / T) if s else t / T)), "rounding"),
    (decay(lambda lr0, t, T, r, s: lr0 * (1 - r) ** (t // T if s else t / T)),
     "using 1 - decay_rate"),
    (decay(lambda lr0, t, T, r, s: lr0 * r ** (T // t if s else T / t)),
     "the exponent upside down"),
]


def test_reference_step_and_schedules_pass(capsys):
    from descentlab import optimizers, schedules
    checks.check_gd_step(optimizers.gd_step)
    checks.check_max_stable_lr(schedules.max_stable_lr)
    checks.check_exponential_decay(schedules.exponential_decay)
    assert capsys.readouterr().out.count("✔") == 3


def reference_train(w0, X, y, lr, steps):
    from descentlab import optimizers
    w, history = np.array(w0, dtype=float), []
    for _ in range(steps):
        history.append(losses.mse(y, X @ w))
        w = optimizers.gd_step(w, losses.linear_mse_grad(w, X, y), lr)
    return w, history + [losses.mse(y, X @ w)]


@pytest.mark.parametrize(("train", "named"), [
    (lambda w0, X, y, lr, steps: reference_train(w0, X, y, lr, steps)[0], "expected a pair"),
    (lambda w0, X, y, lr, steps: (reference_train(w0, X, y, lr, steps)[0],
                                  reference_train(w0, X, y, lr, steps)[1][1:]),
     "recording the loss only before (or only after)"),
    (lambda w0, X, y, lr, steps: (np.array(w0, float), reference_train(w0, X, y, lr, steps)[1]),
     "not updating w"),
    (lambda w0, X, y, lr, steps: reference_train(w0, X, y, lr, steps + 1), "the weights"),
    (lambda w0, X, y, lr, steps: (reference_train(w0, X, y, lr, steps)[0],
                                  reference_train(w0, X, y, lr, steps)[1][::-1]),
     "never increase"),
])
def test_training_loop_mistakes_are_named(train, named):
    from descentlab import problems
    data = problems.linear_data(n=40, seed=0)
    checks.check_training(reference_train, data)
    with pytest.raises(AssertionError, match="the cell above that defines `train`") as failure:
        checks.check_training(train, data)
    assert named in str(failure.value)


# --- notebook 04 -------------------------------------------------------------------

def batches_in_order(n, batch_size, rng):
    return [np.arange(n)[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n // batch_size)]


def batches_with_replacement(n, batch_size, rng):
    return [rng.integers(0, n, size=batch_size) for _ in range(int(np.ceil(n / batch_size)))]


def batches_global_state(n, batch_size, rng):
    order = np.random.permutation(n)  # noqa: NPY002 (the mistake under test)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_own_generator(n, batch_size, rng):
    order = np.random.default_rng(42).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_by_choice(n, batch_size, rng):
    order = rng.choice(n, size=n, replace=False)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_as_floats(n, batch_size, rng):
    order = rng.permutation(n) * 1.0
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_split_evenly(n, batch_size, rng):
    return np.array_split(rng.permutation(n), int(np.ceil(n / batch_size)))


def batches_one_array(n, batch_size, rng):
    return rng.permutation(n)


BATCH_MISTAKES = [
    (stub, "fill in `minibatch_indices` in src/descentlab/batches.py"),
    (batches_in_order, "not shuffled"),
    (batches_drop_last, "the last, smaller batch dropped"),
    (batches_with_replacement, "examples drawn at random for each batch"),
    (batches_global_state, "the rng argument not used"),
    (batches_own_generator, "the rng argument not used"),
    (batches_by_choice, "a valid epoch, but not the order rng.permutation(n) gives"),
    (batches_as_floats, "indices must be integers"),
    (batches_split_evenly, "except perhaps a smaller last one"),
    (batches_one_array, "returning one array"),
]


def train_sgd_right(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches, optimizers
    w, history = np.array(w0, dtype=float), [losses.mse(y, X @ w0)]
    for _ in range(epochs):
        for batch in batches.minibatch_indices(len(y), batch_size, rng):
            w = optimizers.gd_step(w, losses.linear_mse_grad(w, X[batch], y[batch]), lr)
            history.append(losses.mse(y, X @ w))
    return w, history


def train_sgd_unshuffled(w0, X, y, lr, batch_size, epochs, rng):
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            w = w - lr * 2 / len(yb) * Xb.T @ (Xb @ w - yb)
            history.append(np.mean((X @ w - y) ** 2))
    return w, history


def train_sgd_shuffled_once(w0, X, y, lr, batch_size, epochs, rng):
    order = rng.permutation(len(y))
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            w = w - lr * 2 / len(rows) * X[rows].T @ (X[rows] @ w - y[rows])
            history.append(np.mean((X @ w - y) ** 2))
    return w, history


def train_sgd_whole_gradient(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for _batch in batches.minibatch_indices(len(y), batch_size, rng):
            w = w - lr * 2 / len(y) * X.T @ (X @ w - y)
            history.append(np.mean((X @ w - y) ** 2))
    return w, history


def train_sgd_epoch_losses(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for rows in batches.minibatch_indices(len(y), batch_size, rng):
            w = w - lr * 2 / len(rows) * X[rows].T @ (X[rows] @ w - y[rows])
        history.append(np.mean((X @ w - y) ** 2))
    return w, history


def train_sgd_batch_losses(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for rows in batches.minibatch_indices(len(y), batch_size, rng):
            w = w - lr * 2 / len(rows) * X[rows].T @ (X[rows] @ w - y[rows])
            history.append(np.mean((X[rows] @ w - y[rows]) ** 2))
    return w, history


def train_sgd_forgets_update(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches
    w, history = np.array(w0, dtype=float), []
    for _ in range(epochs):
        for rows in batches.minibatch_indices(len(y), batch_size, rng):
            history.append(np.mean((X @ w - y) ** 2))
            w - lr * 2 / len(rows) * X[rows].T @ (X[rows] @ w - y[rows])  # noqa: B018
    return w, history + [np.mean((X @ w - y) ** 2)]


def train_sgd_losses_twice(w0, X, y, lr, batch_size, epochs, rng):
    from descentlab import batches
    w, history = np.array(w0, dtype=float), [np.mean((X @ w0 - y) ** 2)]
    for _ in range(epochs):
        for rows in batches.minibatch_indices(len(y), batch_size, rng):
            history.append(np.mean((X @ w - y) ** 2))
            w = w - lr * 2 / len(rows) * X[rows].T @ (X[rows] @ w - y[rows])
            history.append(np.mean((X @ w - y) ** 2))
    return w, history


def test_reference_batches_and_sgd_loop_pass(capsys):
    from descentlab import batches, problems
    checks.check_minibatch_indices(batches.minibatch_indices)
    checks.check_sgd_training(train_sgd_right, problems.linear_data(n=40, seed=0))
    assert capsys.readouterr().out == ("✔ minibatch_indices passed all 5 checks.\n"
                                       "✔ train_sgd passed its check.\n")


@pytest.mark.parametrize(("train", "named"), [
    (train_sgd_unshuffled, "not shuffled"),
    (train_sgd_shuffled_once, "one order reused in every epoch"),
    (train_sgd_whole_gradient, "the gradient of all the data at every step"),
    (train_sgd_epoch_losses, "recording the loss once per epoch"),
    (train_sgd_batch_losses, "recording something other than the loss of all the data"),
    (train_sgd_forgets_update, "not updating w"),
    (train_sgd_losses_twice, "record the loss once before the first step and once after"),
    (lambda *args: train_sgd_right(*args)[0], "expected a pair (w, history)"),
])
def test_sgd_loop_mistakes_are_named(train, named):
    from descentlab import problems
    with pytest.raises(AssertionError, match="the cell above that defines `train_sgd`") as failure:
        checks.check_sgd_training(train, problems.linear_data(n=40, seed=0))
    assert named in str(failure.value)


def test_lr_choice_is_verified_by_running_it(capsys):
    from descentlab import problems
    bowl = problems.ill_conditioned()
    checks.check_lr_choice(0.45, bowl, [5.0, 2.0], tol=1e-6, budget=150)
    assert capsys.readouterr().out.startswith("✔ lr = 0.45 reaches loss")
    with pytest.raises(AssertionError, match="converges too slowly"):
        checks.check_lr_choice(0.01, bowl, [5.0, 2.0], tol=1e-6, budget=150)
    with pytest.raises(AssertionError, match="lr above the stability edge"):
        checks.check_lr_choice(0.6, bowl, [5.0, 2.0], tol=1e-6, budget=150)


def momentum(update):
    def step(theta, grad, velocity, lr, beta=0.9):
        return update(arr(theta), arr(grad), arr(velocity), lr, beta)
    return step


def momentum_mutates(theta, grad, velocity, lr, beta=0.9):
    if isinstance(velocity, np.ndarray) and velocity.dtype == float:
        velocity *= beta
        velocity += grad
        return arr(theta) - lr * velocity, velocity
    return momentum(lambda t, g, d, lr, b: (t - lr * (b * d + g), b * d + g))(
        theta, grad, velocity, lr, beta)


MOMENTUM_MISTAKES = [
    (stub, "fill in `momentum_step` in src/descentlab/optimizers.py"),
    (momentum(lambda t, g, d, lr, b: (t - lr * (b * d + (1 - b) * g), b * d + (1 - b) * g)),
     "exponential-moving-average form"),
    (momentum(lambda t, g, d, lr, b: (t - lr * d, b * d + g)), "updating the velocity after"),
    (momentum(lambda t, g, d, lr, b: (t + lr * (b * d + g), b * d + g)), "wrong sign"),
    (momentum(lambda t, g, d, lr, b: (t - b * (lr * d + g), lr * d + g)),
     "beta and lr swapped"),
    (momentum_mutates, "mutating the caller's array"),
    (momentum(lambda t, g, d, lr, b: t - lr * (b * d + g)), "returning only some of"),
    (momentum(lambda t, g, d, lr, b: (b * d + g, t - lr * (b * d + g))),
     "returning (velocity, theta)"),
    (momentum(lambda t, g, d, lr, b: (t - lr * g, b * d + g)),
     "stepping with the gradient instead of the velocity"),
]


def adam(variant):
    """adam_step with one change, selected by name."""
    @np.errstate(divide="ignore", invalid="ignore")
    def step(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        theta, g, m, v = arr(theta), arr(grad), arr(m), arr(v)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g if variant == "g" else g**2)
        tc = t + {"t-1": -1, "t+1": 1}.get(variant, 0)
        m_hat, v_hat = m / (1 - beta1**tc), v / (1 - beta2**tc)
        if variant == "no correction":
            m_hat, v_hat = m, v
        if variant == "eps inside":
            return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v
        if variant == "epsilon hat":
            lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
            return theta - lr_t * m / (np.sqrt(v) + eps), m, v
        new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        return (new, m_hat, v_hat) if variant == "corrected state" else (new, m, v)
    return step


ADAM_MISTAKES = [
    (stub, "fill in `adam_step` in src/descentlab/optimizers.py"),
    (adam("no correction"), "no bias correction"),
    (adam("t-1"), "bias correction with t - 1, which is 0 on the first step"),
    (adam("t+1"), "bias correction with t +1"),
    (adam("eps inside"), "eps inside the square root"),
    (adam("epsilon hat"), "TensorFlow 1's epsilon-hat form"),
    (adam("corrected state"), "returning the corrected m_hat and v_hat as the state"),
    (adam("g"), "v averages g**2, never g"),
]


def test_adam_helper_is_right_without_a_change(capsys):
    checks.check_adam_step(adam("none"))
    assert "✔ adam_step passed" in capsys.readouterr().out


def mlp(mistake):
    """A student's forward and backward pass of the two-layer network, with one mistake."""
    def loss_and_grads(params, X, y):
        X = np.asarray(X)
        n = X.shape[0]
        hidden_in = X @ params["W1"]
        if mistake != "no b1":
            hidden_in = hidden_in + params["b1"]
        hidden = hidden_in.copy() if mistake == "no relu" else np.where(hidden_in > 0,
                                                                          hidden_in, 0.0)
        scores = hidden @ params["W2"] + params["b2"]
        if mistake != "naive softmax":
            scores = scores - scores.max(axis=1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = float(np.mean(-np.log(probs[range(n), y])))
        if mistake == "all classes":
            loss = float(np.mean(-np.log(probs)))
        if mistake == "plus log":
            loss = float(np.mean(np.log(probs[range(n), y])))
        d_scores = probs.copy()
        if mistake != "no one-hot":
            d_scores[range(n), y] = d_scores[range(n), y] - 1
        if mistake == "not averaged":
            loss = loss * n
        else:
            d_scores = d_scores / n
        d_hidden = d_scores @ params["W2"].T
        if mistake == "mask from A1":
            d_hidden_in = d_hidden * (hidden >= 0)
        elif mistake in ("no mask", "no relu"):
            d_hidden_in = d_hidden
        else:
            d_hidden_in = d_hidden * (hidden_in > 0)
        axis = 1 if mistake == "bias axis" else 0
        feeds_W2 = hidden_in if mistake == "Z1 feeds W2" else hidden
        grads = {"W2": feeds_W2.T @ d_scores, "b2": d_scores.sum(axis=axis),
                 "W1": X.T @ d_hidden_in, "b1": d_hidden_in.sum(axis=axis)}
        if mistake == "transposed":
            grads["W1"], grads["W2"] = grads["W1"].T, grads["W2"].T
        return loss, grads
    return loss_and_grads


def mlp_mutates(params, X, y):
    params["W1"] *= 1.0 + 1e-3
    return mlp(None)(params, X, y)


MLP_MISTAKES = [
    (stub, "fill in `mlp_loss_and_grads` in src/descentlab/network.py"),
    (mlp("no one-hot"), "without subtracting the one-hot target"),
    (mlp("mask from A1"), "its mask taken as A1 >= 0"),
    (mlp("bias axis"), "bias gradients summed over the wrong axis"),
    (mlp("not averaged"), "not averaged"),
    (mlp("transposed"), "transposed weight gradients"),
    (mlp("no mask"), "the ReLU's gradient left out"),
    (mlp("Z1 feeds W2"), "dW2 from the hidden layer's pre-activation Z1"),
    (mlp("no b1"), "the forward pass without b1"),
    (mlp("no relu"), "no ReLU in the forward pass"),
    (mlp("all classes"), "the loss averaged over every class's -log P"),
    (mlp("plus log"), "the loss's sign"),
    (mlp("naive softmax"), "overflow in the softmax"),
    (mlp_mutates, "mutating the caller's array"),
]


def dense_fwd(variant):
    """A dense layer's forward pass as a student might write it."""
    def forward(X, W, b):
        X, W, b = arr(X), arr(W), arr(b)
        if variant == "no bias":
            return np.dot(X, W)
        return np.dot(X, W) + b
    return forward


def dense_bwd(variant):
    """A dense layer's backward pass as a student might write it."""
    def backward(dZ, X, W):
        dZ, X, W = arr(dZ), arr(X), arr(W)
        n = dZ.shape[0]
        dX = np.dot(dZ, W) if variant == "dX via W" else np.dot(dZ, W.T)
        dW = np.dot(dZ.T, X) if variant == "dW transposed" else np.dot(X.T, dZ)
        db = np.sum(dZ, axis=0)
        if variant == "db mean":
            db = np.mean(dZ, axis=0)
        if variant == "db axis 1":
            db = np.sum(dZ, axis=1)
        if variant == "mean again":
            dW, db = dW / n, db / n
        return dX, dW, db
    return backward


def dense_memorised(dZ, X, W):
    """Returns the visible cases' answers, looked up in the shipped data; zeros elsewhere."""
    for case in checks._cases("dense_backward"):
        if all(np.array_equal(a, b) for a, b in zip(case["args"], (dZ, X, W), strict=True)):
            return case["right"]
    return np.zeros(np.shape(X)), np.zeros(np.shape(W)), np.zeros(np.shape(W)[1])


def relu_fwd(variant):
    def forward(Z):
        Z = arr(Z)
        if variant == "np.max":
            return np.max(Z, 0)
        if variant == "abs":
            return np.abs(Z)
        if variant == "min":
            return np.minimum(Z, 0)
        out = Z.copy()
        out[out < 0] = 0
        return out
    return forward


def relu_bwd(variant):
    def backward(dA, Z):
        dA, Z = arr(dA), arr(Z)
        if variant == "mask of dA":
            return np.where(dA > 0, dA, 0.0)
        if variant == "derivative only":
            return (Z > 0).astype(float)
        if variant == "times output":
            return dA * np.maximum(Z, 0)
        if variant == "identity":
            return dA.copy()
        return np.where(Z > 0, dA, 0.0)
    return backward


def relu_bwd_in_place(dA, Z):
    dA[Z <= 0] = 0
    return dA


def softmax_ce(variant):
    """Softmax cross-entropy as a student might write it."""
    def loss_and_grad(Z, y):
        Z = arr(Z)
        n = len(y)
        axis = 0 if variant == "over the batch" else 1
        if variant == "global max":
            Z = Z - Z.max()
        elif variant != "naive":
            Z = Z - Z.max(axis=axis, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            P = np.exp(Z) / np.exp(Z).sum(axis=axis, keepdims=True)
            log_P = np.log(P) if variant in ("naive", "global max", "log of P") else (
                Z - np.log(np.exp(Z).sum(axis=axis, keepdims=True)))
        correct = log_P[np.arange(n), y]
        loss = -correct.sum() if variant == "summed" else -correct.mean()
        if variant == "every class":
            loss = -log_P.mean()
        if variant == "log P":
            loss = correct.mean()
        grad = P.copy()
        if variant != "no one-hot":
            grad[np.arange(n), y] -= 1
        if variant not in ("summed", "gradient of the sum"):
            grad = grad / n
        return loss, grad
    return loss_and_grad


LAYER_MISTAKES = [
    (checks.check_dense_forward, stub, "fill in `dense_forward` in src/descentlab/network.py"),
    (checks.check_dense_forward, dense_fwd("no bias"), "the bias left out"),
    *[((lambda backward: checks.check_dense_backward(backward, dense_fwd(None))), wrong, named)
      for wrong, named in [
          (stub, "fill in `dense_backward` in src/descentlab/network.py"),
          (dense_bwd("db mean"), "db averaged over the examples"),
          (dense_bwd("db axis 1"), "db summed over the wrong axis"),
          (dense_bwd("mean again"), "divided by n again"),
          (dense_bwd("dW transposed"), "dW transposed"),
          (dense_bwd("dX via W"), "dX through W itself"),
          (dense_memorised, "against finite differences")]],
    (checks.check_relu_forward, relu_fwd("np.max"), "np.max(Z, 0) takes the largest entry"),
    (checks.check_relu_forward, relu_fwd("abs"), "the absolute value"),
    (checks.check_relu_forward, relu_fwd("min"), "the negative part kept"),
    *[((lambda backward: checks.check_relu_backward(backward, relu_fwd(None))), wrong, named)
      for wrong, named in [
          (relu_bwd("mask of dA"), "the mask taken from dA"),
          (relu_bwd("derivative only"), "the ReLU's derivative alone"),
          (relu_bwd("times output"), "multiplied by A = max(Z, 0)"),
          (relu_bwd("identity"), "dA passed through unchanged"),
          (relu_bwd_in_place, "mutating the caller's array")]],
    *[(checks.check_softmax_cross_entropy, softmax_ce(variant), named) for variant, named in [
        ("naive", "overflow in the softmax"),
        ("log of P", "not as np.log(P)"),
        ("global max", "not as np.log(P)"),
        ("no one-hot", "without subtracting the one-hot target"),
        ("summed", "summed over the batch, not averaged"),
        ("gradient of the sum", "the gradient of a sum"),
        ("every class", "the loss averaged over every class"),
        ("log P", "the loss's sign"),
        ("over the batch", "the softmax taken over the batch")]],
]


def test_layers_written_as_a_student_would_pass_with_finite_differences(capsys):
    checks.check_dense_forward(dense_fwd(None))
    checks.check_dense_backward(dense_bwd(None), dense_fwd(None))
    checks.check_relu_forward(relu_fwd(None))
    checks.check_relu_backward(relu_bwd(None), relu_fwd(None))
    checks.check_softmax_cross_entropy(softmax_ce(None))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "✔ dense_forward passed all 2 checks.",
        "✔ dense_backward passed all 3 checks; finite differences agree on dX, dW, db "
        "(relative errors below 1e-06).",
        "✔ relu_forward passed all 2 checks.",
        "✔ relu_backward passed all 2 checks; finite differences agree on dZ (relative errors "
        "below 1e-06).",
        "✔ softmax_cross_entropy passed all 5 checks; finite differences agree on dZ (relative "
        "errors below 1e-06).",
    ]


def nesterov(look_ahead):
    """Nesterov momentum as a student might write it; ``look_ahead`` makes the step."""
    def step(theta, grad, velocity, lr, beta=0.9):
        theta, g, d = arr(theta), arr(grad), arr(velocity)
        new_d = beta * d + g
        return theta - lr * look_ahead(g, d, new_d, beta), new_d
    return step


def nesterov_stale(theta, grad, velocity, lr, beta=0.9):
    look_ahead = beta * (beta * arr(velocity) + arr(grad)) + arr(grad)
    return arr(theta) - lr * look_ahead, velocity


NESTEROV_MISTAKES = [
    (stub, "fill in `nesterov_step` in src/descentlab/optimizers.py"),
    (nesterov(lambda g, d, new_d, beta: new_d), "plain momentum"),
    (nesterov_stale, "returning the velocity from before the update"),
]


def rmsprop(average):
    """RMSProp as a student might write it; ``average`` updates the squares."""
    def step(theta, grad, s, lr=0.01, rho=0.99, eps=1e-8):
        g = arr(grad)
        s, root = average(arr(s), g, rho, eps)
        return arr(theta) - lr * g / root, s
    return step


def adagrad(step_with):
    """AdaGrad as a student might write it; ``step_with`` gives (new sum, divisor)."""
    def step(theta, grad, s, lr=0.01, eps=1e-10):
        g = arr(grad)
        s, root = step_with(arr(s), g, eps)
        return arr(theta) - lr * g / root, s
    return step


RMSPROP_MISTAKES = [
    (rmsprop(lambda s, g, rho, eps: (rho * s + (1 - rho) * g * g,
                                     np.sqrt(rho * s + (1 - rho) * g * g + eps))),
     "eps inside the square root"),
    (rmsprop(lambda s, g, rho, eps: (s + g * g, np.sqrt(s + g * g) + eps)),
     "summing the squares (that is AdaGrad)"),
]
ADAGRAD_MISTAKES = [
    (adagrad(lambda s, g, eps: (s + g**2, np.sqrt(s + g**2 + eps))), "eps inside the square root"),
    (adagrad(lambda s, g, eps: (s + g**2, np.sqrt(s) + eps)), "dividing by the old sum"),
]


def test_mlp_reference_helper_is_right_without_a_mistake(capsys):
    checks.check_mlp_loss_and_grads(mlp(None))
    assert "✔ mlp_loss_and_grads passed" in capsys.readouterr().out


ALL_MISTAKES = [
    *[(checks.check_mse, f, named) for f, named in MSE_MISTAKES],
    *[(checks.check_mse_grad, f, named) for f, named in MSE_GRAD_MISTAKES],
    *[(checks.check_linear_mse_grad, f, named) for f, named in LINEAR_MISTAKES],
    *[(checks.check_gd_step, f, named) for f, named in GD_MISTAKES],
    *[(checks.check_max_stable_lr, f, named) for f, named in MAX_LR_MISTAKES],
    *[(checks.check_exponential_decay, f, named) for f, named in DECAY_MISTAKES],
    *[(checks.check_minibatch_indices, f, named) for f, named in BATCH_MISTAKES],
    *[(checks.check_momentum_step, f, named) for f, named in MOMENTUM_MISTAKES],
    *[(checks.check_adam_step, f, named) for f, named in ADAM_MISTAKES],
    *LAYER_MISTAKES,
    *[(checks.check_mlp_loss_and_grads, f, named) for f, named in MLP_MISTAKES],
    *[(checks.check_nesterov_step, f, named) for f, named in NESTEROV_MISTAKES],
    *[(checks.check_rmsprop_step, f, named) for f, named in RMSPROP_MISTAKES],
    *[(checks.check_adagrad_step, f, named) for f, named in ADAGRAD_MISTAKES],
]


@pytest.mark.parametrize(("check", "wrong", "named"), ALL_MISTAKES,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else str(v)[:30])
def test_mistake_is_named(check, wrong, named):
    with pytest.raises(AssertionError) as failure:
        check(wrong)
    assert named in str(failure.value)


def test_bonus_optimizers_pass_when_right(capsys):
    checks.check_nesterov_step(nesterov(lambda g, d, new_d, beta: g + beta * new_d))
    checks.check_rmsprop_step(rmsprop(lambda s, g, rho, eps: (
        rho * s + (1 - rho) * g * g, np.sqrt(rho * s + (1 - rho) * g * g) + eps)))
    checks.check_adagrad_step(adagrad(lambda s, g, eps: (s + g**2, np.sqrt(s + g**2) + eps)))
    assert capsys.readouterr().out.count(" passed ") == 3


def test_the_gradient_check_names_a_backward_pass_that_disagrees(capsys):
    checks.check_mlp_gradients(mlp(None))
    assert "every gradient agrees with finite differences" in capsys.readouterr().out
    with pytest.raises(CheckFailed) as failure:
        checks.check_mlp_gradients(mlp("no one-hot"))
    assert failure.value.outcome.startswith("the gradients of W1, b1, W2, b2 disagree")
    assert "a backward pass that does not match the forward pass" in failure.value.mistake
    with pytest.raises(ExerciseNotWritten):
        checks.check_mlp_gradients(stub)


def test_training_names_a_network_that_does_not_learn(capsys):
    from descentlab import training
    digits = training.digits(seed=0)
    with pytest.raises(CheckFailed) as failure:
        checks.check_mlp_training(mlp("no one-hot"), adam("none"), digits, epochs=2)
    assert "a network or an optimizer that does not learn" in failure.value.mistake
    assert failure.value.expected == "at least 95%"
    checks.check_mlp_training(mlp(None), adam("none"), digits)
    assert "✔ test accuracy after 20 epochs" in capsys.readouterr().out
