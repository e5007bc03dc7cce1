"""Pictures of the course (provided code).

Every function takes the functions to draw as arguments, so the student's own
code (``losses.mse``, ``losses.linear_mse_grad``, ...) drives every picture.
Each returns the matplotlib ``Figure`` it drew; in a notebook assign it
(``fig = plots.loss_contour(...)``) so that it is shown once.
"""

import base64
import dataclasses
import functools
import io
import warnings

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from matplotlib import animation, font_manager

from .i18n import _, language

#: One colour per role, the same in every notebook.
COLORS = {
    "data": "#4c72b0",
    "loss": "#222222",
    "tangent": "#dd8452",
    "gradient": "#c44e52",
    "minimum": "#55a868",
}
CANDIDATE_COLORS = ("#8172b3", "#dd8452", "#55a868", "#c44e52")
#: One colour per optimizer, the same in every notebook; other traces cycle.
OPTIMIZER_COLORS = {"gd": "#4c72b0", "momentum": "#dd8452", "nesterov": "#937860",
                    "adam": "#55a868", "rmsprop": "#8172b3", "adagrad": "#da8bc3"}
OTHER_COLORS = ("#4c72b0", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
#: Fonts with Chinese characters, best first: the first one installed draws the
#: Chinese text of the Chinese edition's pictures.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "PingFang SC", "SimHei")


def use_cjk_fonts():
    """Let matplotlib draw Chinese text when the course speaks Chinese.

    In English this does nothing, so English pictures are drawn exactly as before.
    Otherwise the first installed of :data:`CJK_FONTS` is appended to
    ``rcParams["font.family"]``: matplotlib (3.6 and later) draws each character
    with the first font of that list that has it, so Latin letters, digits and
    maths symbols keep their usual font (DejaVu Sans) and only Chinese falls
    through to the CJK font. The setting is global, not a context, because a
    notebook draws its figures after the cell that made them has returned.

    If no CJK font is installed, warns once and silences matplotlib's
    "Glyph ... missing from font" warning, which would otherwise repeat for
    every Chinese character.

    Returns
    -------
    str or None
        The CJK font in use, or None (English, or no CJK font installed).
    """
    if language().startswith("en"):
        return None
    font = _cjk_font()
    # Checked on every call: plt.rcdefaults() or a style may have reset the family.
    if font is not None and font not in plt.rcParams["font.family"]:
        plt.rcParams["font.family"] = [*plt.rcParams["font.family"], font]
    return font


@functools.cache
def _cjk_font():
    """The first of :data:`CJK_FONTS` matplotlib can use, or None after warning (once)."""
    manager = font_manager.fontManager

    def first_installed():
        names = {entry.name for entry in manager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    font = first_installed()
    if font is None:
        # matplotlib lists the fonts once, in a cache file made the first time it
        # ran, so a CJK font installed since (the usual fix) is missing from the
        # list: add the system's font files it does not know and look again.
        known = {entry.fname for entry in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # a file FreeType cannot read is no font for us
        font = first_installed()
    if font is None:
        warnings.warn(_("No Chinese font found, so the Chinese text of the plots shows as "
                        "empty boxes. Install a CJK font such as Noto Sans CJK (e.g. "
                        "`sudo apt install fonts-noto-cjk`) and restart the kernel."),
                      stacklevel=2)
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font",
                                category=UserWarning)
    return font


def _subplots(*args, **kwargs):
    """``plt.subplots``, with Chinese text drawable first (:func:`use_cjk_fonts`)."""
    use_cjk_fonts()
    return plt.subplots(*args, **kwargs)


def lines_and_losses(x, y, candidates, loss):
    """Data with candidate lines ``w0 + w1 x``, each labelled with its loss.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n,)
        The examples.
    candidates : sequence of array_like, each shape (2,)
        Intercept and slope of each line to draw.
    loss : callable
        ``loss(y_true, y_pred) -> float``, e.g. ``losses.mse``.
    """
    fig, ax = _subplots(figsize=(6, 4))
    ax.scatter(x, y, s=18, color=COLORS["data"], label=_("data"), zorder=3)
    grid = np.linspace(x.min(), x.max(), 2)
    for (w0, w1), color in zip(candidates, CANDIDATE_COLORS, strict=False):
        value = loss(y, w0 + w1 * x)
        ax.plot(grid, w0 + w1 * grid, color=color, lw=2,
                label=_("y = {intercept:g} + {slope:g} x:  loss {loss:.3f}").format(
                    intercept=w0, slope=w1, loss=value))
    ax.set(xlabel="x", ylabel="y",
           title=_("The loss scores how far each line is from the data"))
    ax.legend(loc="upper left", fontsize=8)
    return fig


def loss_curve_with_tangents(loss, grad, points, span):
    """A 1-parameter loss ``loss(w)`` with its tangent drawn at each of ``points``.

    The tangent at ``w`` has slope ``grad(w)``: if the gradient is right it
    touches the curve there, and points uphill; gradient descent steps the other way.

    Parameters
    ----------
    loss : callable
        ``loss(w: float) -> float``.
    grad : callable
        ``grad(w: float) -> float``, the derivative to draw.
    points : sequence of float
        Where to draw tangents.
    span : tuple of float
        ``(low, high)`` range of ``w`` to plot.
    """
    ws = np.linspace(*span, 201)
    values = np.array([loss(w) for w in ws])
    fig, ax = _subplots(figsize=(6, 4))
    ax.plot(ws, values, color=COLORS["loss"], lw=2, label=_("loss L(w)"))
    half_width = (span[1] - span[0]) / 8
    for w in points:
        slope = float(grad(w))
        around = np.array([w - half_width, w + half_width])
        ax.plot(around, loss(w) + slope * (around - w), color=COLORS["tangent"], lw=2)
        ax.plot(w, loss(w), "o", color=COLORS["tangent"])
        ax.annotate(_("slope {slope:.2f}").format(slope=slope), (w, loss(w)),
                    textcoords="offset points", xytext=(0, 10), ha="center", fontsize=8)
    ax.set(xlabel="w", ylabel=_("loss"), ylim=(0, values.max() * 1.05),
           title=_("Tangents with slope = your gradient"))
    ax.legend(loc="upper center")
    return fig


def loss_contour(loss, center, span, grad=None, minimum=None):
    """Contour plot of a 2-parameter loss, with downhill arrows ``-grad`` if given.

    Parameters
    ----------
    loss : callable
        ``loss(w: ndarray of shape (2,)) -> float``.
    center : array_like, shape (2,)
        Middle of the plotted square.
    span : float
        Half the side of the square.
    grad : callable, optional
        ``grad(w) -> ndarray of shape (2,)``; arrows show ``-grad(w)``, the
        direction gradient descent moves, on a coarse grid.
    minimum : array_like, shape (2,), optional
        Point to mark as the minimum.
    """
    center = np.asarray(center, dtype=float)
    w0 = np.linspace(center[0] - span, center[0] + span, 81)
    w1 = np.linspace(center[1] - span, center[1] + span, 81)
    values = np.array([[loss(np.array([a, b])) for a in w0] for b in w1])
    fig, ax = _subplots(figsize=(5.5, 5))
    levels = np.quantile(values, np.linspace(0, 1, 16) ** 2)
    contour = ax.contour(w0, w1, values, levels=np.unique(levels), cmap="viridis")
    ax.clabel(contour, fontsize=7, fmt="%.2f")
    if grad is not None:
        coarse0, coarse1 = w0[5::10], w1[5::10]
        arrows = np.array([[-np.asarray(grad(np.array([a, b]))) for a in coarse0]
                           for b in coarse1])
        ax.quiver(coarse0, coarse1, arrows[..., 0], arrows[..., 1],
                  color=COLORS["gradient"], angles="xy", label=_("-gradient (downhill)"))
    if minimum is not None:
        ax.plot(*minimum, "*", ms=14, color=COLORS["minimum"], label=_("minimum"))
    ax.set(xlabel=_("w0 (intercept)"), ylabel=_("w1 (slope)"), aspect="equal",
           title=_("Loss surface of the linear model"))
    if grad is not None or minimum is not None:
        ax.legend(loc="upper right", fontsize=8)
    return fig


def trace_colors(traces):
    """Colours for traces (or training histories): each optimizer's own (the label's
    first word) when they are all different optimizers, else a cycle, so that runs
    of one optimizer with different settings can be told apart."""
    names = [trace.label.split(",")[0].split()[0].lower() for trace in traces]
    if len(set(names)) == len(names) and all(n in OPTIMIZER_COLORS for n in names):
        return [OPTIMIZER_COLORS[n] for n in names]
    return [OTHER_COLORS[i % len(OTHER_COLORS)] for i in range(len(traces))]


def _landscape(problem, ax):
    """Draw the loss: a curve for 1 parameter, contours (log-spaced) for 2."""
    if len(problem.window) == 1:
        xs = np.linspace(*problem.window[0], 201)
        ax.plot(xs, [problem.loss(np.array([x])) for x in xs], color=COLORS["loss"], lw=1.5)
        ax.set(xlabel="θ", ylabel=_("loss"), xlim=problem.window[0])
        return
    (x0, x1), (y0, y1) = problem.window
    xs, ys = np.linspace(x0, x1, 121), np.linspace(y0, y1, 121)
    values = np.array([[problem.loss(np.array([x, y])) for x in xs] for y in ys])
    low = max(values.min(), 1e-3 * values.max(), 1e-12)
    levels = np.geomspace(low, values.max(), 14)
    ax.contour(xs, ys, values, levels=levels, cmap="viridis", linewidths=0.8)
    ax.plot(*problem.minimum, "*", ms=12, color=COLORS["minimum"])
    similar_spans = 1 / 3 < (x1 - x0) / (y1 - y0) < 3
    ax.set(xlabel=problem.axes[0], ylabel=problem.axes[1], xlim=(x0, x1), ylim=(y0, y1),
           aspect="equal" if similar_spans else "auto")


def _path(trace, problem):
    """Points to draw for a trace: (θ, loss) for 1 parameter, (θ₁, θ₂) for 2."""
    if trace.thetas.shape[1] == 1:
        return trace.thetas[:, 0], trace.losses
    return trace.thetas[:, 0], trace.thetas[:, 1]


def _holding(window, traces, most=1.0):
    """``window`` grown to hold every point of ``traces``, by at most ``most`` of its span
    on each side (a diverging run would otherwise shrink the landscape to a dot)."""
    grown = []
    for axis, (low, high) in enumerate(window):
        values = np.concatenate([trace.thetas[:, axis] for trace in traces])
        values = values[np.isfinite(values)]
        margin, span = 0.05 * (high - low), high - low
        if values.size and values.min() < low:
            low = max(values.min() - margin, low - most * span)
        if values.size and values.max() > high:
            high = min(values.max() + margin, high + most * span)
        grown.append((low, high))
    return tuple(grown)


def trajectories(problem, traces, title=None, panels=False):
    """The loss landscape with each trace's path drawn on it, d2l style.

    Parameters
    ----------
    problem : descentlab.problems.Problem
        With 1 or 2 parameters.
    traces : sequence of descentlab.runner.Trace
        Each drawn as dots joined by lines, in its optimizer's colour.
    title : str, optional
        Default: the problem's name.
    panels : bool, default=False
        One panel per trace, side by side, for paths that would hide each other
        (several optimizers following the same valley).
    """
    if len(problem.window) == 2:
        problem = dataclasses.replace(problem, window=_holding(problem.window, traces))
    count = len(traces) if panels else 1
    fig, axes = _subplots(1, count, figsize=(6 if count == 1 else 3.6 * count, 4.5),
                             sharey=True, squeeze=False)
    groups = [[trace] for trace in traces] if panels else [list(traces)]
    colors = iter(trace_colors(traces))
    for ax, group in zip(axes[0], groups, strict=True):
        _landscape(problem, ax)
        for trace in group:
            xs, ys = _path(trace, problem)
            label = (_("{label} (diverged)").format(label=trace.label) if trace.diverged
                     else trace.label)
            # Long runs: a dot every few steps, so paths stay visible under each other.
            ax.plot(xs, ys, "-o", ms=3, lw=1.5, alpha=0.85, color=next(colors), label=label,
                    markevery=max(1, len(xs) // 40))
        ax.legend(loc="upper right", fontsize=8)
    if panels:
        fig.suptitle(title or problem.name)
    else:
        axes[0][0].set_title(title or problem.name)
    return fig


def loss_curves(traces, optimum=0.0, title=None, rates=None):
    """Loss minus its minimum, per step, on a log scale: straight lines are linear convergence.

    Parameters
    ----------
    traces : sequence of descentlab.runner.Trace
        One line each, in its optimizer's colour.
    optimum : float, default=0.0
        The minimum of the loss, subtracted from every loss.
    title : str, default="Loss per step"
    rates : sequence of float or None, optional
        One per trace, or None: draws a dashed line for a theoretical error
        factor per step ``r``; the loss, quadratic in the error, falls as ``r**(2t)``.
    """
    if title is None:
        title = _("Loss per step")
    fig, ax = _subplots(figsize=(6, 4))
    rates = rates or [None] * len(traces)
    for trace, color, rate in zip(traces, trace_colors(traces), rates, strict=True):
        gap = np.maximum(trace.losses - optimum, 1e-16)
        ax.semilogy(gap, color=color, lw=1.8, label=trace.label)
        if rate is not None:
            t = np.arange(len(gap))
            ax.semilogy(t, gap[0] * rate ** (2 * t), "--", color=color, lw=1,
                        label=_("theory: error × {factor:.3f} per step").format(factor=rate))
    ax.set(xlabel=_("step"), ylabel=_("loss − minimum"), title=title)
    ax.legend(fontsize=8)
    return fig


def animate(problem, trace, frames=None, interval=150, every=1):
    """An animation of one trace walking over the loss (matplotlib.animation).

    ``every=k`` draws every k-th point only (long SGD runs stay a small file).
    Show it with :func:`show_animation`; save it with
    ``anim.save("run.gif", writer="pillow")``.
    """
    fig, ax = _subplots(figsize=(4.8, 3.4), dpi=64)
    _landscape(problem, ax)
    xs, ys = (points[::every] for points in _path(trace, problem))
    count = min(len(xs), frames or len(xs))
    (line,) = ax.plot([], [], "-o", ms=4, lw=1.2, color=trace_colors([trace])[0])
    ax.set_title(trace.label)
    if len(problem.window) == 1:
        ax.set_ylim(0, max(problem.loss(np.array([problem.window[0][1]])), ys[:count].max()))

    def frame(i):
        line.set_data(xs[: i + 1], ys[: i + 1])
        return (line,)

    anim = animation.FuncAnimation(fig, frame, frames=count, interval=interval, blit=True)
    plt.close(fig)
    return anim


def show_animation(anim):
    """Display an animation inline as HTML5/JavaScript (play, pause, step).

    Frames are embedded as JPEG, several times smaller than PNG for these pictures.
    """
    with plt.rc_context({"animation.frame_format": "jpeg"}):
        return HTML(anim.to_jshtml(default_mode="once"))


def explorer(problem, run, sliders, title=None, log=("lr",)):
    """Interactive sliders that rerun optimizers and redraw their paths on the loss.

    Parameters
    ----------
    problem : descentlab.problems.Problem
        A 1- or 2-parameter problem.
    run : callable
        ``run(**values) -> Trace or list of Trace``, called with one keyword per
        slider, e.g. ``lambda lr, beta: minimize(momentum_step, problem, ...)``;
        the student's step functions go here.
    sliders : dict of str to tuple of float
        ``name -> (low, initial, high)``.
    title : str, default="Move the sliders"
    log : tuple of str, default=("lr",)
        Sliders on a log scale.

    In JupyterLab the sliders redraw the figure. Where no widget front end runs
    (nbconvert, CI, a static page) the same output shows the picture for the
    initial values instead.
    """
    import ipywidgets as widgets

    if title is None:
        title = _("Move the sliders")

    def draw(values):
        traces = run(**values)
        return trajectories(problem, traces if isinstance(traces, list) else [traces],
                            title=title)

    initial = {name: spec[1] for name, spec in sliders.items()}
    static = draw(initial)  # first, so an unwritten exercise stops us here
    controls = {}
    for name, (low, value, high) in sliders.items():
        if name in log:
            controls[name] = widgets.FloatLogSlider(value=value, base=10, min=np.log10(low),
                                                    max=np.log10(high), step=0.02,
                                                    description=name)
        else:
            controls[name] = widgets.FloatSlider(value=value, min=low, max=high,
                                                 step=(high - low) / 100, description=name)
    output = widgets.Output()

    def redraw(change=None):
        # Set the widget's outputs directly rather than printing into it, so that
        # nothing reaches the cell's own outputs when no front end renders widgets.
        fig = draw({name: control.value for name, control in controls.items()})
        output.outputs = ()
        output.append_display_data(fig)
        plt.close(fig)

    for control in controls.values():
        control.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox(list(controls.values())), output])
    redraw()
    png = io.BytesIO()
    static.savefig(png, format="png", bbox_inches="tight")
    plt.close(static)
    bundle = box._repr_mimebundle_()
    bundle["image/png"] = base64.b64encode(png.getvalue()).decode("ascii")
    text = _("{title}: sliders for {names} (static picture without widgets)")
    bundle["text/plain"] = text.format(title=title, names=", ".join(sliders))
    display(bundle, raw=True)


def fitting_progress(data, trace, steps):
    """The data with the line of ``trace.thetas[s]`` for each step ``s`` in ``steps``.

    Shows training as the note describes it: the parameters move and the line
    moves towards the data.
    """
    fig, ax = _subplots(figsize=(6, 4))
    ax.scatter(data.x, data.y, s=18, color=COLORS["data"], zorder=3, label=_("data"))
    grid = np.linspace(data.x.min(), data.x.max(), 2)
    shades = plt.cm.Oranges(np.linspace(0.3, 1.0, len(steps)))
    for s, shade in zip(steps, shades, strict=True):
        w0, w1 = trace.thetas[min(s, len(trace.thetas) - 1)]
        ax.plot(grid, w0 + w1 * grid, color=shade, lw=2, label=_("step {step}").format(step=s))
    ax.set(xlabel="x", ylabel="y", title=_("The fitted line during training"))
    ax.legend(fontsize=8, loc="upper left")
    return fig


def against_lr(lrs, values, ylabel, marks=(), title=None, log_y=True):
    """A quantity per learning rate on log axes, with vertical lines at ``marks``.

    Parameters
    ----------
    lrs, values : sequence of float
        One value per learning rate; None or inf are drawn as gaps.
    marks : sequence of (str, float)
        Labelled learning rates to mark, e.g. ``[("2/λ_max", 0.5)]``.
    """
    values = np.array([np.nan if v is None else v for v in values], dtype=float)
    values[~np.isfinite(values)] = np.nan
    fig, ax = _subplots(figsize=(6, 4))
    ax.plot(lrs, values, "o-", ms=3, color=OPTIMIZER_COLORS["gd"])
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    if log_y:
        ax.set_yscale("log")
    for (label, lr), color in zip(marks, ("#c44e52", "#55a868", "#8172b3"), strict=False):
        ax.axvline(lr, color=color, ls="--", lw=1.2, label=f"{label} = {lr:.3g}")
    ax.set(xlabel=_("learning rate"), ylabel=ylabel, title=title)
    if marks:
        ax.legend(fontsize=8)
    return fig


def rate_map(lrs, betas, rates, edge=None, points=(), title=None):
    """The convergence rate of momentum over (learning rate, beta), as a heat map.

    Parameters
    ----------
    lrs, betas : numpy.ndarray, shapes (a,) and (b,)
        The grid's learning rates (x axis) and betas (y axis).
    rates : numpy.ndarray, shape (b, a)
        The error factor per step at each point; 1 or more (no convergence) is grey.
    edge : (numpy.ndarray, numpy.ndarray), optional
        The stability edge as ``(lrs, betas)``, drawn as a line.
    points : sequence of (str, float, float)
        Labelled settings ``(label, lr, beta)`` to mark.
    """
    fig, ax = _subplots(figsize=(6.4, 4.6))
    shown = np.ma.masked_where(rates >= 1, rates)
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#d9d9d9")
    mesh = ax.pcolormesh(lrs, betas, shown, cmap=cmap, vmin=0.5, vmax=1.0, shading="auto")
    fig.colorbar(mesh, ax=ax, label=_("error factor per step (lower is faster)"))
    lines = ax.contour(lrs, betas, rates, levels=[0.7, 0.8, 0.9, 0.95], colors="white",
                       linewidths=0.8)
    ax.clabel(lines, fontsize=7)
    if edge is not None:
        ax.plot(*edge, color="#c44e52", lw=2, label=_("stability edge α = (2+2β)/λ_max"))
    for (label, lr, beta), marker in zip(points, "*osD", strict=False):
        ax.plot(lr, beta, marker, ms=11 if marker == "*" else 7, color="#dd8452",
                markeredgecolor="black", label=label)
    ax.set(xlabel=_("learning rate α"), ylabel="β", title=title, xlim=(lrs[0], lrs[-1]),
           ylim=(betas[0], betas[-1]))
    ax.legend(fontsize=7, loc="lower left")
    return fig


def per_step(steps, named_values, ylabel, title=None, log_y=False):
    """Quantities against the step number, ``{label: values}`` (e.g. learning-rate schedules)."""
    fig, ax = _subplots(figsize=(6, 3.5))
    for index, (label, values) in enumerate(named_values.items()):
        ax.plot(steps, values, lw=2, color=OTHER_COLORS[index % len(OTHER_COLORS)], label=label)
    if log_y:
        ax.set_yscale("log")
    ax.set(xlabel=_("step"), ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    return fig


def digits_grid(images, y, count=20):
    """The first ``count`` digits, 8x8 pixel images of ink 0 to 16, with their labels.

    Pass the images, not the standardised inputs (``Dataset.images``): standardised
    pixels have each their own scale and show as grey noise.
    """
    fig, axes = _subplots(2, count // 2, figsize=(count * 0.45, 2.2))
    for ax, image, label in zip(axes.ravel(), images[:count], y[:count], strict=False):
        ax.imshow(np.reshape(image, (8, 8)), cmap="gray_r", vmin=0, vmax=16)
        ax.set_title(str(label), fontsize=9)
        ax.axis("off")
    return fig


def training_curves(histories, title=None):
    """Loss (log scale) and accuracy per epoch: training solid, validation dashed.

    Parameters
    ----------
    histories : sequence of descentlab.training.History
        One line each, in its optimizer's colour.
    title : str, default="Training"
        Start of both panels' titles.
    """
    if title is None:
        title = _("Training")
    fig, (loss_ax, acc_ax) = _subplots(1, 2, figsize=(10, 3.8))
    for history, color in zip(histories, trace_colors(histories), strict=True):
        epochs = np.arange(len(history.train_loss))
        loss_ax.semilogy(epochs, history.train_loss, color=color, lw=1.8, label=history.label)
        loss_ax.semilogy(epochs, history.val_loss, "--", color=color, lw=1.2)
        acc_ax.plot(epochs, history.train_acc, color=color, lw=1.8, label=history.label)
        acc_ax.plot(epochs, history.val_acc, "--", color=color, lw=1.2)
    loss_ax.set(xlabel=_("epoch"), ylabel=_("loss"),
                title=_("{title}: loss (dashed: validation)").format(title=title))
    acc_ax.set(xlabel=_("epoch"), ylabel=_("accuracy"), ylim=(0.8, 1.0),
               title=_("{title}: accuracy (dashed: validation)").format(title=title))
    loss_ax.legend(fontsize=8)
    return fig


def optimizer_comparison(panels, metric="train_loss", ylabel=None, dashed=()):
    """One panel per model, ``{title: runs}``, comparing optimizers on ``metric``.

    Parameters
    ----------
    panels : dict of str to list
        Per panel title, the runs to draw: each a ``training.History`` (one line)
        or a ``training.Replicates`` (the same setting with several seeds: their
        mean as a line and a band from the lowest to the highest seed, epoch by
        epoch).
    metric : str, default="train_loss"
        The field of ``History`` to draw, on a log scale.
    ylabel : str, default="training loss"
    dashed : collection of str, default=()
        Labels of runs to draw dashed: variants of an optimizer drawn in the same
        panel, coloured like it.
    """
    if ylabel is None:
        ylabel = _("training loss")
    fig, axes = _subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
    for ax, (title, runs) in zip(axes[0], panels.items(), strict=True):
        solid = [run for run in runs if run.label not in dashed]
        colors = dict(zip([run.label for run in solid], trace_colors(solid), strict=True))
        for run in runs:
            name = run.label.split(",")[0].split()[0].lower()
            color = colors.get(run.label, OPTIMIZER_COLORS.get(name, OTHER_COLORS[-1]))
            style = "--" if run.label in dashed else "-"
            if hasattr(run, "curves"):  # several seeds
                curves = run.curves(metric)
                epochs = np.arange(curves.shape[1])
                ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=color,
                                alpha=0.25, lw=0)
                ax.semilogy(epochs, curves.mean(axis=0), style, color=color, lw=1.8,
                            label=_("{label} ({count} seeds)").format(
                                label=run.label, count=len(curves)))
            else:
                ax.semilogy(getattr(run, metric), style, color=color, lw=1.8, label=run.label)
        ax.set(xlabel=_("epoch"), ylabel=ylabel, title=title)
        ax.legend(fontsize=8)
    return fig


def word_frequencies(bags, title=None):
    """Fraction of the training documents that contain each word, by the word's rank.

    Dots are counted in ``bags.X_train``, circles mark the class-informative
    words, and the line is what the generator's law predicts for the other
    words (``bags.document_frequency()``, averaged over the two classes, which
    are equally likely).

    Parameters
    ----------
    bags : descentlab.training.BagOfWords
    title : str, default="How many documents hold each word"
    """
    if title is None:
        title = _("How many documents hold each word")
    counted = np.asarray(bags.X_train.mean(axis=0)).ravel()
    expected = bags.document_frequency().mean(axis=0)
    ranks = np.arange(1, len(counted) + 1)
    neutral = np.ones(len(counted), dtype=bool)
    neutral[bags.informative] = False
    seen = counted > 0  # a log axis has no place for words no document holds
    fig, ax = _subplots(figsize=(6, 4))
    ax.loglog(ranks[seen & neutral], counted[seen & neutral], ".", ms=2, color=COLORS["data"],
              label=_("counted in the training documents"))
    ax.loglog(ranks[seen & ~neutral], counted[seen & ~neutral], "o", ms=4, mfc="none",
              color=COLORS["gradient"], label=_("class-informative words"))
    ax.loglog(ranks[neutral], expected[neutral], color=COLORS["loss"], lw=1.5,
              label=_("expected: 1 − (1 − q)^L"))
    ax.set(xlabel=_("word rank (1 = most frequent)"), ylabel=_("fraction of documents"),
           title=title)
    ax.legend(fontsize=8)
    return fig


def against_theory(series, xlabel, ylabel, title=None):
    """Measured values (dots) beside what theory predicts (dashed lines), on log-log axes.

    Parameters
    ----------
    series : dict of str to tuple
        ``label -> (x, measured, predicted)``, three sequences of the same length;
        ``predicted`` may be None.
    """
    fig, ax = _subplots(figsize=(6, 4))
    for index, (label, (x, measured, predicted)) in enumerate(series.items()):
        color = OTHER_COLORS[index % len(OTHER_COLORS)]
        ax.loglog(x, measured, "o", ms=6, color=color,
                  label=_("{label}: measured").format(label=label))
        if predicted is not None:
            ax.loglog(x, predicted, "--", lw=1.2, color=color,
                      label=_("{label}: theory").format(label=label))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    return fig


def loss_by_cost(traces, costs, optimum=0.0, title=None):
    """Loss minus its minimum against what it cost, one panel per measure of cost.

    Parameters
    ----------
    traces : list of Trace
        Runs to compare, e.g. the same data in batches of different sizes.
    costs : dict of str to list of numpy.ndarray
        ``axis label -> one array per trace`` giving the cost after each of its
        losses, e.g. ``{"examples seen": [...], "seconds": [...]}``.
    optimum : float, default=0.0
        The minimum of the loss, subtracted from every loss.
    title : str, default="What a loss costs"
    """
    if title is None:
        title = _("What a loss costs")
    fig, axes = _subplots(1, len(costs), figsize=(5.2 * len(costs), 3.8), sharey=True)
    for ax, (label, per_trace) in zip(np.atleast_1d(axes), costs.items(), strict=True):
        for trace, cost, color in zip(traces, per_trace, trace_colors(traces), strict=True):
            ax.loglog(cost[1:], np.maximum(trace.losses[1:] - optimum, 1e-16), color=color,
                      lw=1.5, label=trace.label)
        ax.set(xlabel=label, ylabel=_("loss − minimum"))
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle(title)
    return fig
