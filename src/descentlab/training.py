"""Training models on real data with mini-batches (provided code, notebook 07).

The data are scikit-learn's bundled handwritten digits (1,797 images of 8x8
pixels, 10 classes), which ship inside the package, and synthetic movie
reviews made by :func:`bag_of_words`: nothing is downloaded. Models are dicts
of parameter arrays; :func:`train` flattens them into one vector so that every
step function of the course (the student's included) trains them unchanged.
"""

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from tqdm.auto import tqdm

from .i18n import _
from .runner import Stepper, describe

#: A training loss above this (or NaN) means the run diverged; training stops.
DIVERGED = 1e6


@dataclass(frozen=True)
class Split:
    """A fixed train / validation / test split of examples ``X`` and their classes ``y``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


@dataclass(frozen=True)
class Dataset(Split):
    """The digits' split, features standardised on the training part."""

    pixel_mean: np.ndarray
    pixel_std: np.ndarray

    def images(self, X):
        """Standardised rows ``X`` of shape (n, 64) back as the (n, 8, 8) pixel images, 0 to 16."""
        return (X * self.pixel_std + self.pixel_mean).reshape(-1, 8, 8)


def digits(n_val=300, n_test=300, seed=0):
    """The digits split into train (1,197), validation (300) and test (300) examples.

    Each pixel is standardised with the training part's mean and standard
    deviation (pixels that are constant there are only centred), so every input
    has a similar scale, which is what plain gradient descent needs (notebook 06).
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order].astype(float), y[order]
    test, val = slice(0, n_test), slice(n_test, n_test + n_val)
    train = slice(n_test + n_val, None)
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0
    X = (X - mean) / std
    return Dataset(X[train], y[train], X[val], y[val], X[test], y[test], int(y.max()) + 1,
                   mean, std)


@dataclass(frozen=True)
class BagOfWords(Split):
    """Synthetic documents as binary bag-of-words vectors, in a :class:`Split`.

    Attributes
    ----------
    X_train, X_val, X_test : scipy.sparse.csr_array of float, shape (n, V)
        ``X[i, j]`` is 1.0 if word ``j`` occurs in document ``i``, else 0.0; words
        are numbered by frequency rank, most frequent first.
    y_train, y_val, y_test : numpy.ndarray of int, shape (n,)
        The class of each document, 0 or 1 (a negative or a positive review).
    n_classes : int
        2.
    word_probability : numpy.ndarray, shape (2, V)
        Probability of each word at each position of a document of class 0 and 1.
    informative : numpy.ndarray of int, shape (k,)
        The words whose probability depends on the class.
    doc_length : int
        Words per document, counted with repeats.
    """

    word_probability: np.ndarray
    informative: np.ndarray
    doc_length: int

    def document_frequency(self):
        r"""Expected fraction of the documents of each class that contain each word.

        .. math:: P(x_j = 1 \mid c) = 1 - (1 - q_{cj})^{L}

        for the word probabilities :math:`q_{cj}` and the document length :math:`L`.

        Returns
        -------
        numpy.ndarray, shape (2, V)
        """
        return 1.0 - (1.0 - self.word_probability) ** self.doc_length


def bag_of_words(n_train=2500, n_val=500, n_test=500, vocabulary=10_000, doc_length=200,
                 zipf=1.0, informative=500, stop_words=50, tilt=3.0, seed=0):
    r"""Synthetic movie reviews as sparse binary bag-of-words vectors (nothing downloaded).

    Stands in for the IMDB reviews of Kingma & Ba's Figure 1 (right). Word
    frequencies follow Zipf's law: the word of rank :math:`r` has probability
    :math:`p_r \propto r^{-s}`. A document is drawn in three steps:

    1. its class :math:`c \in \{0, 1\}`, each with probability 1/2;
    2. its :math:`L` words (``doc_length``), independently, word :math:`j` with probability
       :math:`q_{cj} \propto p_j m_{cj}`, where :math:`m_{cj}` is ``tilt`` if
       :math:`j` is one of class :math:`c`'s informative words and 1 otherwise;
    3. its features :math:`x_j = 1` if word :math:`j` occurred at least once, else 0.

    The ``informative`` words (half for each class) are drawn uniformly from all
    words but the first ``stop_words`` ("the", "a", ...: frequent and neutral).
    Since most words of a Zipf vocabulary are rare, so are most informative
    words: their features are nonzero in few documents, hence their gradients
    are zero in most mini-batches, while the frequent neutral words are present
    in nearly every document.

    The defaults keep the paper's vocabulary of 10,000 words and a tenth of
    IMDB's 25,000 training reviews; the rarest words are then expected in
    about 2 documents in 1,000.

    Parameters
    ----------
    n_train, n_val, n_test : int, default=2500, 500, 500
        Documents in each part; all are drawn independently.
    vocabulary : int, default=10_000
        :math:`V`, the number of words (features).
    doc_length : int, default=200
        :math:`L`, words per document, counted with repeats.
    zipf : float, default=1.0
        The exponent :math:`s` of Zipf's law.
    informative : int, default=500
        Words whose probability depends on the class (an even number).
    stop_words : int, default=50
        The most frequent words, never informative.
    tilt : float, default=3.0
        How many times likelier an informative word is in its own class than
        Zipf's law alone makes it.
    seed : int, default=0

    Returns
    -------
    BagOfWords

    Raises
    ------
    ValueError
        If ``informative`` is odd or larger than ``vocabulary - stop_words``.
    """
    if informative % 2 or informative > vocabulary - stop_words:
        raise ValueError(_("informative must be even and at most vocabulary - stop_words"))
    rng = np.random.default_rng(seed)
    base = np.arange(1, vocabulary + 1, dtype=float) ** -zipf
    chosen = stop_words + rng.choice(vocabulary - stop_words, size=informative, replace=False)
    weights = np.tile(base, (2, 1))
    weights[0, chosen[: informative // 2]] *= tilt
    weights[1, chosen[informative // 2:]] *= tilt
    q = weights / weights.sum(axis=1, keepdims=True)
    n = n_train + n_val + n_test
    y = rng.integers(0, 2, size=n)
    words = np.empty((n, doc_length), dtype=np.int64)
    for c in (0, 1):
        words[y == c] = rng.choice(vocabulary, size=(np.sum(y == c), doc_length), p=q[c])
    # Stored sparse (scipy.sparse, CSR format): a document holds few of the words,
    # and a product with a sparse array costs in proportion to its nonzero entries.
    # Repeated words add up to counts, which become 1.0: the feature is presence.
    X = sparse.csr_array((np.ones(words.size), (np.repeat(np.arange(n), doc_length),
                                                 words.ravel())), shape=(n, vocabulary))
    X.sum_duplicates()
    X.data[:] = 1.0
    train, val = slice(0, n_train), slice(n_train, n_train + n_val)
    test = slice(n_train + n_val, None)
    return BagOfWords(X[train], y[train], X[val], y[val], X[test], y[test], 2, q,
                      np.sort(chosen), doc_length)


def init_mlp(d, h, k, seed=0):
    """Parameters of a d -> h -> k network: He-initialised weights, zero biases.

    Returns
    -------
    dict
        ``W1`` (d, h) with standard deviation sqrt(2/d), ``b1`` (h,),
        ``W2`` (h, k) with standard deviation sqrt(1/h), ``b2`` (k,).
    """
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0.0, np.sqrt(2.0 / d), size=(d, h)), "b1": np.zeros(h),
            "W2": rng.normal(0.0, np.sqrt(1.0 / h), size=(h, k)), "b2": np.zeros(k)}


def init_logistic(d, k):
    """Parameters of multiclass logistic regression: ``W`` (d, k) and ``b`` (k,), zeros."""
    return {"W": np.zeros((d, k)), "b": np.zeros(k)}


def log_softmax(Z):
    """Row-wise log of the softmax of scores ``Z`` (n, k), shifted so nothing overflows."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def logistic_loss_and_grads(params, X, y, weight_decay=1e-4):
    r"""L2-regularised multiclass logistic regression, as in Kingma & Ba's Figure 1.

    .. math:: L = \frac{1}{n}\sum_i -\log \mathrm{softmax}(XW + b)_{i, y_i}
                  + \frac{\lambda}{2}\lVert W\rVert^2

    with gradients :math:`dW = X^\top (P - Y)/n + \lambda W`, :math:`db = \sum_i (P - Y)_i / n`.
    Same call as the exercise ``mlp_loss_and_grads``: ``(params, X, y) -> (loss, grads)``.
    """
    W, b = params["W"], params["b"]
    n = X.shape[0]  # not len(X), which a scipy.sparse array does not have
    log_P = log_softmax(X @ W + b)
    loss = -log_P[np.arange(n), y].mean() + weight_decay / 2 * np.sum(W**2)
    dZ = np.exp(log_P)
    dZ[np.arange(n), y] -= 1.0
    dZ /= n
    return float(loss), {"W": X.T @ dZ + weight_decay * W, "b": dZ.sum(axis=0)}


