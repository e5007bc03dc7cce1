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

#: Every term of the course for the glossary page: English, Chinese (the note's
#: terms, else those of d2l-zh), what it is, and the notebook that teaches it.
TERMS = (
    ("parameters (weights, biases)", "参数（权重、偏置）",
     "the numbers a model learns", "01"),
    ("loss (function)", "损失函数", "one number that says how wrong the predictions are", "01"),
    ("mean squared error (MSE)", "均方误差", "the mean of the squared errors", "01"),
    ("gradient", "梯度", "the vector of partial derivatives; the direction of steepest ascent",
     "01"),
    ("gradient descent", "梯度下降", "step against the gradient, repeatedly", "02"),
    ("learning rate", "学习率", "the size of each step, a multiple of the gradient", "03"),
    ("learning-rate decay", "学习率衰减", "a learning rate that shrinks as training goes on",
     "03"),
    ("stochastic gradient descent (SGD)", "随机梯度下降",
     "gradient descent on the gradient of a random sample of the data", "04"),
    ("batch / mini-batch", "批量 / 小批量", "the examples one step's gradient is computed on",
     "04"),
    ("epoch", "轮（迭代周期）", "one pass over the whole training set", "04"),
    ("momentum", "动量", "a step that keeps part of the previous steps", "05"),
    ("Nesterov momentum", "Nesterov 动量", "momentum with the gradient taken ahead", "05"),
    ("Adam (adaptive moment estimation)", "Adam（自适应矩估计）",
     "steps scaled per parameter by running averages of the gradient and its square", "06"),
    ("bias correction", "偏差修正", "Adam's division by 1 − β^t", "06"),
    ("weight decay", "权重衰减", "shrinking the weights a little at every step", "06"),
    ("optimizer", "优化器", "the rule that turns gradients into parameter updates", "06"),
    ("backpropagation", "反向传播", "the chain rule applied from the loss back to each "
     "parameter", "07"),
    ("chain rule", "链式法则", "the derivative of a composition is the product of derivatives",
     "07"),
    ("forward pass", "前向传播", "computing the predictions and the loss from the inputs", "07"),
    ("activation function (ReLU)", "激活函数（ReLU）", "the nonlinearity between layers", "07"),
    ("softmax", "softmax", "scores turned into probabilities that sum to one", "07"),
    ("cross-entropy", "交叉熵", "the loss of a classifier: minus the log probability of the "
     "right class", "07"),
    ("overfitting", "过拟合", "fitting the training data's noise; validation loss rises", "07"),
    ("hyperparameter", "超参数", "a setting chosen before training, such as the learning rate",
     "03"),
)


#: The editions of the course: language to the folder of its notebooks. The
#: Chinese edition is built from the English one and translation catalogues; both
#: are graded alike, and a submission holds either as ``notebooks/<name>/<name>.ipynb``.
EDITIONS = {"en": "notebooks", "zh_CN": "notebooks-zh"}


def notebook_path(name, language="en"):
    """Repository-relative path of a notebook, e.g. ``notebooks/01_loss/01_loss.ipynb``."""
    return PurePosixPath(EDITIONS[language], name, f"{name}.ipynb")


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
