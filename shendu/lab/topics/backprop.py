"""Question 9: backpropagation. Autograd against finite differences, and a 2-2-1 network traced by hand."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, float64, manual_seed, nn, no_grad, randint, randn, tensor
from ...autograd import Function, gradcheck
from ...nn import functional as F
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

__all__ = ["judge", "run"]

# The hand-traced 2-2-1 network: inputs, hidden weights (one row per hidden unit), output weights, target.
_X = (1.0, 0.5)
_W1 = ((0.3, -0.6), (0.8, 0.2))
_B1 = (0.1, -0.3)
_W2 = (0.7, -0.4)
_B2 = 0.05
_TARGET = 1.0
_LR = 0.5


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _trace() -> tuple[list[str], dict[str, float]]:
    """Forward and backward pass of the 2-2-1 sigmoid network in plain arithmetic, one printed line per step."""
    lines = [
        "2-2-1 network, sigmoid units, loss L = 1/2 (y - t)^2",
        f"x = {_X}, target t = {_TARGET}",
        f"hidden weights w = {_W1}, hidden biases b = {_B1}, output weights v = {_W2}, output bias c = {_B2}",
        "",
        "forward",
    ]
    z, h = [0.0, 0.0], [0.0, 0.0]
    for j in range(2):
        (w_a, w_b), b = _W1[j], _B1[j]
        z[j] = w_a * _X[0] + w_b * _X[1] + b
        h[j] = _sigmoid(z[j])
        products = f"{w_a} * {_X[0]} + {w_b} * {_X[1]} + {b}"
        lines.append(f"  z{j + 1} = w{j + 1}1 x1 + w{j + 1}2 x2 + b{j + 1} = {products} = {z[j]:.6f}")
        lines.append(f"  h{j + 1} = sigmoid(z{j + 1}) = 1 / (1 + exp({-z[j]:.6f})) = {h[j]:.6f}")
    z_out = _W2[0] * h[0] + _W2[1] * h[1] + _B2
    y = _sigmoid(z_out)
    loss = 0.5 * (y - _TARGET) ** 2
    lines += [
        f"  zo = v1 h1 + v2 h2 + c = {_W2[0]} * {h[0]:.6f} + {_W2[1]} * {h[1]:.6f} + {_B2} = {z_out:.6f}",
        f"  y  = sigmoid(zo) = {y:.6f}",
        f"  L  = 1/2 ({y:.6f} - {_TARGET})^2 = {loss:.6f}",
        "",
        "backward (chain rule, from the loss down)",
    ]
    d_y = y - _TARGET
    d_zo = d_y * y * (1 - y)
    lines += [
        f"  dL/dy  = y - t = {d_y:.6f}",
        f"  dL/dzo = dL/dy * y (1 - y) = {d_y:.6f} * {y * (1 - y):.6f} = {d_zo:.6f}",
    ]
    grads: dict[str, float] = {"c": d_zo}
    for j in range(2):
        grads[f"v{j + 1}"] = d_zo * h[j]
        lines.append(f"  dL/dv{j + 1} = dL/dzo * h{j + 1} = {d_zo:.6f} * {h[j]:.6f} = {grads[f'v{j + 1}']:.6f}")
    lines.append(f"  dL/dc  = dL/dzo = {d_zo:.6f}")
    for j in range(2):
        d_h = d_zo * _W2[j]
        d_z = d_h * h[j] * (1 - h[j])
        lines.append(f"  dL/dh{j + 1} = dL/dzo * v{j + 1} = {d_zo:.6f} * {_W2[j]} = {d_h:.6f}")
        lines.append(
            f"  dL/dz{j + 1} = dL/dh{j + 1} * h{j + 1} (1 - h{j + 1}) = {d_h:.6f} * {h[j] * (1 - h[j]):.6f} = {d_z:.6f}"
        )
        for k in range(2):
            name = f"w{j + 1}{k + 1}"
            grads[name] = d_z * _X[k]
            lines.append(f"  dL/d{name} = dL/dz{j + 1} * x{k + 1} = {d_z:.6f} * {_X[k]} = {grads[name]:.6f}")
        grads[f"b{j + 1}"] = d_z
        lines.append(f"  dL/db{j + 1} = dL/dz{j + 1} = {d_z:.6f}")
    grads["loss"] = loss
    grads["y"] = y
    for j in range(2):
        grads[f"h{j + 1}"] = h[j]
    return lines, grads


def _autograd_221() -> tuple[nn.Module, dict[str, float], float]:
    """The same network built from shendu layers in float64: autograd's gradients, and the loss after one step."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    # Through NumPy, because shendu.tensor(list_of_floats, dtype=float64) rounds through float32 first.
    with no_grad():
        model[0].weight.copy_(tensor(np.array(_W1)))
        model[0].bias.copy_(tensor(np.array(_B1)))
        model[2].weight.copy_(tensor(np.array([_W2])))
        model[2].bias.copy_(tensor(np.array([_B2])))
    x, t = tensor(np.array([_X])), tensor(np.array([[_TARGET]]))

    def loss_fn() -> Any:
        return 0.5 * F.mse_loss(model(x), t, reduction="sum")

    loss_fn().backward()
    w1, b1 = model[0].weight.grad.tolist(), model[0].bias.grad.tolist()
    grads = {f"w{j + 1}{k + 1}": w1[j][k] for j in range(2) for k in range(2)}
    grads.update({"b1": b1[0], "b2": b1[1], "c": model[2].bias.grad.item()})
    grads.update({f"v{j + 1}": v for j, v in enumerate(model[2].weight.grad.tolist()[0])})
    with no_grad():
        for p in model.parameters():
            p.sub_(_LR * p.grad)
        after = loss_fn().item()
    return model, grads, after


