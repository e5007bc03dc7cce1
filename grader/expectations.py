"""The checks' expected answers, computed at release from ``solutions/``: data, not code.

``descentlab.checks`` must tell a right answer from each typical wrong one
without holding a reference implementation a student could call or copy. So the
answers of its visible cases, and what each named mistake returns on them, are
computed here, from the instructor's solved modules (the right answers) and
from the mistakes as students make them (the wrong ones), and shipped as
``src/descentlab/expected.json`` (written by ``make release``; a test fails
when it is out of date). A check reads, for each case, its arguments, the right
result and ``[mistake key, its result]`` pairs; the mistake's name and fix are
the check's own text. The hidden tests in the source notebooks use other inputs.
"""

import json
import types

import numpy as np

from descentlab.checks import decode_expected as decode

from .assemble import reference_modules

#: Significant digits kept of a computed value (far below the checks' tolerance,
#: far above the last bits that differ between BLAS builds).
DIGITS = 12


def encode(value):
    """JSON for the checks' values: arrays as ``{"array": ..., "dtype": ...}``."""
    if isinstance(value, np.ndarray):
        return {"array": encode(value.tolist()), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(f"{float(value):.{DIGITS}g}") if np.isfinite(value) else str(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def case(args, right, mistakes=(), error_hint=None, expect="number"):
    """One visible case: arguments, right result, ``(key, result)`` of each mistake."""
    return {"expect": expect, "args": list(args), "right": right, "error_hint": error_hint,
            "mistakes": [[key, value] for key, value in mistakes]}


def value_error(args, broadcast=None):
    """A case whose right answer is a ValueError (shapes that must not broadcast)."""
    return {"expect": "value_error", "args": list(args), "broadcast": broadcast}


def _exact(*args):
    """The arguments as the checks will read them (so results are computed on those)."""
    return decode(encode(list(args)))


def mse_cases(ref):
    cases = []
    y_true, y_pred = _exact(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 6.0]))
    d = y_pred - y_true
    right = ref.mse(y_true, y_pred)
    cases.append(case([y_true, y_pred], right, [
        ("sum_not_mean", np.sum(d**2)), ("rmse", np.sqrt(right)), ("mae", np.mean(np.abs(d))),
        ("not_squared", np.mean(d)), ("halved", right / 2),
        ("n_minus_one", np.sum(d**2) / (d.size - 1)), ("integer_division", np.sum(d**2) // d.size),
    ]))
    grid_true = np.arange(6.0).reshape(3, 2)
    grid_pred = grid_true + np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 3.0]])
    g = grid_pred - grid_true
    cases.append(case([grid_true, grid_pred], ref.mse(grid_true, grid_pred), [
        ("rows_not_elements", np.sum(g**2) / len(g)), ("sum_not_mean", np.sum(g**2))]))
    cases.append(case([[1, 2, 3], [1, 2, 5]], ref.mse([1, 2, 3], [1, 2, 5]),
                      [("integer_division", 1.0)], error_hint="list_input"))
    ints = np.array([1, 2, 3]), np.array([2, 2, 2])
    cases.append(case(ints, ref.mse(*ints), [("integer_division", 0.0)]))
    column = y_pred.reshape(-1, 1)
    cases.append(value_error([y_true, column], broadcast=np.mean((column - y_true) ** 2)))
    return cases


def mse_grad_cases(ref):
    cases = []
    for y_true, y_pred in [
            (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 6.0])),
            (np.arange(6.0).reshape(3, 2), np.array([[1.0, 0.0], [4.0, 3.0], [4.0, 8.0]])),
            (np.array([[1.0], [2.0], [4.0]]), np.array([[2.0], [2.0], [1.0]])),
            ([1, 2, 3], [1, 2, 5]), (np.array([1, 2, 3]), np.array([2, 2, 6]))]:
        right = ref.mse_grad(y_true, y_pred)
        n = right.size
        cases.append(case([y_true, y_pred], right, [
            ("missing_two", right / 2), ("wrong_sign", -right), ("sum_not_mean", right * n),
            ("two_and_sum", right * n / 2), ("rows_not_elements", right * n / len(right)),
            ("column", right.reshape(-1, 1)), ("flattened", right.ravel()),
        ], error_hint="list_input", expect="array"))
    cases.append(value_error([np.array([1.0, 2.0, 3.0]), np.array([[1.5], [2.0], [2.0]])]))
    return cases