def scores(params, X):
    """Class scores of either model: the network if ``params`` has ``W1``, else logistic."""
    if "W1" in params:
        return np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]
    return X @ params["W"] + params["b"]


def accuracy(params, X, y):
    """Fraction of examples whose highest score is the true class."""
    return float(np.mean(scores(params, X).argmax(axis=1) == y))


class Packer:
    """Turns dicts of arrays shaped like ``params`` into one vector and back.

    Packing goes by ``params``' keys, so a dict of gradients packs in the same
    order whatever order its keys were written in.
    """

    def __init__(self, params):
        self.keys = list(params)
        self.shapes = [np.shape(params[key]) for key in self.keys]
        self.splits = np.cumsum([int(np.prod(shape)) for shape in self.shapes])[:-1]

    def pack(self, arrays):
        return np.concatenate([np.ravel(arrays[key]) for key in self.keys]).astype(float)

    def unpack(self, vector):
        parts = np.split(vector, self.splits)
        return {key: part.reshape(shape)
                for key, part, shape in zip(self.keys, parts, self.shapes, strict=True)}


def inverse_sqrt(t):
    r"""The factor :math:`1/\sqrt{t}` of the step size at step :math:`t` (1-based).

    With :func:`train`'s ``decay=inverse_sqrt`` the rate is :math:`\alpha_t = \alpha/\sqrt{t}`,
    as in Kingma & Ba's logistic-regression experiments (§6.1), where it matches
    the decay their convergence theorem assumes (§4).
    """
    return 1.0 / np.sqrt(t)


