"""What the course is made of: its notebooks and its exercise modules.

This is the one manifest that the release step, ``make submit`` and the grader
read. Adding a notebook or an exercise module means adding it here.
"""

from pathlib import PurePosixPath

#: Notebooks in course order; each is one nbgrader assignment of the same name,
#: stored as ``notebooks/<name>/<name>.ipynb``.
NOTEBOOKS = (
    "01_loss",
    "02_gradient_descent",
    "03_learning_rate",
    "04_sgd",
    "05_momentum",
    "06_adam",
    "07_training",
)

#: Exercise modules of ``src/descentlab/`` and the functions students write in
#: each. These files, and only these, are taken from a student's submission.
EXERCISES = {
    "losses": ("mse", "mse_grad", "linear_mse_grad"),
    "optimizers": ("gd_step", "momentum_step", "adam_step",
                   "nesterov_step", "rmsprop_step", "adagrad_step"),
    "schedules": ("max_stable_lr", "exponential_decay"),
    "batches": ("minibatch_indices",),
    "network": ("dense_forward", "dense_backward", "relu_forward", "relu_backward",
                "softmax_cross_entropy", "mlp_loss_and_grads"),
}


#: Key terms of the course note, in English and in the note's Chinese.
GLOSSARY = (
    ("loss", "损失函数"),
    ("MSE", "均方误差"),
    ("gradient descent", "梯度下降"),
    ("stochastic gradient descent", "随机梯度下降"),
    ("batch / mini-batch", "批量 / 小批量"),
    ("learning rate", "学习率"),
    ("momentum", "动量"),
    ("Adam (adaptive moment estimation)", "自适应矩估计"),
    ("backpropagation", "反向传播"),
    ("cross-entropy", "交叉熵"),
    ("optimizer", "优化器"),
)


def notebook_path(name):
    """Repository-relative path of a notebook, e.g. ``notebooks/01_loss/01_loss.ipynb``."""
    return PurePosixPath("notebooks", name, f"{name}.ipynb")


def module_path(module):
    """Repository-relative path of an exercise module, e.g. ``src/descentlab/losses.py``."""
    return PurePosixPath("src", "descentlab", f"{module}.py")


def submission_paths():
    """Every repository-relative path a submission may contain, in a fixed order."""
    return [notebook_path(n) for n in NOTEBOOKS] + [module_path(m) for m in EXERCISES]


def module_of(function_name):
    """Exercise module that holds ``function_name`` (``'mse'`` -> ``'losses'``)."""
    for module, functions in EXERCISES.items():
        if function_name in functions:
            return module
    raise KeyError(f"{function_name!r} is not an exercise function of the course")