def linear_mse_grad_cases(ref):
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(5), np.linspace(-1.0, 1.0, 5)])
    cases = []
    for w, X_, y in [(np.array([0.5, -1.0]), X, np.array([1.0, 0.0, 2.0, 1.0, 3.0])),
                     _exact(rng.normal(size=3), rng.normal(size=(7, 3)), rng.normal(size=7)),
                     ([1, 2], [[1, 0], [1, 1], [1, 2]], [1, 3, 4]),
                     (np.array([1, -1]), np.array([[1, 2], [1, 3], [1, 5]]),
                      np.array([2, 1, 0]))]:
        right = ref.linear_mse_grad(w, X_, y)
        n, d = len(y), len(w)
        residual = np.asarray(X_, dtype=float) @ np.asarray(w, dtype=float) - np.asarray(y)
        cases.append(case([w, X_, y], right, [
            ("missing_two", right / 2), ("wrong_sign", -right), ("sum_not_mean", right * n),
            ("divided_by_d", right * n / d), ("stopped_early", 2 * residual / n),
        ], error_hint="list_input", expect="array"))
    return cases


def gd_step_cases(ref):
    cases = []
    for theta, grad, lr in [(np.array([1.0, -2.0]), np.array([0.5, 1.0]), 0.1),
                            (np.array([[1.0, 2.0], [3.0, 4.0]]),
                             np.array([[1.0, 0.0], [0.0, -1.0]]), 0.5),
                            (np.array([1, 2]), np.array([1, 1]), 0.5),
                            ([3.0, 1.0], [1.0, 2.0], 2.0), (np.array([0.3]), np.array([0.7]), 0.0)]:
        t, g = np.asarray(theta, dtype=float), np.asarray(grad, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            divided = t - g / lr if lr else t * np.nan
        cases.append(case([theta, grad, lr], ref.gd_step(theta, grad, lr), [
            ("ascent", t + lr * g), ("no_lr", t - g), ("step_only", -lr * g),
            ("divided_by_lr", divided)], error_hint="integer_input", expect="array"))
    return cases


def max_stable_lr_cases(ref):
    q = np.linalg.qr(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1.0, 0.0, 1.0]]))[0]
    cases = []
    for (hessian,) in [_exact(np.array([[3.0, 2.0], [2.0, 3.0]])), _exact(np.array([[4.0]])),
                       _exact(np.diag([0.2, 4.0])), _exact(q @ np.diag([0.5, 2.0, 7.0]) @ q.T)]:
        eig = np.linalg.eigvalsh(hessian)
        cases.append(case([hessian], ref.max_stable_lr(hessian), [
            ("smallest", 2 / eig.min()), ("no_two", 1 / eig.max()),
            ("trace", 2 / np.trace(hessian)), ("diagonal", 2 / np.max(np.diag(hessian))),
            ("largest_entry", 2 / np.max(np.abs(hessian))), ("inverted", eig.max() / 2)]))
    return cases


def exponential_decay_cases(ref):
    cases = []
    for lr0, step, decay_steps, rate, staircase in [
            (0.1, 270, 100, 0.5, False), (0.1, 270, 100, 0.5, True), (0.01, 0, 1000, 0.96, False),
            (1.0, 50, 20, 0.9, True), (0.5, 7, 7, 0.1, True)]:
        args = [lr0, step, decay_steps, rate, staircase]
        right = ref.exponential_decay(*args)
        exponent = step / decay_steps
        used = np.floor(exponent) if staircase else exponent
        other = ref.exponential_decay(lr0, step, decay_steps, rate, not staircase)
        mistakes = [("every_step", lr0 * rate**step),
                    ("upside_down", lr0 * rate ** (decay_steps / step) if step else np.nan),
                    ("rounded", lr0 * rate ** round(exponent)),
                    ("one_minus_rate", lr0 * (1 - rate) ** used)]
        if not np.isclose(other, right):
            mistakes.insert(0, ("staircase", other))
        cases.append(case(args, right, mistakes))
    return cases