def drop_features(X, p, rng):
    r"""Inverted dropout on inputs: each entry zeroed with probability ``p``, the rest scaled.

    .. math:: \tilde x_{ij} = x_{ij}\, \xi_{ij} / (1 - p), \qquad
              \xi_{ij} \sim \mathrm{Bernoulli}(1 - p)

    so that :math:`\mathbb{E}[\tilde x_{ij}] = x_{ij}`. Only the nonzero entries need
    random numbers (a zero stays zero), which keeps sparse bags of words cheap.

    Parameters
    ----------
    X : numpy.ndarray or scipy.sparse array, shape (n, d)
        Inputs. Not changed.
    p : float
        Probability of dropping an entry, in [0, 1).
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray or scipy.sparse array, shape (n, d)
        Of the same kind as ``X``.
    """
    if sparse.issparse(X):
        noisy = X.astype(float, copy=True)
        noisy.data *= (rng.random(noisy.data.size) >= p) / (1.0 - p)
        return noisy
    rows, cols = np.nonzero(X)
    kept = rng.random(rows.size) >= p
    noisy = np.zeros_like(X, dtype=float)
    noisy[rows, cols] = X[rows, cols] * kept / (1.0 - p)
    return noisy


@dataclass
class History:
    """Per-epoch record of one training run (epoch 0 is before training)."""

    label: str
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    params: dict = field(default_factory=dict)


