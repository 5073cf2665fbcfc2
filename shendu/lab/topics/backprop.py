"""Question 9: backpropagation. Autograd against finite differences, and a 2-2-1 network traced by hand."""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np

from ... import Generator, float64, manual_seed, nn, no_grad, randint, randn, tensor
from ...autograd import Function, gradcheck
from ...nn import functional as F
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot

__all__ = ["TRACE_NETWORK", "run", "trace"]

QUESTION = Text("How does backpropagation work?", "反向传播是怎样工作的？")

EXPLANATION = Text.prose(
    """
    Backpropagation is the chain rule applied in reverse order over the computation. The forward pass computes
    and keeps every intermediate value; the backward pass starts from dL/dL = 1 at the loss and walks the graph
    backwards, multiplying the incoming gradient by each operation's local derivative. Where a value feeds
    several operations, its gradients add up. One backward pass therefore yields the gradient of every weight at
    once. Finite differences (nudge one weight, measure the loss) give the same numbers one weight at a time,
    which makes them the standard test of a backward implementation. Below, a 2-2-1 sigmoid network is traced
    by hand, step by step.
    """,
    """
    反向传播就是沿计算的逆序应用链式法则。前向传播计算并保存每个中间值；反向传播从损失处的 dL/dL = 1 出发，沿计算图往
    回走，把传入的梯度乘以每个运算的局部导数。一个值如果参与了多个运算，它的梯度要相加。因此一次反向传播就能同时得到所
    有权重的梯度。有限差分（轻推一个权重，测量损失的变化）一次只能得到一个权重的同样的数，所以它是检验反向传播实现的标
    准方法。下面用手算逐步追踪一个 2-2-1 的 sigmoid 网络。
    """,
)

CLAIMS = (
    Claim(
        "matches-finite-differences",
        Text(
            "On every gradient element of a small MLP, autograd agrees with central finite differences to within "
            "1e-6, and shendu's gradcheck accepts it.",
            "在一个小型 MLP 的每个梯度元素上，自动求导与中心有限差分的差不超过 1e-6，shendu 的 gradcheck 也判定通过。",
        ),
        (Check("max_abs_diff_autograd_vs_fd", "<=", 1e-6), Check("gradcheck_passed", "==", True)),
    ),
    Claim(
        "gradcheck-can-fail",
        Text(
            "gradcheck rejects a sigmoid whose backward forgets the factor (1 - s).",
            "对一个反向传播漏掉因子 (1 - s) 的 sigmoid，gradcheck 判定不通过。",
        ),
        (Check("gradcheck_catches_a_wrong_backward", "==", True),),
    ),
    Claim(
        "hand-trace",
        Text(
            "The hand-computed trace of the 2-2-1 network gives the same gradients as autograd, to within 1e-12.",
            "2-2-1 网络的手算追踪得到的梯度与自动求导相同，相差不超过 1e-12。",
        ),
        (Check("trace_max_abs_diff_hand_vs_autograd", "<=", 1e-12),),
    ),
    Claim(
        "one-step-descends",
        Text(
            "One step against those gradients lowers the network's loss.",
            "沿这些梯度的反方向走一步，网络的损失会下降。",
        ),
        (Check("trace_loss_after_one_step", "<", "trace_loss"),),
    ),
    Claim(
        "backward-is-cheap",
        Text(
            "A backward pass that yields all the gradients of an MLP with over 600,000 weights takes at most twice the "
            "CPU time of one forward pass, where finite differences would need two forward passes per weight.",
            "对一个有 60 多万个权重的 MLP，一次得到全部梯度的反向传播所用的 CPU 时间至多是一次前向传播的两倍，"
            "而有限差分每个权重就需要两次前向传播。",
        ),
        (Check("backward_over_forward", "<=", 2.0), Check("timing_parameters", ">=", 600_000)),
        timed=True,
    ),
)