MOMENTUM_CASES = [
    (np.array([1.0, -2.0]), np.array([0.5, 1.0]), np.array([0.2, -0.4]), 0.1, 0.9),
    (np.array([3.0]), np.array([-1.0]), np.array([0.7]), 0.5, 0.0),
    (np.array([[1.0, 2.0], [0.0, -1.0]]), np.ones((2, 2)), np.full((2, 2), 0.5), 0.2, 0.5),
    (np.array([1, 2]), np.array([1, -1]), np.array([0, 0]), 0.5, 0.9),
]


def _floats(case_args):
    return [np.asarray(a, dtype=float) if isinstance(a, np.ndarray) else a for a in case_args]


def momentum_step_cases(ref):
    cases = []
    for args in MOMENTUM_CASES:
        theta, g, d, lr, beta = _floats(args)
        new_d = beta * d + g
        ema, swapped = beta * d + (1 - beta) * g, lr * d + g
        cases.append(case(args, ref.momentum_step(*args), [
            ("ema", (theta - lr * ema, ema)), ("velocity_after", (theta - lr * d, new_d)),
            ("wrong_sign", (theta + lr * new_d, new_d)),
            ("velocity_sign", (theta - lr * new_d, -new_d)),
            ("swapped", (theta - beta * swapped, swapped)),
            ("order", (new_d, theta - lr * new_d)), ("gradient_step", (theta - lr * g, new_d)),
        ], error_hint="integer_input", expect="state"))
    return cases


def nesterov_step_cases(ref):
    cases = []
    for args in MOMENTUM_CASES:
        theta, g, d, lr, beta = _floats(args)
        new_d = beta * d + g
        cases.append(case(args, ref.nesterov_step(*args), [
            ("plain", (theta - lr * new_d, new_d)),
            ("stale_velocity", (theta - lr * (g + beta * new_d), d)),
        ], error_hint="integer_input", expect="state"))
    return cases


def adam_step_cases(ref):
    zeros = np.zeros(3)
    defaults = (0.001, 0.9, 0.999, 1e-8)
    cases = []
    for args in [
            (np.array([1.0, -2.0, 0.5]), np.array([0.5, -1.0, 2.0]), zeros, zeros, 1, *defaults),
            (np.array([1.0, -2.0]), np.array([0.3, 0.9]), np.array([0.1, -0.2]),
             np.array([0.01, 0.04]), 3, 0.1, 0.8, 0.9, 0.1),
            (np.array([0.0, 1.0]), np.array([-0.3, 0.8]), np.array([0.1, 0.2]),
             np.array([0.02, 0.05]), 2, 0.05, 0.5, 0.6, 0.01),
            (np.array([1, 2]), np.array([1, -2]), np.array([0, 0]), np.array([0, 0]), 1,
             *defaults)]:
        theta, g, m, v, t, lr, beta1, beta2, eps = _floats(args)

        def finish(m_new, v_new, m_hat, v_hat, root=None, theta=theta, lr=lr, eps=eps):
            root = np.sqrt(v_hat) + eps if root is None else root
            return theta - lr * m_hat / root, m_new, v_new

        m1, v1 = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        lr_hat = lr * np.sqrt(c2) / c1
        v_of_g = beta2 * v + (1 - beta2) * g
        with np.errstate(invalid="ignore"):
            mistakes = [
                ("no_correction", finish(m1, v1, m1, v1)),
                ("eps_inside", finish(m1, v1, m1 / c1, v1 / c2, np.sqrt(v1 / c2 + eps))),
                ("epsilon_hat", (theta - lr_hat * m1 / (np.sqrt(v1) + eps), m1, v1)),
                ("corrected_state", (finish(m1, v1, m1 / c1, v1 / c2)[0], m1 / c1, v1 / c2)),
                ("g_not_squared", finish(m1, v_of_g, m1 / c1, v_of_g / c2)),
            ]
        for shift in (-1, 1):
            if t + shift >= 1:
                mistakes.append((f"t{shift:+d}", finish(m1, v1, m1 / (1 - beta1 ** (t + shift)),
                                                        v1 / (1 - beta2 ** (t + shift)))))
        cases.append(case(args, ref.adam_step(*args), mistakes, error_hint="integer_input",
                          expect="state"))
    return cases