def train(loss_and_grads, params, data, step, epochs, batch_size=128, seed=0, label=None,
          progress=True, decay=None, dropout=0.0, **hyper):
    r"""Train with mini-batches: every step uses the gradient of one random batch.

    Parameters
    ----------
    loss_and_grads : callable
        ``(params, X, y) -> (loss, grads)``, e.g. the student's ``mlp_loss_and_grads``.
    params : dict of str to numpy.ndarray
        Initial parameters (not changed).
    data : Dataset or BagOfWords
        Anything with ``X_train``, ``y_train``, ``X_val`` and ``y_val``.
    step : callable
        A step function, e.g. ``optimizers.adam_step``.
    epochs : int
        Passes over the training data, in a fresh random order each time.
    batch_size : int, default=128
        Examples per step (the last batch of an epoch may be smaller).
    seed : int, default=0
        Seed of the batch order: the same seed gives the same run.
    progress : bool, default=True
        Show a progress bar (tqdm) over the epochs.
    decay : callable, optional
        ``decay(t) -> float``: step ``t`` of the run (1-based, counted across
        epochs) is taken with the rate ``hyper['lr'] * decay(t)`` instead of
        ``hyper['lr']``, e.g. :func:`inverse_sqrt` for :math:`\alpha_t = \alpha/\sqrt{t}`.
        The step function only ever sees a plain ``lr``, so any optimizer of
        the course (the student's included) is decayed the same way.
    dropout : float, default=0.0
        Probability :math:`p` that an input feature of a training batch is set to
        zero, independently per example and feature, before the gradient is
        taken; the features kept are divided by :math:`1 - p` so that each
        feature's expected value is unchanged ("inverted" dropout, as
        ``torch.nn.Dropout(p)``). The recorded losses and accuracies use the
        clean data. The noise has its own random stream, so ``dropout=0`` gives
        the same run as without the option.
    **hyper
        Hyperparameters of ``step``, e.g. ``lr=0.001``.

    Returns
    -------
    History
        Training and validation loss and accuracy after each epoch, and the
        final parameters.

    Raises
    ------
    ValueError
        If ``decay`` is given without ``lr`` in ``hyper``, or ``dropout`` is not in [0, 1).
    """
    if decay is not None and "lr" not in hyper:
        raise ValueError(_("decay scales the rate lr: pass lr=... as well"))
    if not 0.0 <= dropout < 1.0:
        raise ValueError(_("dropout must be in [0, 1), not {dropout}").format(dropout=dropout))
    packer = Packer(params)
    theta = packer.pack(params)
    stepper = Stepper(step, theta, hyper)
    history = History(label or describe(step, hyper))
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng([seed, 1])  # dropout's own stream: batch order unchanged
    n = len(data.y_train)

    def record():
        current = packer.unpack(theta)
        history.train_loss.append(loss_and_grads(current, data.X_train, data.y_train)[0])
        history.val_loss.append(loss_and_grads(current, data.X_val, data.y_val)[0])
        history.train_acc.append(accuracy(current, data.X_train, data.y_train))
        history.val_acc.append(accuracy(current, data.X_val, data.y_val))

    record()
    # The loop variables are not named `_`: that would hide the translation function `_`.
    for _epoch in tqdm(range(epochs), desc=history.label, disable=not progress, leave=False):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            X = data.X_train[batch]
            if dropout:
                X = drop_features(X, dropout, noise)
            if decay is not None:
                stepper.hyper["lr"] = hyper["lr"] * decay(stepper.t + 1)
            grads = loss_and_grads(packer.unpack(theta), X, data.y_train[batch])[1]
            theta = stepper(theta, packer.pack(grads))
        record()
        if not history.train_loss[-1] < DIVERGED:
            break
    history.params = packer.unpack(theta)
    return history


def sweep(loss_and_grads, init, data, step, lrs, epochs, **hyper):
    """Train once per learning rate and keep the run with the lowest final validation loss.

    Choosing by validation loss, not training loss, keeps rates that merely
    memorise the training data (or explode and then collapse) from winning.

    Parameters
    ----------
    init : callable
        ``init() -> params``, called afresh for every run.
    lrs : sequence of float
        Learning rates to try.

    Returns
    -------
    best : History
        The run with the lowest validation loss after ``epochs`` epochs.
    finals : dict of float to float
        Final validation loss for every learning rate (NaN where a run diverged).

    Raises
    ------
    ValueError
        If every rate diverged: there is no best run, and the message says so.
    """
    runs = {lr: train(loss_and_grads, init(), data, step, epochs, progress=False,
                      lr=lr, **hyper) for lr in lrs}
    finals = {lr: run.val_loss[-1] if run.train_loss[-1] < DIVERGED else np.nan
              for lr, run in runs.items()}
    usable = [lr for lr in lrs if np.isfinite(finals[lr])]
    if not usable:
        message = _("every learning rate in {rates} diverged (training loss above "
                    "{limit:g} or not finite): try smaller rates")
        raise ValueError(message.format(rates=list(lrs), limit=DIVERGED))
    return runs[min(usable, key=finals.get)], finals