LABELS = {
    "mlp_layers": Label("MLP checked against finite differences (widths)", "与有限差分比较的 MLP（各层宽度）"),
    "gradcheck_passed": Label("gradcheck accepts the MLP's gradients", "gradcheck 判定 MLP 的梯度通过"),
    "elements_checked": Label("gradient elements compared", "比较的梯度元素个数"),
    "max_abs_diff_autograd_vs_fd": Label(
        "largest |autograd - finite differences|", "|自动求导 - 有限差分| 的最大值", ".2g"
    ),
    "max_rel_diff_autograd_vs_fd": Label("largest relative difference", "最大相对差", ".2g"),
    "gradcheck_catches_a_wrong_backward": Label("gradcheck rejects the wrong backward", "gradcheck 拒绝错误的反向传播"),
    "trace_loss": Label("2-2-1 network: loss", "2-2-1 网络：损失", ".6f"),
    "trace_max_abs_diff_hand_vs_autograd": Label(
        "2-2-1 network: largest |hand - autograd|", "2-2-1 网络：|手算 - 自动求导| 的最大值", ".2g"
    ),
    "trace_loss_after_one_step": Label(
        "2-2-1 network: loss after one step (lr 0.5)", "2-2-1 网络：走一步后的损失（学习率 0.5）", ".6f"
    ),
    "timing_parameters": Label("weights of the timed MLP 784-512-512-10", "计时用 MLP 784-512-512-10 的权重个数"),
    "forward_ms": Label(
        "forward pass, batch 256 (CPU ms, fastest of 20)", "前向传播，批大小 256（CPU 毫秒，20 次中最快）", ".3g"
    ),
    "backward_ms": Label("backward pass (CPU ms, fastest of 20)", "反向传播（CPU 毫秒，20 次中最快）", ".3g"),
    "backward_over_forward": Label("backward CPU time / forward CPU time", "反向 CPU 时间 / 前向 CPU 时间", ".2f"),
}

# The hand-traced 2-2-1 network: inputs, hidden weights (one row per hidden unit), output weights, target.
_X = (1.0, 0.5)
_W1 = ((0.3, -0.6), (0.8, 0.2))
_B1 = (0.1, -0.3)
_W2 = (0.7, -0.4)
_B2 = 0.05
_TARGET = 1.0
_LR = 0.5
TRACE_NETWORK = {"x": _X, "w1": _W1, "b1": _B1, "w2": _W2, "b2": _B2, "target": _TARGET, "lr": _LR}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


_WORDS = {
    "network": Text(
        "2-2-1 network, sigmoid units, loss L = 1/2 (y - t)^2", "2-2-1 网络，sigmoid 单元，损失 L = 1/2 (y - t)^2"
    ),
    "inputs": Text("x = {x}, target t = {t}", "输入 x = {x}，目标 t = {t}"),
    "weights": Text(
        "hidden weights w = {w}, hidden biases b = {b}, output weights v = {v}, output bias c = {c}",
        "隐藏层权重 w = {w}，隐藏层偏置 b = {b}，输出权重 v = {v}，输出偏置 c = {c}",
    ),
    "forward": Text("forward", "前向传播"),
    "backward": Text("backward (chain rule, from the loss down)", "反向传播（链式法则，从损失往回）"),
    "autograd": Text("shendu autograd on the same network (float64)", "shendu 自动求导，同一个网络（float64）"),
    "row": Text(
        "  dL/d{n:<3} hand {hand: .12f}   autograd {auto: .12f}",
        "  dL/d{n:<3} 手算 {hand: .12f}   自动求导 {auto: .12f}",
    ),
    "step": Text(
        "one gradient step with learning rate {lr}: L {before:.6f} -> {after:.6f}",
        "以学习率 {lr} 走一步梯度下降：L {before:.6f} -> {after:.6f}",
    ),
}