#: (theta, grad, s, lr, rho) of RMSProp, and (theta, grad, s, lr, eps) of AdaGrad.
RMSPROP_CASES = [  # eps large enough that where it goes shows
    (np.array([1.0, -2.0]), np.array([0.5, -1.0]), np.array([0.2, 0.1]), 0.1, 0.5, 0.1),
    (np.array([0.0, 1.0, 2.0]), np.array([1.0, -3.0, 0.2]), np.zeros(3), 0.01, 0.9, 0.01),
]
ADAGRAD_CASES = [
    (np.array([1.0, -2.0]), np.array([0.5, -1.0]), np.array([0.2, 0.1]), 0.1, 0.5),
    (np.array([0.0, 1.0, 2.0]), np.array([1.0, -3.0, 0.2]), np.zeros(3), 0.01, 0.1),
]


def rmsprop_step_cases(ref):
    cases = []
    for theta, g, s, lr, rho, eps in RMSPROP_CASES:
        new_s = rho * s + (1 - rho) * g**2
        right = ref.rmsprop_step(theta, g, s, lr, rho, eps)
        cases.append(case([theta, g, s, lr, rho, eps], right, [
            ("eps_inside", (theta - lr * g / np.sqrt(new_s + eps), new_s)),
            ("summed", (theta - lr * g / (np.sqrt(s + g**2) + eps), s + g**2)),
        ], error_hint="integer_input", expect="state"))
    return cases


def adagrad_step_cases(ref):
    cases = []
    for theta, g, s, lr, eps in ADAGRAD_CASES:
        new_s = s + g**2
        cases.append(case([theta, g, s, lr, eps], ref.adagrad_step(theta, g, s, lr, eps), [
            ("eps_inside", (theta - lr * g / np.sqrt(new_s + eps), new_s)),
            ("old_sum", (theta - lr * g / (np.sqrt(s) + eps), new_s)),
        ], error_hint="integer_input", expect="state"))
    return cases


def dense_forward_cases(ref):
    rng = np.random.default_rng(11)
    cases = []
    for n, d, m in [(3, 2, 4), (1, 3, 2)]:
        X, W, b = _exact(rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m))
        cases.append(case([X, W, b], ref.dense_forward(X, W, b), [("no_bias", X @ W)],
                          expect="array"))
    return cases


def dense_backward_cases(ref):
    """A square layer (n, d, m = 2, 3, 3) first, where a transposed product has the right
    shape and only its values tell it apart, then one with more outputs than inputs."""
    rng = np.random.default_rng(12)
    cases = []
    for n, d, m in [(2, 3, 3), (4, 2, 3)]:
        dZ, X, W = _exact(rng.normal(size=(n, m)), rng.normal(size=(n, d)),
                          rng.normal(size=(d, m)))
        dX, dW, db = ref.dense_backward(dZ, X, W)
        mistakes = [("db_mean", (dX, dW, dZ.mean(axis=0))),
                    ("divided_by_n", (dX, dW / n, db / n)),
                    ("db_rows", (dX, dW, dZ.sum(axis=1))),
                    ("dW_transposed", (dX, dZ.T @ X, db))]
        if d == m:
            mistakes.append(("dX_not_transposed", (dZ @ W, dW, db)))
        cases.append(case([dZ, X, W], (dX, dW, db), mistakes, expect="parts"))
    return cases


def relu_forward_cases(ref):
    cases = []
    for Z in _exact(np.array([[1.5, -0.5, 2.0, -3.0], [-1.0, 0.25, -0.75, 4.0],
                              [0.5, 1.0, -2.0, -0.1]]), np.array([-2.0, 3.0, 0.5])):
        cases.append(case([Z], ref.relu_forward(Z), [
            ("reduced", np.max(Z, 0)), ("absolute", np.abs(Z)),
            ("negative_part", np.minimum(Z, 0))], expect="array"))
    return cases


def relu_backward_cases(ref):
    """Signs of dA unlike those of Z, and no Z exactly 0 (where the ReLU has no derivative)."""
    dA, Z = _exact(np.array([[0.5, -1.0, 2.0], [-0.3, 0.8, -1.5]]),
                   np.array([[1.0, 2.0, -0.5], [-2.0, -1.0, 3.0]]))
    return [case([dA, Z], ref.relu_backward(dA, Z), [
        ("mask_from_dA", dA * (dA > 0)), ("mask_only", (Z > 0) * 1.0),
        ("times_A", dA * np.maximum(Z, 0)), ("no_mask", dA)], expect="array")]


