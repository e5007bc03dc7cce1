"""Immediate, specific feedback on the exercise functions (provided code).

Each exercise function ``f`` has ``check_f(f)``. It calls ``f`` on cases chosen
to tell the typical wrong answers apart, and

- prints one short pass line when every case is right;
- raises :class:`~descentlab.failures.CheckFailed` at the first wrong case,
  saying what was called, what came back, what was expected and, where it
  recognises the mistake, its name and the fix.

Expected values are data (``expected.json``, written at release from the
instructor's solutions): this module holds no implementation of an exercise
that could be called or copied, only the cases, the right results on them, and
what each named mistake returns on them.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np

from .course import module_of, module_path
from .failures import CheckFailed, ExerciseNotWritten
from .i18n import N_, Message, _

_RTOL = 1e-6
#: Largest relative error against finite differences that counts as agreement.
FD_TOLERANCE = 1e-6


def decode_expected(value):
    """Values of ``expected.json``: arrays as ``{"array": ..., "dtype": ...}``."""
    if isinstance(value, dict):
        if "array" in value:
            return np.array(decode_expected(value["array"]), dtype=value["dtype"])
        if "tuple" in value:
            return tuple(decode_expected(v) for v in value["tuple"])
        return {k: decode_expected(v) for k, v in value["dict"].items()}
    if isinstance(value, list):
        return [decode_expected(v) for v in value]
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return value


@cache
def _expected():
    return json.loads((Path(__file__).parent / "expected.json").read_text("utf-8"))["dict"]


def _cases(name):
    """The visible cases of exercise ``name``, as new arrays (a student's code may change them)."""
    return decode_expected(_expected()[name])


def _run_cases(checker, hints, returns=None, not_finite=None, passed=True):
    """Call ``checker``'s function on every case of its exercise and judge each result.

    ``hints`` maps each mistake key of the cases to its name and fix; ``passed=False``
    leaves the pass line to the caller, which checks more.
    """
    for case in _cases(checker.name):
        args = case["args"]
        if case["expect"] == "value_error":
            checker.expect_value_error(*args, broadcast=case.get("broadcast"))
            continue
        got, shown = checker.call(*args, error_hint=ERROR_HINTS.get(case["error_hint"]))
        mistakes = [(value, hints[key]) for key, value in case["mistakes"]]
        if case["expect"] == "number":
            checker.expect_number(got, case["right"], shown, mistakes)
        elif case["expect"] == "array":
            checker.expect_array(got, case["right"], shown, mistakes)
        else:
            checker.expect_state(got, case["right"], returns, shown, mistakes, not_finite)
    if passed:
        checker.passed()


class _Checker:
    """Runs the cases of one exercise function and words the verdicts."""

    def __init__(self, name, func, params, where=None):
        self.name = name
        self.func = func
        self.params = params
        self.path = None if where else module_path(module_of(name))
        self.where = where or _("`{name}` in {path}").format(name=name, path=self.path)
        self.fix = (_("Fix {where}, save the file and re-run this cell.") if self.path else
                    _("Fix {where} and re-run it, then this cell.")).format(where=self.where)
        self.cases = 0

    def show_link(self):
        """In a notebook, a clickable link to the file to edit (from notebooks/NN_topic/)."""
        if self.path is None:
            return
        try:
            from IPython import get_ipython
            from IPython.display import Markdown, display
        except ImportError:
            return
        if get_ipython() is not None:
            display(Markdown(_("Edit `{name}` in [{path}]({link})").format(
                name=self.name, path=self.path, link=f"../../{self.path}")))

    def fail(self, call, outcome, expected=None, hint=None):
        """Raise :class:`CheckFailed`: ``call`` gave ``outcome``, not ``expected``."""
        self.show_link()
        raise CheckFailed(self.name, call, outcome, expected, hint, self.where, self.fix)

    def show_call(self, args):
        shown = ", ".join(f"{p}={_show(a)}" for p, a in zip(self.params, args, strict=True))
        return f"{self.name}({shown})"

    def call(self, *args, error_hint=None, shown=None):
        """Call the function on ``args``; fail on a stub, an error or mutation.

        Returns the result and the text of the call (``shown``, by default
        built from the arguments), for messages.
        """
        shown = shown or self.show_call(args)
        kept = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
        try:
            result = self.func(*args)
        except NotImplementedError:
            self.show_link()
            raise ExerciseNotWritten(self.name, self.where) from None
        except Exception as error:  # any error is the student's to see, with the call
            self.fail(shown, _("raised {error}").format(error=f"{type(error).__name__}: {error}"),
                      hint=error_hint)
        for param, arg, before in zip(self.params, args, kept, strict=True):
            if isinstance(arg, np.ndarray) and not np.array_equal(arg, before):
                self.fail(
                    shown, _("changed its argument {param} from {before} to {after}").format(
                        param=param, before=_show(before), after=_show(arg)),
                    hint=N_("mutating the caller's array (an in-place operation such as `-=`, "
                            "`*=` or `out=`); compute a new array instead, e.g. "
                            "`d = y_pred - y_true`."),
                )
        self.cases += 1
        return result, shown

    def expect_number(self, got, expected, shown, mistakes=()):
        """``got`` must be one real number equal to ``expected``."""
        if isinstance(got, np.ndarray) and got.size != 1:
            self.fail(
                shown, _("returned an array of shape {shape}").format(shape=got.shape),
                _("one number, {value}").format(value=_show(expected)),
                N_("returning an array: this function returns one number (for a mean, "
                   "np.mean(...) with no axis gives one)."),
            )
        try:
            value = float(got)
        except (TypeError, ValueError):
            self.fail(shown, _("returned {value}, which is not a number").format(value=repr(got)),
                      _show(expected))
        if not np.isclose(value, expected, rtol=_RTOL, atol=0):
            self.fail(shown, _("returned {value}").format(value=repr(value)), _show(expected),
                      _recognise(value, mistakes))

    def expect_array(self, got, expected, shown, mistakes=()):
        """``got`` must be a float array with the shape and values of ``expected``."""
        if not isinstance(got, np.ndarray):
            self.fail(
                shown, _("returned {value}").format(value=f"{type(got).__name__} {got!r}"),
                _("a numpy array {value}").format(value=_show(expected)),
                N_("returning a list or a number: build the result with numpy operations."),
            )
        if got.shape != expected.shape:
            self.fail(
                shown, _("returned an array of shape {shape}").format(shape=got.shape),
                _("shape {shape}: {value}").format(shape=expected.shape, value=_show(expected)),
                _recognise_shape(got, expected, mistakes))
        if not np.issubdtype(got.dtype, np.floating):
            self.fail(
                shown, _("returned an array of dtype {dtype}: {value}").format(
                    dtype=got.dtype, value=_show(got)),
                _("floats: {value}").format(value=_show(expected)),
                N_("an integer array: integer inputs must give a float result; convert them "
                   "with np.asarray(..., dtype=float) (np.zeros_like of an integer array is "
                   "an integer array too)."),
            )
        if not np.allclose(got, expected, rtol=_RTOL, atol=1e-12):
            self.fail(shown, _("returned {value}").format(value=_show(got)), _show(expected),
                      _recognise(got, mistakes))

    def expect_state(self, got, expected, names, shown, mistakes=(), not_finite=None):
        """``got`` must be the tuple ``expected`` of float arrays (new parameters and state).

        ``mistakes`` pairs a whole tuple a known mistake returns with its name;
        ``not_finite`` names the likely mistake when the result holds NaN or inf.
        """
        wanted = ", ".join(names)
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            self.fail(shown, _("returned {value}").format(
                          value=f"{type(got).__name__} {_show(got)}"),
                      _("a tuple ({names})").format(names=wanted),
                      Message(N_("returning only some of ({names}): the caller needs the new "
                                 "state for the next step."), names=wanted))
        parts = list(zip(names, got, expected, strict=True))
        for name, part, right in parts:
            well_formed = (isinstance(part, np.ndarray) and part.shape == right.shape
                           and np.issubdtype(part.dtype, np.floating))
            if not well_formed:
                self.expect_array(part, right, f"{shown}[{name}]")  # fails, saying why
        if not all(_matches(part, right) for _name, part, right in parts):
            returned = ", ".join(f"{n}={_show(p)}" for n, p, _right in parts)
            wanted_values = ", ".join(f"{n}={_show(r)}" for n, _part, r in parts)
            hint = next((name for candidate, name in mistakes
                         if all(_matches(p, c) for p, c in zip(got, candidate, strict=True))),
                        None)
            if hint is None and not all(np.all(np.isfinite(part)) for part in got):
                hint = not_finite
            self.fail(shown, _("returned {value}").format(value=returned), wanted_values, hint)

    def expect_value_error(self, *args, broadcast=None):
        """Mismatched shapes must raise ValueError instead of broadcasting."""
        shown = self.show_call(args)
        try:
            got = self.func(*args)
        except ValueError:
            self.cases += 1
            return
        except Exception as error:  # the wrong exception is still a message, not a crash
            self.fail(
                shown, _("raised {error}").format(error=f"{type(error).__name__}: {error}"),
                "ValueError",
                N_("check the shapes yourself and raise ValueError with a message that "
                   "names both shapes."),
            )
        hint = N_("comparing shapes (n,) and (n, 1): numpy broadcast them into an (n, n) "
                  "array and gave a wrong answer silently. Check "
                  "`y_true.shape == y_pred.shape` and raise ValueError otherwise.")
        self.fail(shown, _("returned {value}").format(value=_show(got)),
                  _("ValueError (the shapes {first} and {second} differ)").format(
                      first=args[0].shape, second=args[1].shape),
                  hint if broadcast is None or _matches(got, broadcast) else None)

    def passed(self, agreed=()):
        """Print the pass line, naming the gradients that ``agreed`` with finite differences
        (not their errors: their last digits depend on the machine's arithmetic)."""
        counted = (_("all {count} checks").format(count=self.cases) if self.cases > 1
                   else _("its check"))
        agree = _("; finite differences agree on {names} (relative errors below "
                  "{tolerance})").format(names=", ".join(agreed),
                                         tolerance=f"{FD_TOLERANCE:g}") if agreed else ""
        print(_("✔ {name} passed {counted}{agree}.").format(name=self.name, counted=counted,
                                                            agree=agree))


def _show(value):
    """Short text of a value for a message: arrays with their shape, few digits."""
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        text = " ".join(np.array2string(value, precision=4, threshold=12, separator=", ").split())
        dtype = "" if value.dtype == np.float64 else f", dtype={value.dtype}"
        return _("array({values}) of shape {shape}").format(values=text + dtype,
                                                            shape=value.shape)
    return repr(value)


def _matches(got, candidate):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    candidate = np.asarray(candidate, dtype=float)
    return got.shape == candidate.shape and np.allclose(got, candidate, rtol=_RTOL, atol=1e-12)


def _recognise(got, mistakes):
    """Name of the first known mistake whose result equals ``got``, else None."""
    for candidate, name in mistakes:
        if _matches(got, candidate):
            return name
    return None


def _recognise_shape(got, expected, mistakes):
    named = _recognise(got, mistakes)
    if named:
        return named
    if got.size == expected.size:
        return Message(N_("wrong shape: the result must have the shape of the input it is the "
                          "gradient for, {shape}; reshape or avoid turning vectors "
                          "into columns (n, 1) or back."), shape=expected.shape)
    return None


# Named mistakes shared by several checks: the hint shown when a student's result
# equals what that mistake produces.
SUM_NOT_MEAN = N_("sum instead of mean: divide by n, the number of elements (np.mean does it).")
ROWS_NOT_ELEMENTS = N_("dividing by len(y), the number of rows, instead of y.size, the number "
                     "of elements: for a 2-D array they differ.")
MISSING_TWO = N_("missing factor 2: the derivative of (y - y_)**2 with respect to y is "
               "2 * (y - y_).")
WRONG_SIGN = N_("wrong sign: the gradient with respect to y_pred is +2 (y_pred - y_true) / n; "
              "you have (y_true - y_pred).")
LIST_INPUT = N_("Python lists not handled: `[1, 2] - [1, 2]` is an error; convert the "
              "inputs first with np.asarray(y, dtype=float).")
INTEGER_DIVISION = N_("integer arithmetic (`//`, or an integer array): convert the inputs "
                    "with np.asarray(y, dtype=float).")


MSE_HINTS = {
    "sum_not_mean": SUM_NOT_MEAN,
    "rmse": N_("taking the square root: that is RMSE; MSE has none."),
    "mae": N_("averaging absolute errors (that is MAE): square them."),
    "not_squared": N_("forgetting to square the errors."),
    "halved": N_("halving: the note's MSE has no factor 1/2."),
    "n_minus_one": N_("dividing by n - 1: MSE divides by n."),
    "integer_division": INTEGER_DIVISION,
    "rows_not_elements": ROWS_NOT_ELEMENTS,
}


def check_mse(mse):
    """Check ``mse(y_true, y_pred)`` against the note's definition, sum_i (y - y_)^2 / n."""
    _run_cases(_Checker("mse", mse, ("y_true", "y_pred")), MSE_HINTS)


MSE_GRAD_HINTS = {
    "missing_two": MISSING_TWO,
    "wrong_sign": WRONG_SIGN,
    "sum_not_mean": SUM_NOT_MEAN,
    "two_and_sum": N_("missing factor 2: the derivative of (y - y_)**2 with respect to y is "
                      "2 * (y - y_). Also sum instead of mean: divide by n, the number of "
                      "elements (np.mean does it)."),
    "rows_not_elements": ROWS_NOT_ELEMENTS,
    "column": N_("wrong shape: you returned a column (n, 1) for an input of shape (n,); return "
              "the shape of y_pred."),
    "flattened": N_("wrong shape: you flattened the result; return the shape of y_pred."),
}


def check_mse_grad(mse_grad):
    """Check ``mse_grad(y_true, y_pred)`` against d MSE / d y_pred = 2 (y_pred - y_true) / n."""
    _run_cases(_Checker("mse_grad", mse_grad, ("y_true", "y_pred")), MSE_GRAD_HINTS)


LINEAR_MSE_GRAD_HINTS = {
    "missing_two": MISSING_TWO,
    "wrong_sign": N_("wrong sign: the gradient is (2/n) X.T @ (X @ w - y); you have "
                     "(y - X @ w)."),
    "sum_not_mean": SUM_NOT_MEAN,
    "divided_by_d": N_("dividing by d, the number of weights; divide by n, the number of "
                       "examples."),
    "stopped_early": N_("stopping at the gradient with respect to the predictions: the chain rule "
                     "multiplies it by X.T to get one value per weight."),
}


def check_linear_mse_grad(linear_mse_grad):
    """Check ``linear_mse_grad(w, X, y)`` against (2/n) X^T (X w - y)."""
    _run_cases(_Checker("linear_mse_grad", linear_mse_grad, ("w", "X", "y")),
               LINEAR_MSE_GRAD_HINTS)


INTEGER_INPUT = N_("integer arrays not handled: `theta -= ...` cannot store floats in an "
                 "integer array; compute a new float array, e.g. "
                 "np.asarray(theta, dtype=float) - ...")
#: Hints for a call that raised, by the case's ``error_hint`` key.
ERROR_HINTS = {"list_input": LIST_INPUT, "integer_input": INTEGER_INPUT}
GD_STEP_HINTS = {
    "ascent": N_("adding the gradient (that climbs uphill): gradient descent subtracts it, "
              "theta - lr * grad."),
    "no_lr": N_("ignoring lr: the step is lr * grad, not grad."),
    "step_only": N_("returning the step instead of the new parameters theta - lr * grad."),
    "divided_by_lr": N_("dividing by lr: the step is lr * grad."),
}


def check_gd_step(gd_step):
    """Check ``gd_step(theta, grad, lr)`` against theta - lr * grad."""
    _run_cases(_Checker("gd_step", gd_step, ("theta", "grad", "lr")), GD_STEP_HINTS)


#: On a Hessian whose largest entry is on its diagonal the two look alike.
LARGEST_ENTRY = N_("using the largest entry of the Hessian (on its diagonal or not): it equals "
                 "λ_max only for a diagonal Hessian; use np.linalg.eigvalsh.")
MAX_STABLE_LR_HINTS = {
    "smallest": N_("using the smallest eigenvalue: the edge is set by the largest, 2 / λ_max."),
    "no_two": N_("forgetting the factor 2: the edge is 2 / λ_max (1 / λ_max is where "
              "oscillation starts)."),
    "trace": N_("using the trace, the sum of all eigenvalues; take the largest eigenvalue "
             "(np.linalg.eigvalsh)."),
    "diagonal": LARGEST_ENTRY,
    "largest_entry": LARGEST_ENTRY,
    "inverted": N_("inverting the formula: it is 2 / λ_max."),
}


def check_max_stable_lr(max_stable_lr):
    """Check ``max_stable_lr(hessian)`` against 2 / (largest eigenvalue), on non-diagonal cases."""
    _run_cases(_Checker("max_stable_lr", max_stable_lr, ("hessian",)), MAX_STABLE_LR_HINTS)


EXPONENTIAL_DECAY_HINTS = {
    "staircase": N_("staircase ignored or inverted: staircase=True floors the exponent, "
                 "floor(step / decay_steps); staircase=False does not."),
    "every_step": N_("decaying every step: the exponent is step / decay_steps, so the rate is "
                  "multiplied by decay_rate once every decay_steps steps."),
    "upside_down": N_("the exponent upside down: it is step / decay_steps."),
    "rounded": N_("rounding: staircase uses the floor, np.floor(step / decay_steps)."),
    "one_minus_rate": N_("using 1 - decay_rate: the rate is multiplied by decay_rate itself."),
}


def check_exponential_decay(exponential_decay):
    """Check ``exponential_decay`` against TensorFlow's lr0 * decay_rate ** (step / decay_steps)."""
    _run_cases(_Checker("exponential_decay", exponential_decay,
                        ("lr0", "step", "decay_steps", "decay_rate", "staircase")),
               EXPONENTIAL_DECAY_HINTS)


NOT_UPDATING = N_("not updating w: assign the result, w = optimizers.gd_step(w, grad, lr).")


def _weights(shown):
    return _("{call}[0], the weights,").format(call=shown)


def _history(shown):
    return _("{call}[1], the history,").format(call=shown)


def check_training(train, data):
    """Check a gradient-descent training loop ``train(w0, X, y, lr, steps) -> (w, history)``.

    It must do exactly ``steps`` updates ``w <- w - lr * grad`` of the MSE and
    return the final weights and the ``steps + 1`` losses (before the first update
    and after each), which must not increase.
    """
    checker = _Checker("train", train, ("w0", "X", "y", "lr", "steps"),
                       where=_("the cell above that defines `train`"))
    (case,) = _cases("train")
    lr, steps = case["args"]
    w = case["right"]
    got, shown = checker.call(np.zeros(2), data.X, data.y, lr, steps)
    if not (isinstance(got, tuple) and len(got) == 2):
        checker.fail(shown, _("returned {value}").format(value=type(got).__name__),
                     _("a pair (w, history)"))
    got_w, history = got
    checker.expect_array(np.asarray(got_w, dtype=float), w, _weights(shown), [
        (value, NOT_UPDATING) for _key, value in case["mistakes"]])
    history = np.asarray(history, dtype=float)
    if history.shape != (steps + 1,):
        checker.fail(
            _history(shown), _("has {count} losses").format(count=history.size),
            _("{count}: the loss before the first step and after each of the {steps}").format(
                count=steps + 1, steps=steps),
            N_("recording the loss only before (or only after) each step."))
    if np.any(np.diff(history) > 0):
        checker.fail(_history(shown), _("is {value}").format(value=_show(history)),
                     _("losses that never increase (the rate is small enough here)"),
                     N_("recording something other than the loss of the current w."))
    checker.passed()


def check_lr_choice(lr, problem, theta0, tol, budget):
    """Check that gradient descent with ``lr`` gets the loss below ``tol`` within ``budget`` steps.

    Runs plain gradient descent (this module's own, not the student's) and reports
    how many steps it took, or how far it got.
    """
    where = _("`lr` in the cell above")
    if lr is None:
        raise ExerciseNotWritten("lr", where, _("lr is not written yet: fill in the cell above "
                                                "with your choice, e.g. `lr = 0.1`, and re-run "
                                                "both cells."))
    theta = np.array(theta0, dtype=float)
    for step in range(budget + 1):
        loss = problem.loss(theta)
        if loss < tol:
            print(_("✔ lr = {lr} reaches loss {loss} < {tol} in {step} steps "
                    "(budget {budget}).").format(lr=f"{lr:g}", loss=f"{loss:.1e}",
                                                 tol=f"{tol:g}", step=step, budget=budget))
            return
        if not np.isfinite(loss) or loss > 1e12:
            break
        theta = theta - lr * problem.grad(theta)
    hessian = problem.hessian(theta)
    edge = 2 / np.linalg.eigvalsh(hessian).max()
    call = _("gradient descent with lr = {lr} from {theta0} for {budget} steps").format(
        lr=repr(lr), theta0=repr(theta0), budget=budget)
    expected = _("the loss below {tol}").format(tol=f"{tol:g}")
    fix = _("Choose another value for `lr` in the cell above and re-run both cells.")
    if lr >= edge:
        raise CheckFailed("lr", call, _("diverges"), expected,
                          Message(N_("lr above the stability edge 2/λ_max = {edge}: every step "
                                     "overshoots by more than it corrects."), edge=f"{edge:.3g}"),
                          where, fix)
    raise CheckFailed("lr", call, _("converges too slowly: the loss is {loss} at the end").format(
                          loss=f"{loss:.2e}"),
                      expected, N_("lr too small for the step budget: the slowest direction "
                                   "shrinks by only a little per step; go closer to the "
                                   "stability edge."),
                      where, fix)


MINIBATCH_HINTS = {
    "not_shuffled": N_("not shuffled: the batches follow the stored order 0, 1, 2, ...; draw a "
                    "random order first, rng.permutation(n), then cut it into batches."),
    "dropped_last": N_("the last, smaller batch dropped: when n is not a multiple of batch_size "
                    "keep it (range(0, n, batch_size) reaches it), or its examples are never "
                    "used."),
}
UNUSED_RNG = N_("the rng argument not used (np.random's global state, or a generator of your "
              "own): draw the order with rng.permutation(n), so that a run is reproducible "
              "from its seed.")
REPEATED = N_("examples drawn at random for each batch (with replacement, e.g. rng.integers or "
            "rng.choice): some come twice and others never. Shuffle once per epoch, "
            "rng.permutation(n), and cut that order into batches.")


def _epoch_text(batches):
    return "[" + ", ".join(_show(np.asarray(b)) for b in batches) + "]"


def check_minibatch_indices(minibatch_indices):
    """Check ``minibatch_indices(n, batch_size, rng)``: ``rng.permutation(n)`` cut in order."""
    checker = _Checker("minibatch_indices", minibatch_indices, ("n", "batch_size", "rng"))
    for case in _cases("minibatch_indices"):
        n, batch_size, seed = case["args"]
        rng = np.random.default_rng(seed)
        untouched = rng.bit_generator.state
        shown = (f"minibatch_indices(n={n}, batch_size={batch_size}, "
                 f"rng=np.random.default_rng({seed}))")
        got, shown = checker.call(n, batch_size, rng, shown=shown)
        if not isinstance(got, list | tuple):
            checker.fail(shown, _("returned {value}").format(
                             value=f"{type(got).__name__} {_show(got)}"),
                         _("a list of index arrays"), N_(
                             "returning one array: return a list of 1-D arrays, one per batch "
                             "(the last may be shorter, so they cannot form one 2-D array)."))
        for batch in got:
            if not (isinstance(batch, np.ndarray) and batch.ndim == 1
                    and np.issubdtype(batch.dtype, np.integer)):
                checker.fail(shown, _("returned a batch {value}").format(value=_show(batch)),
                             _("1-D integer arrays of indices"),
                             N_("indices must be integers to pick rows, X[batch]; "
                                "rng.permutation(n) gives an integer array, and slicing it "
                                "keeps that."))
        everything = np.concatenate(got) if len(got) else np.array([], dtype=int)
        if not np.array_equal(np.sort(everything), np.arange(n)):
            repeated = len(np.unique(everything)) < everything.size
            checker.fail(shown, _("returned {value}").format(value=_epoch_text(got)),
                         _("each of 0 .. {last} exactly once in the epoch").format(last=n - 1),
                         REPEATED if repeated else _recognise_epoch(got, case["mistakes"]))
        sizes = [len(batch) for batch in got]
        if any(size != batch_size for size in sizes[:-1]) or not 0 < sizes[-1] <= batch_size:
            checker.fail(shown, _("returned batches of sizes {sizes}").format(sizes=sizes),
                         _("batches of {size}, except perhaps a smaller last one").format(
                             size=batch_size))
        if not all(np.array_equal(g, r) for g, r in zip(got, case["right"], strict=False)) \
                or len(got) != len(case["right"]):
            hint = _recognise_epoch(got, case["mistakes"])
            if hint is None and rng.bit_generator.state == untouched:
                hint = UNUSED_RNG
            checker.fail(shown, _("returned {value}").format(value=_epoch_text(got)),
                         _epoch_text(case["right"]), hint or N_(
                             "a valid epoch, but not the order rng.permutation(n) gives: draw "
                             "the order once with rng.permutation(n) and cut it into "
                             "consecutive pieces."))
    checker.passed()


def _recognise_epoch(got, mistakes):
    for key, batches in mistakes:
        if len(got) == len(batches) and all(np.array_equal(g, b)
                                            for g, b in zip(got, batches, strict=True)):
            return MINIBATCH_HINTS[key]
    return None


SGD_TRAINING_HINTS = {
    "not_shuffled": N_("not shuffled: the batches follow the stored order; take them from "
                    "batches.minibatch_indices(n, batch_size, rng)."),
    "one_shuffle": N_("one order reused in every epoch: call batches.minibatch_indices(n, "
                   "batch_size, rng) once per epoch, inside the epoch loop, so that each epoch "
                   "has a new order."),
    "full_batch": N_("the gradient of all the data at every step: use the batch's rows, "
                  "losses.linear_mse_grad(w, X[batch], y[batch])."),
}


def check_sgd_training(train_sgd, data):
    """Check a mini-batch SGD loop ``train_sgd(w0, X, y, lr, batch_size, epochs, rng)``.

    Each epoch must take its batches from ``batches.minibatch_indices(n,
    batch_size, rng)`` and do one update ``w <- w - lr * grad`` per batch, with the
    gradient of the batch's MSE; it returns the final weights and the loss of all
    the data before the first step and after each step.
    """
    checker = _Checker("train_sgd", train_sgd,
                       ("w0", "X", "y", "lr", "batch_size", "epochs", "rng"),
                       where=_("the cell above that defines `train_sgd`"))
    (case,) = _cases("train_sgd")
    lr, batch_size, epochs, seed = case["args"]
    right_w, right_history = case["right"]
    shown = (f"train_sgd(w0=np.zeros(2), X=data.X, y=data.y, lr={lr}, batch_size={batch_size}, "
             f"epochs={epochs}, rng=np.random.default_rng({seed}))")
    got, shown = checker.call(np.zeros(2), data.X, data.y, lr, batch_size, epochs,
                              np.random.default_rng(seed), shown=shown)
    if not (isinstance(got, tuple) and len(got) == 2):
        checker.fail(shown, _("returned {value}").format(value=type(got).__name__),
                     _("a pair (w, history)"))
    got_w, history = got
    history = np.asarray(history, dtype=float)
    steps = len(right_history) - 1
    if history.shape != right_history.shape:
        checker.fail(
            _history(shown), _("has {count} losses").format(count=history.size),
            _("{count}: the loss before the first step and after each of the {steps} steps "
              "({epochs} epochs of {batches} batches)").format(
                count=steps + 1, steps=steps, epochs=epochs, batches=steps // epochs),
            {epochs + 1: N_("recording the loss once per epoch: record it after every step."),
             steps: N_("recording the loss only before (or only after) each step.")}.get(
                history.size, N_("record the loss once before the first step and once after "
                                 "every step.")))
    mistakes = [(value[0], SGD_TRAINING_HINTS[key]) for key, value in case["mistakes"]]
    mistakes.append((np.zeros(2), NOT_UPDATING))
    checker.expect_array(np.asarray(got_w, dtype=float), right_w, _weights(shown), mistakes)
    if not np.allclose(history, right_history, rtol=_RTOL, atol=1e-12):
        checker.fail(_history(shown), _("is {value}").format(value=_show(history)),
                     _show(right_history),
                     N_("recording something other than the loss of all the data, "
                        "losses.mse(y, X @ w), before the first step and after each step."))
    checker.passed()


EMA_MOMENTUM = N_("the exponential-moving-average form v = beta * v + (1 - beta) * grad. That "
                "is not wrong maths: it is the same method with the learning rate scaled by "
                "(1 - beta) (notebook 05 proves it). This course, the note, TensorFlow's "
                "MomentumOptimizer and PyTorch's SGD use velocity = beta * velocity + grad.")
MOMENTUM_HINTS = {
    "ema": EMA_MOMENTUM,
    "velocity_after": N_("updating the velocity after the step: the note updates d first, "
                      "d = beta * d + grad, then steps with the new d."),
    "wrong_sign": N_("wrong sign: theta - lr * velocity."),
    "velocity_sign": N_("wrong sign of the velocity: velocity = beta * velocity + grad."),
    "swapped": N_("beta and lr swapped: velocity = beta * velocity + grad, theta - lr * velocity."),
    "order": N_("returning (velocity, theta): return (theta, velocity)."),
    "gradient_step": N_("stepping with the gradient instead of the velocity."),
}


def check_momentum_step(momentum_step):
    """Check ``momentum_step`` against the note: d = beta d + g, then theta - lr d."""
    _run_cases(_Checker("momentum_step", momentum_step,
                        ("theta", "grad", "velocity", "lr", "beta")),
               MOMENTUM_HINTS, ("theta", "velocity"))


NESTEROV_HINTS = {
    "plain": N_("plain momentum: Nesterov steps with grad + beta * velocity, a look-ahead."),
    "stale_velocity": N_("returning the velocity from before the update: return the new one, "
                      "d = beta * d + grad, or the next step starts from a stale velocity."),
}


def check_nesterov_step(nesterov_step):
    """Check the bonus ``nesterov_step`` against PyTorch's Nesterov momentum."""
    _run_cases(_Checker("nesterov_step", nesterov_step,
                        ("theta", "grad", "velocity", "lr", "beta")),
               NESTEROV_HINTS, ("theta", "velocity"))


ADAM_HINTS = {
    "no_correction": N_("no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t) "
                     "before the step (Algorithm 1)."),
    "eps_inside": N_("eps inside the square root: the paper adds it after, sqrt(v_hat) + eps."),
    "epsilon_hat": N_("TensorFlow 1's epsilon-hat form (lr_t = lr * sqrt(1 - beta2**t) / "
                   "(1 - beta1**t), then eps added to sqrt(v), not sqrt(v_hat)): the paper's "
                   "'epsilon hat'. The course uses Algorithm 1 as written, eps added to "
                   "sqrt(v_hat)."),
    "corrected_state": N_("returning the corrected m_hat and v_hat as the state: return m and v "
                       "uncorrected, or the next step corrects them twice."),
    "g_not_squared": N_("g instead of g**2 in v: the second moment averages squared gradients."),
    "t-1": N_("bias correction with t -1: t is the number of this step, 1 on the first step."),
    "t+1": N_("bias correction with t +1: t is the number of this step, 1 on the first step."),
}


def check_adam_step(adam_step):
    """Check ``adam_step`` against Algorithm 1 of Kingma & Ba (2014)."""
    _run_cases(_Checker("adam_step", adam_step,
                        ("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps")),
               ADAM_HINTS, ("theta", "m", "v"),
               not_finite=N_("NaN or inf: a division by zero (bias correction with t - 1, which "
                             "is 0 on the first step: t starts at 1) or the square root of a "
                             "negative number (v averages g**2, never g)."))


EPS_INSIDE = N_("eps inside the square root: sqrt(s) + eps.")


def check_rmsprop_step(rmsprop_step):
    """Check the bonus ``rmsprop_step`` against PyTorch's RMSprop."""
    checker = _Checker("rmsprop_step", rmsprop_step, ("theta", "grad", "s", "lr", "rho", "eps"))
    _run_cases(checker, {"eps_inside": EPS_INSIDE, "summed": N_(
        "summing the squares (that is AdaGrad): RMSProp averages them with rho.")},
        ("theta", "s"))


def check_adagrad_step(adagrad_step):
    """Check the bonus ``adagrad_step`` against PyTorch's Adagrad."""
    _run_cases(_Checker("adagrad_step", adagrad_step, ("theta", "grad", "s", "lr", "eps")),
               {"eps_inside": EPS_INSIDE,
                "old_sum": N_("dividing by the old sum: add g**2 first, then step.")},
               ("theta", "s"))


DENSE_FORWARD_HINTS = {
    "no_bias": N_("the bias left out: the layer adds b to every row of X @ W."),
}


def check_dense_forward(dense_forward):
    """Check ``dense_forward(X, W, b)``: every row of ``X`` times ``W``, plus ``b``."""
    _run_cases(_Checker("dense_forward", dense_forward, ("X", "W", "b")), DENSE_FORWARD_HINTS)


DENSE_BACKWARD_HINTS = {
    "db_mean": N_("db averaged over the examples: b is added to every row, so the rows' "
               "gradients add up (the 1/n of the mean loss is already inside dZ)."),
    "divided_by_n": N_("divided by n again: dZ already holds the 1/n of the mean loss; the "
                    "layer passes it on and adds none of its own."),
    "db_rows": N_("db summed over the wrong axis: one value per output unit, summed over the "
               "examples (axis 0)."),
    "dW_transposed": N_("dW transposed: dW has the shape of W, (d, m). Of X (n, d) and dZ "
                     "(n, m), which product has that shape?"),
    "dX_not_transposed": N_("dX through W itself: an input X[i, j] reaches output Z[i, c] "
                         "through W[j, c]. dX has the shape of X, (n, d): of dZ (n, m) and "
                         "W (d, m), which product has it?"),
}


PRODUCT_SHAPES = N_("if the error is about shapes: write down each array's shape, dZ (n, m), "
                  "X (n, d), W (d, m), and the shape each result must have, dX that of X, "
                  "dW that of W, db that of b. dX and dW are each a product of two of them, "
                  "one transposed; db is a sum over one axis.")


def check_dense_backward(dense_backward, dense_forward):
    """Check ``dense_backward(dZ, X, W) -> (dX, dW, db)`` on cases with named mistakes,
    then against finite differences of ``dense_forward`` on a layer of other shapes."""
    checker = _Checker("dense_backward", dense_backward, ("dZ", "X", "W"))
    for case in _cases("dense_backward"):
        got, shown = checker.call(*case["args"], error_hint=PRODUCT_SHAPES)
        _expect_parts(checker, got, case, ("dX", "dW", "db"), shown, DENSE_BACKWARD_HINTS)
    rng = np.random.default_rng(7)
    X, W, b, G = (rng.normal(size=shape) for shape in [(4, 3), (3, 5), (5,), (4, 5)])
    got, shown = checker.call(G, X, W)
    agreed = _finite_differences(
        checker, shown, got, ("dX", "dW", "db"), [X, W, b],
        lambda X, W, b: float(np.sum(G * dense_forward(X, W, b))))
    checker.passed(agreed)


RELU_FORWARD_HINTS = {
    "reduced": N_("np.max(Z, 0) takes the largest entry of each column (a reduction over "
               "axis 0); the ReLU is elementwise: np.maximum compares each entry with 0."),
    "absolute": N_("the absolute value: a negative pre-activation gives 0, not its size."),
    "negative_part": N_("the negative part kept: the ReLU keeps the positive entries and "
                     "sets the others to 0."),
}


def check_relu_forward(relu_forward):
    """Check ``relu_forward(Z)``: ``Z`` where positive, 0 elsewhere, elementwise."""
    _run_cases(_Checker("relu_forward", relu_forward, ("Z",)), RELU_FORWARD_HINTS)


RELU_BACKWARD_HINTS = {
    "mask_from_dA": N_("the mask taken from dA: whether a unit passes gradient back depends on "
                    "what it did in the forward pass, Z > 0, not on the gradient it receives."),
    "mask_only": N_("the ReLU's derivative alone: the chain rule multiplies it by the incoming "
                 "gradient dA."),
    "times_A": N_("multiplied by A = max(Z, 0): the ReLU's derivative is 1 where Z > 0 and 0 "
               "elsewhere, not its output."),
    "no_mask": N_("dA passed through unchanged: a unit that was off (Z <= 0) passes no "
               "gradient back."),
}


def check_relu_backward(relu_backward, relu_forward):
    """Check ``relu_backward(dA, Z) -> dZ`` on cases with named mistakes, then against
    finite differences of ``relu_forward`` away from its kink at 0."""
    checker = _Checker("relu_backward", relu_backward, ("dA", "Z"))
    _run_cases(checker, RELU_BACKWARD_HINTS, passed=False)
    rng = np.random.default_rng(8)
    Z = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.1, 2.0, size=(3, 4))
    G = rng.normal(size=(3, 4))
    got, shown = checker.call(G, Z)
    agreed = _finite_differences(checker, shown, (got,), ("dZ",), [Z],
                                 lambda Z: float(np.sum(G * relu_forward(Z))))
    checker.passed(agreed)


OVERFLOW = N_("overflow in the softmax: np.exp of a score above about 710 is inf, and inf / inf "
            "is NaN; and a probability that underflowed to 0 has np.log of -inf. Subtract each "
            "row's largest score before np.exp (the probabilities do not change), and compute "
            "log P from the shifted scores, not as np.log(P).")
SOFTMAX_HINTS = {
    "no_one_hot": N_("the gradient without subtracting the one-hot target: the loss of an "
                  "example pushes every score down by its probability and pulls its true "
                  "class's score up by 1: subtract 1 at the true class, dZ = (P - Y) / n."),
    "not_averaged": N_("the loss (and its gradient) summed over the batch, not averaged: off "
                    "by the batch size n."),
    "grad_not_averaged": N_("the gradient of a sum: the loss is the mean over the n examples, "
                         "so its gradient has a factor 1/n too."),
    "loss_all_classes": N_("the loss averaged over every class's -log P: the cross-entropy of "
                        "an example is -log P[i, y_i], of its true class only; average those "
                        "n values."),
    "loss_sign": N_("the loss's sign: the cross-entropy -log P[i, y_i] is positive."),
    "batch_axis": N_("the softmax taken over the batch (axis 0): each example's probabilities "
                  "are over its classes, along axis 1, and each row sums to 1."),
}


def check_softmax_cross_entropy(softmax_cross_entropy):
    """Check ``softmax_cross_entropy(Z, y) -> (loss, dZ)``, on scores small and near 800,
    then the gradient against finite differences of the student's own loss."""
    checker = _Checker("softmax_cross_entropy", softmax_cross_entropy, ("Z", "y"))
    for case in _cases("softmax_cross_entropy"):
        got, shown = checker.call(*case["args"])
        _expect_parts(checker, got, case, ("loss", "dZ"), shown, SOFTMAX_HINTS, OVERFLOW)
    rng = np.random.default_rng(9)
    Z, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    got, shown = checker.call(Z, y)
    agreed = _finite_differences(checker, shown, got[1:], ("dZ",), [Z],
                                 lambda Z: float(softmax_cross_entropy(Z, y)[0]))
    checker.passed(agreed)


def _expect_parts(checker, got, case, names, shown, hints, not_finite=None):
    """``got`` must be the tuple ``case["right"]``, part by part (a number or an array),
    each wrong part named by the case's mistakes that differ from the right one there;
    ``not_finite`` names the likely mistake when a part holds NaN or inf."""
    right = case["right"]
    if not isinstance(got, tuple | list) or len(got) != len(right):
        checker.fail(shown, _("returned {value}").format(
                         value=f"{type(got).__name__} {_show(got)}"),
                     _("a tuple ({names})").format(names=", ".join(names)))
    if not all(_finite(part) for part in got):
        checker.fail(shown, _("returned NaN or inf"), _("finite values"), not_finite)
    # a mistake that explains every part goes first: two can agree on one part
    variants = sorted(case["mistakes"], key=lambda mistake: not all(
        _matches(part, wrong) for part, wrong in zip(got, mistake[1], strict=True)))
    for index, (name, part, expected) in enumerate(zip(names, got, right, strict=True)):
        mistakes = [(variant[index], hints[key]) for key, variant in variants
                    if not _matches(variant[index], expected)]
        if np.ndim(expected) == 0:
            checker.expect_number(part, expected, f"{shown}[{name}]", mistakes)
        else:
            checker.expect_array(part, expected, f"{shown}[{name}]", mistakes)


def _finite_differences(checker, shown, grads, names, inputs, loss, tolerance=FD_TOLERANCE):
    """Relative error of each of ``grads`` against the finite-difference gradient of
    ``loss(*inputs)`` with respect to the input of the same position; fail above
    ``tolerance``. Returns the names of the gradients that agree, for the pass line."""
    from .gradcheck import numerical_gradient, relative_error

    errors = {}
    for index, (name, grad) in enumerate(zip(names, grads, strict=False)):
        def loss_of(entry, index=index):
            return loss(*inputs[:index], entry, *inputs[index + 1:])

        errors[name] = relative_error(grad, numerical_gradient(loss_of, inputs[index]))
        if not errors[name] < tolerance:
            checker.fail(_("{call}[{name}], against finite differences of the layer's "
                           "forward pass").format(call=shown, name=name),
                         _("a relative error of {error}").format(error=f"{errors[name]:.1e}"),
                         _("below {tolerance}").format(tolerance=f"{tolerance:g}"),
                         N_("a gradient right on the cases above but not on this layer of "
                            "other shapes: do not rely on the shapes of a particular case."))
    return list(errors)


MLP_MISTAKES = {
    "no_one_hot": N_("the softmax gradient without subtracting the one-hot target: "
                  "dZ2 = (P - Y) / n, where Y has a 1 at each example's true class."),
    "mask_from_a1": N_("the ReLU's gradient left out (or its mask taken as A1 >= 0, which holds "
                    "everywhere): dZ1 = dA1 * (Z1 > 0); a unit that was off passes no "
                    "gradient back."),
    "bias_axis": N_("bias gradients summed over the wrong axis: sum dZ over the examples, "
                 "axis=0, to get one value per unit."),
    "not_averaged": N_("the loss (or its gradients) summed over the batch, not averaged (off by "
                    "the batch size n): the loss is a mean, so dZ2 = (P - Y) / n."),
    "transposed": N_("transposed weight gradients: dW1 = X.T @ dZ1 has the shape of W1, (d, h)."),
    "pre_activation": N_("dW2 from the hidden layer's pre-activation Z1: W2 multiplies the ReLU's "
                      "output, so dW2 = A1.T @ dZ2."),
    "no_b1": N_("the forward pass without b1: Z1 = X @ W1 + b1."),
    "no_relu": N_("no ReLU in the forward pass: A1 = max(Z1, 0) (and the mask Z1 > 0 in the "
               "backward pass); without it the two layers are one linear map."),
    "loss_all_classes": N_("the loss averaged over every class's -log P: the cross-entropy of an "
                        "example is -log P[i, y_i], of its true class only; average those n "
                        "values."),
    "loss_sign": N_("the loss's sign: the cross-entropy -log P[i, y_i] is positive."),
}
def check_mlp_loss_and_grads(mlp_loss_and_grads):
    """Check ``mlp_loss_and_grads`` against the chain rule, on networks with dead ReLUs."""
    checker = _Checker("mlp_loss_and_grads", mlp_loss_and_grads, ("params", "X", "y"))
    for case in _cases("mlp_loss_and_grads"):
        params, X, y = case["args"]
        kept = {key: value.copy() for key, value in params.items()}
        got, shown = checker.call(params, X, y)
        for key, value in params.items():
            if not np.array_equal(value, kept[key]):
                checker.fail(shown, _("changed params[{key}]").format(key=repr(key)),
                             hint=N_("mutating the caller's array: compute new arrays."))
        if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
            checker.fail(shown, _("returned {value}").format(value=type(got).__name__),
                         _("a pair (loss, grads) with grads a dict"))
        loss, grads = got
        right_loss, right = case["right"]
        variants = dict(case["mistakes"])
        if sorted(grads) != sorted(right):
            checker.fail(f"{shown}[1]", _("has keys {keys}").format(keys=sorted(grads)),
                         f"{sorted(right)}")
        if not all(_finite(value) for value in (loss, *grads.values())):
            checker.fail(shown, _("returned NaN or inf in the loss or the gradients"),
                         _("finite values (the loss is {loss})").format(loss=f"{right_loss:.6g}"),
                         OVERFLOW)
        checker.expect_number(loss, right_loss, _("{call}[0], the loss,").format(call=shown),
                              [(variant[0], MLP_MISTAKES[name])
                               for name, variant in variants.items()])
        for key in ("W2", "b2", "W1", "b1"):  # in backpropagation's order
            mistakes = [(variant[1][key], MLP_MISTAKES[name])
                        for name, variant in variants.items()]
            checker.expect_array(grads[key], right[key], f"{shown}[1][{key!r}]", mistakes)
    checker.passed()


def _finite(value):
    """Whether ``value`` is numbers, all finite (anything else is judged later)."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True


def _small_network():
    """A random 5 -> 4 -> 3 network, a batch of 6 and its labels, with some ReLUs off."""
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(5, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3)}
    return params, rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)


def check_mlp_gradients(mlp_loss_and_grads, tolerance=1e-6):
    """Every gradient of ``mlp_loss_and_grads`` must agree with finite differences."""
    from .gradcheck import check_parameter_gradients

    params, X, y = _small_network()
    checker = _Checker("mlp_loss_and_grads", mlp_loss_and_grads, ("params", "X", "y"))
    checker.call(params, X, y)
    errors = check_parameter_gradients(mlp_loss_and_grads, params, X, y)
    wrong = [key for key, error in errors.items() if not error < tolerance]
    if wrong:
        checker.fail(_("gradient check of mlp_loss_and_grads on a 5 -> 4 -> 3 network"),
                     _("the gradients of {names} disagree with finite differences "
                       "of your loss").format(names=", ".join(wrong)),
                     _("relative errors below {tolerance}").format(tolerance=f"{tolerance:g}"),
                     N_("a backward pass that does not match the forward pass: run the check "
                        "cell of mlp_loss_and_grads, which names the usual mistakes."))
    print(_("✔ every gradient agrees with finite differences (largest relative error "
            "{error}).").format(error=f"{max(errors.values()):.0e}"))


def check_mlp_training(mlp_loss_and_grads, adam_step, data, epochs=20, min_accuracy=0.95):
    """Train the student's network with the student's Adam; test accuracy must reach the bar.

    The settings are fixed: 64 hidden units, seed 0, batches of 128, ``lr=0.003``.
    """
    from .training import accuracy, init_mlp, train

    params, X, y = _small_network()
    checker = _Checker("mlp_loss_and_grads", mlp_loss_and_grads, ("params", "X", "y"))
    checker.call(params, X, y)
    zeros = np.zeros(2)
    _Checker("adam_step", adam_step, ("theta", "grad", "m", "v", "t")).call(
        zeros, np.ones(2), zeros, zeros, 1)

    params = init_mlp(data.X_train.shape[1], 64, data.n_classes, seed=0)
    history = train(mlp_loss_and_grads, params, data, adam_step, epochs, lr=0.003,
                    progress=False)
    test = accuracy(history.params, data.X_test, data.y_test)
    if not test >= min_accuracy:
        raise CheckFailed(
            "mlp_loss_and_grads", _("training your network with your adam_step for {epochs} "
                                    "epochs (64 hidden units, seed 0, batches of 128, "
                                    "lr=0.003)").format(epochs=epochs),
            _("reached {accuracy} test accuracy (training loss {loss})").format(
                accuracy=f"{test:.1%}", loss=f"{history.train_loss[-1]:.3f}"),
            _("at least {accuracy}").format(accuracy=f"{min_accuracy:.0%}"),
            N_("a network or an optimizer that does not learn: run the check cells of "
               "mlp_loss_and_grads and adam_step, which name the usual mistakes."),
            fix=_("Fix what those checks report, save the files and re-run this cell."))
    print(_("✔ test accuracy after {epochs} epochs with your Adam: {accuracy} "
            "(at least {needed} needed).").format(epochs=epochs, accuracy=f"{test:.1%}",
                                                  needed=f"{min_accuracy:.0%}"))