def trace(lang: str = "en") -> tuple[list[str], dict[str, float]]:
    """Forward and backward pass of the 2-2-1 sigmoid network in plain arithmetic, one printed line per step.

    Returns:
        The lines (their words in ``lang``) and every value and gradient by name (``"w11"``, ``"c"``, ``"loss"``...).
    """
    lines = [
        _WORDS["network"].get(lang),
        _WORDS["inputs"].get(lang).format(x=_X, t=_TARGET),
        _WORDS["weights"].get(lang).format(w=_W1, b=_B1, v=_W2, c=_B2),
        "",
        _WORDS["forward"].get(lang),
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
        _WORDS["backward"].get(lang),
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


def _backward_cost(seed: int, pairs: int = 20) -> dict[str, Any]:
    """Forward and backward time of an MLP 784-512-512-10 on a batch of 256, measured in adjacent pairs.

    Each pass is timed by the CPU time of this thread, which does not count the time other processes hold
    the core, and each side counts its fastest run.
    """
    manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    gen = Generator().manual_seed(seed)
    x, y = randn(256, 784, generator=gen), randint(0, 10, (256,), generator=gen)
    forward, backward = [], []
    for _ in range(pairs + 1):
        model.zero_grad()
        start = time.thread_time()
        loss = F.cross_entropy(model(x), y)
        middle = time.thread_time()
        loss.backward()
        end = time.thread_time()
        forward.append(middle - start)
        backward.append(end - middle)
    # the first pair warms caches and allocations up
    fastest_forward, fastest_backward = min(forward[1:]), min(backward[1:])
    return {
        "timing_parameters": sum(p.numel() for p in model.parameters()),
        "forward_ms": 1000 * fastest_forward,
        "backward_ms": 1000 * fastest_backward,
        "backward_over_forward": fastest_backward / fastest_forward,
    }


@experiment(
    9,
    "backpropagation",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="trace_max_abs_diff_hand_vs_autograd",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers, analytic, numeric = _mlp_check(seed, quick)
    numbers.update(_backward_cost(seed))
    _, hand = trace()
    _, auto, after = _autograd_221()
    names = sorted(auto)
    differences = [abs(hand[n] - auto[n]) for n in names]
    texts = {}
    for lang in ("en", "zh"):
        lines, _ = trace(lang)
        lines += [
            "",
            _WORDS["autograd"].get(lang),
            *(_WORDS["row"].get(lang).format(n=n, hand=hand[n], auto=auto[n]) for n in names),
            "",
            _WORDS["step"].get(lang).format(lr=_LR, before=hand["loss"], after=after),
        ]
        texts[lang] = "\n".join(lines)
    numbers.update(
        {
            "trace_loss": hand["loss"],
            "trace_max_abs_diff_hand_vs_autograd": max(differences),
            "trace_loss_after_one_step": after,
        }
    )
    table = Table(
        Text("2-2-1 network: gradients by hand and by autograd", "2-2-1 网络：手算与自动求导的梯度"),
        (
            Text("parameter", "参数"),
            Text("by hand", "手算"),
            Text("autograd", "自动求导"),
            Text("|difference|", "|差|"),
        ),
        [(n, hand[n], auto[n], Text.same(f"{d:.1e}")) for n, d in zip(names, differences)],
    )
    return Outcome(numbers, _figures(analytic, numeric, hand), [table], notes=[Text(texts["en"], texts["zh"])])


def _figures(analytic: np.ndarray, numeric: np.ndarray, hand: dict[str, float]) -> dict[str, Figure]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
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

    fig, ax = plt.subplots(figsize=(9, 5))
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
            fontsize=8.5,
            ha="center",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    values = {"x1": _X[0], "x2": _X[1], "h1": hand["h1"], "h2": hand["h2"], "y": hand["y"]}
    for node, (px, py) in pos.items():
        ax.scatter([px], [py], s=900, color="#cfe3f7", edgecolor="#3b6ea5", zorder=2)
        ax.text(px, py, f"{node}\n{values[node]:.3f}", ha="center", va="center", fontsize=9, zorder=3)
    ax.set_title(
        f"2-2-1 network: values after the forward pass, gradients after the backward pass (L = {hand['loss']:.4f})"
    )
    ax.set_xlim(-0.25, 2.25)
    ax.set_ylim(-0.2, 1.2)
    ax.set_axis_off()
    return {
        "gradcheck": Figure(
            Text(
                "Autograd against finite differences on every gradient element of the MLP.",
                "MLP 每个梯度元素上自动求导与有限差分的比较。",
            ),
            check,
        ),
        "network-trace": Figure(
            Text(
                "The 2-2-1 network with the values of its forward pass and the gradients of its backward pass.",
                "2-2-1 网络：前向传播得到的值与反向传播得到的梯度。",
            ),
            figure_png(fig),
        ),
    }