def softmax_cross_entropy_cases(ref):
    """Small scores, one example, scores near 800, where np.exp overflows while the
    probabilities (a softmax ignores a shift of every score) are ordinary, and rows whose
    scores lie 800 apart, where the smallest probability underflows to 0 (its log must
    be computed from the shifted scores)."""
    rng = np.random.default_rng(13)
    spread = np.array([[0.0, -800.0, 1.0], [900.0, 0.0, 899.0]])
    cases = []
    for n, k, shift in [(4, 3, 0.0), (1, 4, 0.0), (3, 3, 800.0), (2, 3, None)]:
        Z = spread if shift is None else shift + rng.normal(size=(n, k))
        Z, y = _exact(Z, np.array([1, 1]) if shift is None else
                      rng.permutation(np.arange(n) % k))
        loss, dZ = ref.softmax_cross_entropy(Z, y)
        shifted = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        Y = np.eye(k)[y]
        by_batch = np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)
        cases.append(case([Z, y], (loss, dZ), [
            ("no_one_hot", (loss, P / n)), ("not_averaged", (loss * n, P - Y)),
            ("grad_not_averaged", (loss, P - Y)), ("loss_all_classes", (-np.log(P).mean(), dZ)),
            ("loss_sign", (-loss, dZ)),
            ("batch_axis", (-np.log(by_batch[np.arange(n), y]).mean(), (by_batch - Y) / n)),
        ], expect="parts"))
    return cases


def _mlp_mistake(params, X, y, mistake):
    """What a forward and backward pass with one named mistake returns."""
    W1, b1, W2, b2 = (params[key] for key in ("W1", "b1", "W2", "b2"))
    n = len(X)
    Z1 = X @ W1 + (0.0 if mistake == "no_b1" else b1)
    A1 = Z1 if mistake == "no_relu" else np.maximum(Z1, 0.0)
    Z2 = A1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(n), y].mean()
    if mistake == "loss_all_classes":
        loss = -log_P.mean()
    if mistake == "loss_sign":
        loss = -loss
    dZ2 = np.exp(log_P)
    if mistake != "no_one_hot":
        dZ2[np.arange(n), y] -= 1.0
    if mistake == "not_averaged":
        loss = loss * n
    else:
        dZ2 = dZ2 / n
    if mistake == "no_relu":  # a linear network's backward pass: nothing masked
        mask = 1.0
    else:  # A1 >= 0 holds everywhere: the mistaken mask keeps every unit
        mask = (A1 >= 0) if mistake == "mask_from_a1" else (Z1 > 0)
    dZ1 = (dZ2 @ W2.T) * mask
    axis = 1 if mistake == "bias_axis" else 0
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=axis), "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=axis)}
    if mistake == "pre_activation":
        grads["W2"] = Z1.T @ dZ2
    if mistake == "transposed":
        grads["W1"], grads["W2"] = dZ1.T @ X, dZ2.T @ A1
    return loss, grads


MLP_MISTAKES = ("no_one_hot", "mask_from_a1", "bias_axis", "not_averaged", "transposed",
                "pre_activation", "no_b1", "no_relu", "loss_all_classes", "loss_sign")


def mlp_loss_and_grads_cases(ref):
    rng = np.random.default_rng(6)
    cases = []
    # the last network's scores are all near 800: np.exp of them overflows, while the
    # probabilities (a softmax ignores a shift of every score) are ordinary
    for n, d, h, k, shift in [(5, 3, 4, 3, 0), (6, 3, 3, 3, 0), (1, 4, 5, 2, 0),
                              (4, 3, 4, 3, 800)]:
        params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
                  "W2": rng.normal(size=(h, k)), "b2": shift + rng.normal(size=k)}
        params, X, y = _exact(params, rng.normal(size=(n, d)), rng.integers(0, k, size=n))
        cases.append(case([params, X, y], ref.mlp_loss_and_grads(params, X, y),
                          [(name, _mlp_mistake(params, X, y, name)) for name in MLP_MISTAKES],
                          expect="mlp"))
    return cases