class _ForgetfulSigmoid(Function):
    """A sigmoid whose backward forgets the factor (1 - s): the kind of bug gradcheck exists to catch."""

    saves_output = True

    def forward(self, x: Any) -> Any:
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad * self.s,)


def _finite_differences(fn: Any, params: list[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of a scalar ``fn()`` with respect to every element of every parameter."""
    result = []
    with no_grad():
        for p in params:
            numeric = np.zeros(p.shape)
            for index in np.ndindex(*p.shape):
                original = p[index].item()
                p[index] = original + eps
                plus = fn().item()
                p[index] = original - eps
                minus = fn().item()
                p[index] = original
                numeric[index] = (plus - minus) / (2 * eps)
            result.append(numeric)
    return result


def _mlp_check(seed: int, quick: bool) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    manual_seed(seed)
    widths = (4, 6, 3) if quick else (6, 16, 16, 4)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.Tanh() if i % 2 == 0 else nn.Sigmoid())
    model = nn.Sequential(*layers).double()
    gen = Generator().manual_seed(seed)
    x = randn(8, widths[0], dtype=float64, generator=gen, requires_grad=True)
    y = randint(0, widths[-1], (8,), generator=gen)
    params = [x, *model.parameters()]

    def loss_of(inputs: Any, *_: Any) -> Any:
        return F.cross_entropy(model(inputs), y)

    passed = gradcheck(loss_of, params)
    loss_of(x).backward()
    analytic = np.concatenate([p.grad.numpy().ravel() for p in params])
    numeric = np.concatenate([g.ravel() for g in _finite_differences(lambda: loss_of(x), params)])
    for p in params:
        p.grad = None

    probe = randn(5, dtype=float64, generator=gen, requires_grad=True)
    caught = not gradcheck(lambda t: _ForgetfulSigmoid.apply(t), (probe,), raise_exception=False)
    numbers = {
        "mlp_layers": " -> ".join(str(w) for w in widths),
        "gradcheck_passed": passed,
        "elements_checked": int(analytic.size),
        "max_abs_diff_autograd_vs_fd": float(np.abs(analytic - numeric).max()),
        "max_rel_diff_autograd_vs_fd": float((np.abs(analytic - numeric) / np.maximum(np.abs(numeric), 1e-8)).max()),
        "gradcheck_catches_a_wrong_backward": caught,
    }
    return numbers, analytic, numeric


def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers, analytic, numeric = _mlp_check(seed, quick)
    lines, hand = _trace()
    _, auto, after = _autograd_221()
    names = sorted(auto)
    differences = [abs(hand[n] - auto[n]) for n in names]
    lines += [
        "",
        "shendu autograd on the same network (float64)",
        *(f"  dL/d{n:<3} hand {hand[n]: .12f}   autograd {auto[n]: .12f}" for n in names),
        "",
        f"one gradient step with learning rate {_LR}: L {hand['loss']:.6f} -> {after:.6f}",
    ]
    numbers.update(
        {
            "trace_loss": hand["loss"],
            "trace_max_abs_diff_hand_vs_autograd": max(differences),
            "trace_loss_after_one_step": after,
        }
    )
    table = [["parameter", "by hand", "autograd", "|difference|"]]
    table += [[n, hand[n], auto[n], f"{d:.1e}"] for n, d in zip(names, differences)]
    return Outcome(numbers, _figures(analytic, numeric, hand), {"2-2-1 gradients": table}, ["\n".join(lines)])


def _figures(analytic: np.ndarray, numeric: np.ndarray, hand: dict[str, float]) -> dict[str, bytes]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].scatter(numeric, analytic, s=10)
    lo, hi = float(min(numeric.min(), analytic.min())), float(max(numeric.max(), analytic.max()))
    axes[0].plot([lo, hi], [lo, hi], color="grey", linewidth=0.8)
    axes[0].set_xlabel("finite differences")
    axes[0].set_ylabel("autograd")
    axes[0].set_title("MLP gradients, every element")
    axes[1].hist(np.log10(np.maximum(np.abs(analytic - numeric), 1e-17)), bins=30)
    axes[1].set_xlabel("log10 |autograd - finite differences|")
    axes[1].set_title("They agree to finite-difference accuracy")
    check = figure_png(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    pos = {"x1": (0, 1), "x2": (0, 0), "h1": (1, 1), "h2": (1, 0), "y": (2, 0.5)}
    edges = [("x1", "h1", "w11"), ("x2", "h1", "w12"), ("x1", "h2", "w21"), ("x2", "h2", "w22")]
    edges += [("h1", "y", "v1"), ("h2", "y", "v2")]
    weights = {"w11": _W1[0][0], "w12": _W1[0][1], "w21": _W1[1][0], "w22": _W1[1][1], "v1": _W2[0], "v2": _W2[1]}
    for a, b, name in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [ya, yb], color="lightgrey", zorder=1)
        fraction = 0.3 if a.startswith("x") and ya != yb else 0.5
        xm, ym = xa + fraction * (xb - xa), ya + fraction * (yb - ya)
        ax.text(
            xm,
            ym,
            f"{name}={weights[name]:g}\ngrad {hand[name]:.4f}",
            fontsize=7,
            ha="center",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    values = {"x1": _X[0], "x2": _X[1], "h1": hand["h1"], "h2": hand["h2"], "y": hand["y"]}
    for node, (px, py) in pos.items():
        ax.scatter([px], [py], s=900, color="#cfe3f7", edgecolor="#3b6ea5", zorder=2)
        ax.text(px, py, f"{node}\n{values[node]:.3f}", ha="center", va="center", fontsize=8, zorder=3)
    ax.set_title(
        f"2-2-1 network: values after the forward pass, gradients after the backward pass (L = {hand['loss']:.4f})"
    )
    ax.set_xlim(-0.25, 2.25)
    ax.set_ylim(-0.2, 1.2)
    ax.set_axis_off()
    return {"gradcheck": check, "network_trace": figure_png(fig)}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    diff = numbers["max_abs_diff_autograd_vs_fd"]
    trace = numbers["trace_max_abs_diff_hand_vs_autograd"]
    before, after = numbers["trace_loss"], numbers["trace_loss_after_one_step"]
    return all_of(
        [
            (numbers["gradcheck_passed"], "gradcheck rejected the MLP's gradients"),
            (diff < 1e-6, f"autograd and finite differences differ by up to {diff:.2g}"),
            (numbers["gradcheck_catches_a_wrong_backward"], "gradcheck did not notice a deliberately wrong backward"),
            (trace < 1e-12, f"the hand-computed trace differs from autograd by {trace:.2g}"),
            (after < before, f"one gradient step did not lower the loss ({before:.6f} -> {after:.6f})"),
        ],
        f"On {numbers['elements_checked']} MLP gradient elements autograd matches finite differences to "
        f"{diff:.1e} (and gradcheck rejects a deliberately wrong backward); the hand-computed 2-2-1 trace matches "
        f"autograd to {trace:.1e}, and one step along it lowers the loss from {before:.5f} to {after:.5f}.",
    )


experiment(
    9,
    "backpropagation",
    question="How does backpropagation work?",
    answer="""
    Backpropagation is the chain rule applied in reverse order over the computation. The forward pass
    computes and keeps every intermediate value; the backward pass starts from dL/dL = 1 at the loss and
    walks the graph backwards, multiplying the incoming gradient by each operation's local derivative,
    so every weight's gradient costs about as much as one more forward pass, however many weights there
    are. Where a value feeds several operations its gradients add up. Finite differences (nudge one
    weight, measure the loss) give the same numbers one weight at a time, which makes them the standard
    test of a backward implementation.
    """,
    judge=judge,
)(run)
