"""Mini-batches for stochastic gradient descent (notebook 04).

Exercise module: fill in the function below, then run the check cells of
``notebooks/04_sgd/04_sgd.ipynb``.
"""


def minibatch_indices(n, batch_size, rng):
    r"""The mini-batches of one epoch: a random order of the examples, cut into batches.

    Draw one random order of the ``n`` examples, ``rng.permutation(n)``, and cut it
    into consecutive pieces of ``batch_size``: the first ``batch_size`` indices
    form the first batch, the next ``batch_size`` the second, and so on. When
    ``n`` is not a multiple of ``batch_size`` the last batch is smaller (it is
    kept, not dropped). So one epoch visits every example exactly once, in
    :math:`\lceil n / B \rceil` steps.

    The same as ``torch.utils.data.DataLoader(dataset, batch_size, shuffle=True)``
    (``drop_last=False``) or ``tf.data.Dataset.shuffle(n).batch(batch_size)``.

    Parameters
    ----------
    n : int
        Number of examples, :math:`n \ge 1`.
    batch_size : int
        :math:`B`, with :math:`1 \le B`; :math:`B = 1` is stochastic gradient
        descent, :math:`B \ge n` one full batch.
    rng : numpy.random.Generator
        The only source of randomness (not ``np.random``'s global state), so
        that a run is reproducible from its seed.

    Returns
    -------
    list of numpy.ndarray
        Integer arrays of indices, of shape ``(batch_size,)`` except perhaps the
        last; together a permutation of ``0 .. n-1``.
    """
    ### BEGIN SOLUTION
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
    ### END SOLUTION