@dataclass
class Replicates:
    """Runs of one optimizer setting that differ only in their seed.

    The seed orders the mini-batches (and draws the dropout noise); the
    initial parameters are the same for every run.

    Attributes
    ----------
    label : str
        Legend text, e.g. ``"adam, lr=0.01"``.
    setting : dict
        The hyperparameters of the runs, e.g. ``{"lr": 0.01}``.
    runs : list of History
        One run per seed.
    """

    label: str
    setting: dict
    runs: list

    def curves(self, metric="train_loss"):
        """``metric`` after each epoch of every run, shape (seeds, epochs + 1)."""
        return np.array([getattr(run, metric) for run in self.runs], dtype=float)

    def final(self, metric="train_loss"):
        """``metric`` after the last epoch, averaged over the seeds."""
        return float(self.curves(metric)[:, -1].mean())


def replicate(loss_and_grads, init, data, step, setting, epochs, seeds, label=None, **fixed):
    """Train one setting once per seed.

    Parameters
    ----------
    loss_and_grads, data, step, epochs
        As for :func:`train`.
    init : callable
        ``init() -> params``, called afresh for every run.
    setting : dict
        Hyperparameters of ``step``, e.g. ``{"lr": 0.1, "beta": 0.9}``.
    seeds : sequence of int
        One run per seed.
    label : str, optional
        Legend text; default: the step's name and ``setting``.
    **fixed
        Passed to every run of :func:`train`, e.g. ``decay=inverse_sqrt`` or ``dropout=0.5``.

    Returns
    -------
    Replicates
    """
    runs = [train(loss_and_grads, init(), data, step, epochs, seed=seed, progress=False,
                  **fixed, **setting) for seed in seeds]
    return Replicates(label or describe(step, setting), dict(setting), runs)


def grid_search(loss_and_grads, init, data, step, grid, epochs, seeds=(0,), by="train_loss",
                **fixed):
    """Train every combination of a grid of hyperparameters; keep the best.

    The protocol of Kingma & Ba (2014, §6): hyperparameters "such as learning
    rate and momentum, are searched over a dense grid and the results are
    reported using the best hyper-parameter setting". Best here is the lowest
    ``by`` after the last epoch, averaged over ``seeds``; a setting with a
    diverged run (training loss above :data:`DIVERGED` or not finite) is out.

    Parameters
    ----------
    loss_and_grads, data, step, epochs
        As for :func:`train`.
    init : callable
        ``init() -> params``, called afresh for every run.
    grid : dict of str to sequence
        Values to try per hyperparameter of ``step``, e.g.
        ``{"lr": [0.01, 0.1], "beta": [0.9, 0.99]}``: all combinations are run.
    seeds : sequence of int, default=(0,)
        One run per seed for every setting.
    by : str, default="train_loss"
        The :class:`History` field to minimise, e.g. ``"val_loss"``.
    **fixed
        Passed to every run of :func:`train`, e.g. ``decay=inverse_sqrt``,
        ``dropout=0.5`` or hyperparameters of ``step`` that are not searched.

    Returns
    -------
    best : Replicates
        The runs of the best setting, one per seed.
    table : dict of tuple to float
        For every setting (its values, in the order of ``grid``'s keys) the
        mean final ``by`` over the seeds, NaN if a run diverged.

    Raises
    ------
    ValueError
        If every setting diverged.
    """
    best, table = None, {}
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        replicates = replicate(loss_and_grads, init, data, step, setting, epochs, seeds, **fixed)
        if any(not run.train_loss[-1] < DIVERGED for run in replicates.runs):
            table[values] = np.nan
            continue
        table[values] = replicates.final(by)
        if best is None or table[values] < table[tuple(best.setting.values())]:
            best = replicates
    if best is None:
        message = _("every setting of {grid} diverged (training loss above {limit:g} "
                    "or not finite): try smaller rates")
        raise ValueError(message.format(grid=grid, limit=DIVERGED))
    return best, table