def training_cases(ref):
    """The weights after ``steps`` updates at rate ``lr`` from zero, on the course's data."""
    from descentlab.problems import linear_data

    data = linear_data(n=40, seed=0)
    lr, steps = 0.2, 5
    w = np.zeros(2)
    for _ in range(steps):
        w = ref.gd_step(w, ref.linear_mse_grad(w, data.X, data.y), lr)
    return [case([lr, steps], w, [("not_updated", np.zeros(2))], expect="training")]


def minibatch_indices_cases(ref):
    """Epochs of ``n`` examples in batches of ``batch_size``, drawn from ``default_rng(seed)``."""
    cases = []
    for n, batch_size, seed in [(10, 3, 0), (8, 4, 1), (5, 1, 2), (6, 10, 3), (13, 5, 4)]:
        right = ref.minibatch_indices(n, batch_size, np.random.default_rng(seed))
        order = np.random.default_rng(seed).permutation(n)
        in_order = [np.arange(n)[i:i + batch_size] for i in range(0, n, batch_size)]
        whole = [order[i * batch_size:(i + 1) * batch_size] for i in range(n // batch_size)]
        mistakes = [("not_shuffled", in_order)]
        if n % batch_size:
            mistakes.append(("dropped_last", whole))
        cases.append(case([n, batch_size, seed], right, mistakes, expect="batches"))
    return cases


def sgd_training_cases(ref):
    """The weights and losses of 3 epochs of mini-batch SGD on the course's data."""
    from descentlab.problems import linear_data

    data = linear_data(n=40, seed=0)
    lr, batch_size, epochs, seed = 0.1, 8, 3, 0
    X, y = data.X, data.y

    def run(epoch_batches):
        w, history = np.zeros(2), [np.mean((X @ np.zeros(2) - y) ** 2)]
        for batches in epoch_batches:
            for batch in batches:
                w = ref.gd_step(w, ref.linear_mse_grad(w, X[batch], y[batch]), lr)
                history.append(np.mean((X @ w - y) ** 2))
        return w, np.array(history)

    rng = np.random.default_rng(seed)
    right = run(ref.minibatch_indices(len(y), batch_size, rng) for _ in range(epochs))
    # The mistakes as a student makes them: the examples in their stored order; one
    # shuffle reused every epoch; the whole data set's gradient at every step.
    in_order = [np.arange(i, min(i + batch_size, len(y))) for i in range(0, len(y), batch_size)]
    order = np.random.default_rng(seed).permutation(len(y))
    once = [order[i:i + batch_size] for i in range(0, len(y), batch_size)]
    everything = [np.arange(len(y))] * (len(y) // batch_size)
    return [case([lr, batch_size, epochs, seed], right, [
        ("not_shuffled", run([in_order] * epochs)), ("one_shuffle", run([once] * epochs)),
        ("full_batch", run([everything] * epochs))], expect="sgd_training")]


def expected():
    """Every check's cases, by exercise name."""
    solved = types.SimpleNamespace(**{
        name: getattr(module, name) for module in reference_modules().values()
        for name in dir(module) if not name.startswith("_")})
    builders = {"mse": mse_cases, "mse_grad": mse_grad_cases,
                "linear_mse_grad": linear_mse_grad_cases, "gd_step": gd_step_cases,
                "max_stable_lr": max_stable_lr_cases, "exponential_decay": exponential_decay_cases,
                "momentum_step": momentum_step_cases, "nesterov_step": nesterov_step_cases,
                "adam_step": adam_step_cases, "rmsprop_step": rmsprop_step_cases,
                "adagrad_step": adagrad_step_cases,
                "minibatch_indices": minibatch_indices_cases, "train_sgd": sgd_training_cases,
                "dense_forward": dense_forward_cases, "dense_backward": dense_backward_cases,
                "relu_forward": relu_forward_cases, "relu_backward": relu_backward_cases,
                "softmax_cross_entropy": softmax_cross_entropy_cases,
                "mlp_loss_and_grads": mlp_loss_and_grads_cases, "train": training_cases}
    return {name: build(solved) for name, build in builders.items()}


def text():
    """The text of ``src/descentlab/expected.json``."""
    with np.errstate(all="ignore"):
        return json.dumps(encode(expected()), indent=None, sort_keys=True) + "\n"
