from __future__ import annotations

import itertools
import math
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.errors import DtypeError, ShapeError
from shendu.nn.module import Module
from shendu.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from shendu.nn.utils import rnn as srnn
from tests.helpers import COUNTS

# The LSTM step has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


@pytest.fixture(autouse=True)
def _torch_single_thread() -> Any:
    """PyTorch's thread pool only slows these small recurrences down on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


TORCH_LAYERS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN, "RNN_RELU": torch.nn.RNN}
SHENDU_LAYERS = {"LSTM": LSTM, "GRU": GRU, "RNN": RNN, "RNN_RELU": RNN}
TORCH_CELLS = {
    "LSTM": torch.nn.LSTMCell,
    "GRU": torch.nn.GRUCell,
    "RNN": torch.nn.RNNCell,
    "RNN_RELU": torch.nn.RNNCell,
}
SHENDU_CELLS = {"LSTM": LSTMCell, "GRU": GRUCell, "RNN": RNNCell, "RNN_RELU": RNNCell}
TOL = {"float64": (1e-9, 1e-11), "float32": (2e-5, 2e-6)}


def _pair(mode: str, *args: Any, cells: bool = False, **kwargs: Any) -> tuple[torch.nn.Module, Any]:
    """A torch module and a shendu module of the same kind with torch's weights loaded as NumPy arrays."""
    if mode == "RNN_RELU":
        kwargs["nonlinearity"] = "relu"
    torch_mod = (TORCH_CELLS if cells else TORCH_LAYERS)[mode](*args, **kwargs).double()
    shendu_mod = (SHENDU_CELLS if cells else SHENDU_LAYERS)[mode](*args, **kwargs)
    shendu_mod.to(shendu.float64)
    shendu_mod.load_state_dict({k: v.detach().numpy() for k, v in torch_mod.state_dict().items()})
    return torch_mod, shendu_mod


def _leaf(lib: Any, array: np.ndarray) -> Any:
    t = torch.from_numpy(array.copy()) if lib is torch else shendu.from_numpy(array.copy())
    return t.requires_grad_(True)


def _flat(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [item for part in out for item in _flat(part)]
    return [out]


def _close(name: str, got: Any, want: Any, dtype: str) -> None:
    rtol, atol = TOL[dtype]
    got_a, want_a = got.detach().numpy(), want.detach().numpy()
    assert got_a.shape == want_a.shape, f"{name}: shape {got_a.shape} != torch's {want_a.shape}"
    assert got_a.dtype == want_a.dtype, f"{name}: dtype {got_a.dtype} != torch's {want_a.dtype}"
    np.testing.assert_allclose(got_a, want_a, rtol=rtol, atol=atol, err_msg=name)


def compare(
    torch_mod: torch.nn.Module,
    shendu_mod: Any,
    x: np.ndarray,
    states: list[np.ndarray] | None = None,
    lengths: list[int] | None = None,
    enforce_sorted: bool = True,
    dtypes: tuple[str, ...] = ("float64", "float32"),
) -> None:
    """Run both modules on the same input (and initial states, and packing), compare the outputs,
    the final states and the gradients of the input, the states and every parameter."""
    for dtype in dtypes:
        t_mod = torch_mod.to(getattr(torch, dtype))
        s_mod = shendu_mod.to(getattr(shendu, dtype))
        t_mod.zero_grad()
        s_mod.zero_grad()
        x_d = x.astype(dtype)
        t_x, s_x = _leaf(torch, x_d), _leaf(shendu, x_d)
        t_states = [_leaf(torch, s.astype(dtype)) for s in states or []]
        s_states = [_leaf(shendu, s.astype(dtype)) for s in states or []]
        batch_first = getattr(t_mod, "batch_first", False)
        t_in, s_in = t_x, s_x
        if lengths is not None:
            t_in = torch.nn.utils.rnn.pack_padded_sequence(t_x, lengths, batch_first, enforce_sorted)
            s_in = srnn.pack_padded_sequence(s_x, lengths, batch_first, enforce_sorted)
            np.testing.assert_array_equal(s_in.data.detach().numpy(), t_in.data.detach().numpy())
        args_t: list[Any] = [t_in]
        args_s: list[Any] = [s_in]
        if states:
            is_lstm = isinstance(t_mod, (torch.nn.LSTM, torch.nn.LSTMCell))
            args_t.append(tuple(t_states) if is_lstm else t_states[0])
            args_s.append(tuple(s_states) if is_lstm else s_states[0])
        t_out, s_out = t_mod(*args_t), s_mod(*args_s)
        if lengths is not None:
            _close(f"[{dtype}] packed output data", s_out[0].data, t_out[0].data, dtype)
            t_out = (torch.nn.utils.rnn.pad_packed_sequence(t_out[0], batch_first)[0], t_out[1])
            s_out = (srnn.pad_packed_sequence(s_out[0], batch_first)[0], s_out[1])
        t_flat, s_flat = _flat(t_out), _flat(s_out)
        assert len(t_flat) == len(s_flat)
        for i, (t, s) in enumerate(zip(t_flat, s_flat)):
            _close(f"[{dtype}] output {i}", s, t, dtype)
        rng = np.random.default_rng(1)
        weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_flat]
        torch.autograd.backward(t_flat, [torch.from_numpy(w) for w in weights])
        shendu.autograd.backward(s_flat, [shendu.from_numpy(w.copy()) for w in weights])
        _close(f"[{dtype}] grad of input", s_x.grad, t_x.grad, dtype)
        for i, (t, s) in enumerate(zip(t_states, s_states)):
            _close(f"[{dtype}] grad of state {i}", s.grad, t.grad, dtype)
        s_params = dict(s_mod.named_parameters())
        assert list(s_params) == [name for name, _ in t_mod.named_parameters()]
        for name, t_param in t_mod.named_parameters():
            _close(f"[{dtype}] grad of {name}", s_params[name].grad, t_param.grad, dtype)
        COUNTS["recurrent cases compared with torch"] += 1


def _data(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------- the full grid
GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True], [1, 50]))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize(("num_layers", "bidirectional", "batch_first", "with_states", "length"), GRID)
def test_layers_match_torch(
    mode: str, num_layers: int, bidirectional: bool, batch_first: bool, with_states: bool, length: int
) -> None:
    torch.manual_seed(0)
    batch, features, hidden = 2, 3, 4
    t_mod, s_mod = _pair(mode, features, hidden, num_layers, batch_first=batch_first, bidirectional=bidirectional)
    x = _data((batch, length, features) if batch_first else (length, batch, features))
    states = None
    if with_states:
        count = num_layers * (2 if bidirectional else 1)
        states = [_data((count, batch, hidden), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1]
    compare(t_mod, s_mod, x, states)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_states", [False, True])
def test_relu_rnn_and_no_bias_match_torch(bidirectional: bool, with_states: bool) -> None:
    torch.manual_seed(1)
    for mode in ("RNN_RELU", "LSTM", "GRU"):
        t_mod, s_mod = _pair(mode, 3, 5, 2, bias=mode != "RNN_RELU", bidirectional=bidirectional)
        count = 4 if bidirectional else 2
        states = [_data((count, 2, 5), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1] if with_states else None
        compare(t_mod, s_mod, _data((6, 2, 3)), states)
    t_mod, s_mod = _pair("LSTM", 3, 5, bias=False)
    compare(t_mod, s_mod, _data((6, 2, 3)))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_unbatched_input_matches_torch(mode: str) -> None:
    torch.manual_seed(2)
    t_mod, s_mod = _pair(mode, 3, 4, 2, bidirectional=True)
    compare(t_mod, s_mod, _data((7, 3)))
    states = [_data((4, 4), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1]
    compare(t_mod, s_mod, _data((7, 3)), states)


# ---------------------------------------------------------------------------- packed batches
PACKED = [([6, 4, 4, 1], True), ([2, 6, 1, 4], False), ([3, 3, 3, 3], False), ([5, 5, 2, 2], True)]


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize(("lengths", "enforce_sorted"), PACKED)
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_sequences_match_torch(mode: str, lengths: list[int], enforce_sorted: bool, batch_first: bool) -> None:
    torch.manual_seed(3)
    t_mod, s_mod = _pair(mode, 3, 4, 2, batch_first=batch_first, bidirectional=True)
    x = _data((4, 6, 3) if batch_first else (6, 4, 3))
    compare(t_mod, s_mod, x, lengths=lengths, enforce_sorted=enforce_sorted)
    states = [_data((4, 4, 4), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1]
    compare(t_mod, s_mod, x, states, lengths=lengths, enforce_sorted=enforce_sorted)


@pytest.mark.parametrize("lengths", [None, [6, 4, 4, 1]])
def test_lstm_without_gradients_matches_torch(lengths: list[int] | None) -> None:
    # Under no_grad the LSTM keeps one step's gates instead of all of them.
    torch.manual_seed(4)
    t_mod, s_mod = _pair("LSTM", 3, 4, 2, bidirectional=True)
    x = _data((6, 4, 3)).astype(np.float32)
    t_in, s_in = torch.from_numpy(x), shendu.from_numpy(x)
    if lengths is not None:
        t_in = torch.nn.utils.rnn.pack_padded_sequence(t_in, lengths)
        s_in = srnn.pack_padded_sequence(s_in, lengths)
    with torch.no_grad(), shendu.no_grad():
        (t_out, (t_h, t_c)), (s_out, (s_h, s_c)) = t_mod.float()(t_in), s_mod.to(shendu.float32)(s_in)
    if lengths is not None:
        t_out, s_out = t_out.data, s_out.data
    for name, got, want in (("output", s_out, t_out), ("h_n", s_h, t_h), ("c_n", s_c, t_c)):
        _close(name, got, want, "float32")
    COUNTS["recurrent cases compared with torch"] += 1


def test_packed_final_state_is_last_valid_step() -> None:
    lstm = LSTM(2, 3)
    x = shendu.randn(5, 2, 2)
    packed = srnn.pack_padded_sequence(x, [5, 2])
    _, (h, _) = lstm(packed)
    _, (h_short, _) = lstm(x[:2, 1:2])
    np.testing.assert_allclose(h[0, 1].detach().numpy(), h_short[0, 0].detach().numpy(), rtol=1e-6)
    out, lengths = srnn.pad_packed_sequence(lstm(packed)[0])
    assert lengths.tolist() == [5, 2]
    assert not np.any(out[2:, 1].detach().numpy())


# ---------------------------------------------------------------------------- cells
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN", "RNN_RELU"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(mode: str, bias: bool) -> None:
    torch.manual_seed(4)
    t_mod, s_mod = _pair(mode, 3, 5, bias=bias, cells=True)
    compare(t_mod, s_mod, _data((4, 3)))
    compare(t_mod, s_mod, _data((4, 3)), [_data((4, 5), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1])
    compare(t_mod, s_mod, _data((3,)), [_data((5,), seed=s) for s in (1, 2)][: 2 if mode == "LSTM" else 1])


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_cell_unrolled_over_a_sequence_matches_the_layer(mode: str) -> None:
    shendu.manual_seed(5)
    layer = SHENDU_LAYERS[mode](3, 4).to(shendu.float64)
    cell = SHENDU_CELLS[mode](3, 4).to(shendu.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = shendu.randn(6, 2, 3, dtype=shendu.float64)
    out, _ = layer(x)
    state: Any = None
    for t in range(6):
        state = cell(x[t], state)
    h = state[0] if mode == "LSTM" else state
    np.testing.assert_allclose(h.detach().numpy(), out[-1].detach().numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- gradients through time
def test_gradient_at_an_early_step_is_observable_with_hooks() -> None:
    torch.manual_seed(6)
    t_mod, s_mod = _pair("RNN", 3, 8)
    steps = _data((40, 1, 3))
    seen: dict[str, np.ndarray] = {}
    for lib, mod in ((torch, t_mod), (shendu, s_mod)):
        parts = [_leaf(lib, steps[t]) for t in range(40)]
        parts[0].register_hook(lambda g, lib=lib: seen.__setitem__(lib.__name__ + "_input", g.numpy().copy()))
        out, _ = mod(lib.stack(parts))
        out.register_hook(lambda g, lib=lib: seen.__setitem__(lib.__name__ + "_output", g.numpy().copy()))
        out[-1].sum().backward()
    np.testing.assert_allclose(seen["shendu_input"], seen["torch_input"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(seen["shendu_output"], seen["torch_output"])
    # A tanh RNN forgets: the gradient from the last step reaching the first is tiny.
    assert np.abs(seen["shendu_input"]).max() < 1e-2 * np.abs(parts[-1].grad.numpy()).max()
    COUNTS["recurrent cases compared with torch"] += 1


def test_thousand_step_sequence_backpropagates() -> None:
    lstm = LSTM(2, 4)
    x = shendu.randn(1000, 2, 2, requires_grad=True)
    out, (h, c) = lstm(x)
    (out.sum() + h.sum() + c.sum()).backward()
    assert x.grad.shape == (1000, 2, 2) and np.isfinite(x.grad.numpy()).all()
    cell = GRUCell(2, 4)
    h = None
    for t in range(1000):
        h = cell(x[t], h)
    h.sum().backward()
    assert np.isfinite(cell.weight_hh.grad.numpy()).all()


def test_truncated_bptt_carries_state_with_detach() -> None:
    torch.manual_seed(7)
    t_mod, s_mod = _pair("LSTM", 1, 6, batch_first=True)
    series = _data((1, 30, 1))
    t_state: Any = None
    s_state: Any = None
    for start in range(0, 30, 10):
        chunk = series[:, start : start + 10]
        t_out, t_state = t_mod(torch.from_numpy(chunk), t_state)
        s_out, s_state = s_mod(shendu.from_numpy(chunk.copy()), s_state)
        t_out.pow(2).mean().backward()
        s_out.pow(2).mean().backward()
        t_state = tuple(s.detach() for s in t_state)
        s_state = tuple(s.detach() for s in s_state)
        assert all(s.grad_fn is None and not s.requires_grad for s in s_state)
        _close("chunk output", s_out, t_out, "float64")
        for name, t_param in t_mod.named_parameters():
            _close(f"accumulated grad of {name}", dict(s_mod.named_parameters())[name].grad, t_param.grad, "float64")
        COUNTS["recurrent cases compared with torch"] += 1


def test_truncated_bptt_example_beats_the_naive_forecast() -> None:
    example = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "truncated_bptt.py"))
    rmse, naive = example["main"](epochs=60)
    assert rmse < naive


# ---------------------------------------------------------------------------- module behaviour
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_parameter_names_shapes_and_init_follow_torch(mode: str) -> None:
    t_mod = TORCH_LAYERS[mode](5, 7, num_layers=2, bidirectional=True)
    s_mod = SHENDU_LAYERS[mode](5, 7, num_layers=2, bidirectional=True)
    t_shapes = {k: tuple(v.shape) for k, v in t_mod.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in s_mod.state_dict().items()} == t_shapes
    bound = 1 / math.sqrt(7)
    for p in s_mod.parameters():
        values = p.detach().numpy()
        assert p.dtype == shendu.float32 and np.abs(values).max() <= bound
    assert repr(s_mod) == repr(t_mod)
    assert [[tuple(w.shape) for w in ws] for ws in s_mod.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in t_mod.all_weights
    ]
    assert repr(SHENDU_LAYERS[mode](3, 4, bias=False, batch_first=True, dropout=0.5, num_layers=3)) == repr(
        TORCH_LAYERS[mode](3, 4, bias=False, batch_first=True, dropout=0.5, num_layers=3)
    )


def test_reprs_of_cells_and_relu_follow_torch() -> None:
    # PyTorch's RNN leaves a ReLU nonlinearity out of its repr; shendu shows it, as the cells do.
    assert repr(RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity=relu)"
    for s, t in ((LSTMCell, torch.nn.LSTMCell), (GRUCell, torch.nn.GRUCell), (RNNCell, torch.nn.RNNCell)):
        assert repr(s(3, 4, bias=False)) == repr(t(3, 4, bias=False))
    assert repr(RNNCell(3, 4, nonlinearity="relu")) == repr(torch.nn.RNNCell(3, 4, nonlinearity="relu"))


def test_dropout_between_layers() -> None:
    torch.manual_seed(8)
    t_mod, s_mod = _pair("LSTM", 3, 4, 2, dropout=0.5)
    t_mod.eval()
    s_mod.eval()
    compare(t_mod, s_mod, _data((5, 2, 3)), dtypes=("float64",))
    s_mod.train()
    x = shendu.randn(5, 2, 3, dtype=shendu.float64)
    shendu.manual_seed(1)
    a = s_mod(x)[0]
    shendu.manual_seed(1)
    b = s_mod(x)[0]
    c = s_mod(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    s_mod.dropout = 0.0
    np.testing.assert_allclose(s_mod(x)[0].detach().numpy(), t_mod(torch.from_numpy(x.numpy()))[0].detach().numpy())
    with pytest.warns(UserWarning, match="dropout=0.5 has no effect with num_layers=1"):
        LSTM(3, 4, dropout=0.5)


def test_float32_stays_float32_and_batch_first_output_layout() -> None:
    lstm = LSTM(3, 4, batch_first=True)
    out, (h, c) = lstm(shendu.randn(2, 5, 3))
    assert out.dtype == h.dtype == c.dtype == shendu.float32
    assert out.shape == (2, 5, 4) and h.shape == (1, 2, 4)


def test_load_a_torch_state_dict_directly() -> None:
    t_mod = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    s_mod = GRU(3, 4, num_layers=2, bidirectional=True)
    s_mod.load_state_dict({k: v.numpy() for k, v in t_mod.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        s_mod(shendu.from_numpy(x))[0].detach().numpy(), t_mod(torch.from_numpy(x))[0].detach().numpy(), atol=1e-6
    )


# ---------------------------------------------------------------------------- errors
class _Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = LSTM(10, 20, num_layers=2, batch_first=True)

    def forward(self, x: Any, hx: Any = None) -> Any:
        return self.rnn(x, hx)


def test_input_feature_size_error_names_layer_and_shapes() -> None:
    with pytest.raises(
        ShapeError,
        match=r"^LSTM: expected input with 10 features \(input_size\), got 7; input shape \(5, 3, 7\), "
        r"weight_ih_l0 shape \(80, 10\)$",
    ):
        LSTM(10, 20)(shendu.randn(5, 3, 7))
    with pytest.raises(ShapeError, match=r"^rnn \(LSTM\): expected input with 10 features .* input shape \(3, 5, 7\)"):
        _Net()(shendu.randn(3, 5, 7))


def test_rank_errors_say_which_layout_is_expected() -> None:
    with pytest.raises(
        ShapeError, match=r"GRU: expected a 3-D input \(N, L, H_in\) \(batch_first=True\) or a 2-D unbatched"
    ):
        GRU(4, 3, batch_first=True)(shendu.randn(2, 3, 5, 4))
    with pytest.raises(
        ShapeError, match=r"RNN: expected a 3-D input \(L, N, H_in\) \(batch_first=False\).*got a 1-D input"
    ):
        RNN(4, 3)(shendu.randn(4))
    with pytest.raises(
        ShapeError, match=r"input shape \(8, 5\), weight_ih_l0 shape \(12, 1\); a 2-D input is one unbatched sequence"
    ):
        LSTM(1, 3, batch_first=True)(shendu.randn(8, 5))
    with pytest.raises(ShapeError, match=r"x.unsqueeze\(-1\) for a batch of scalar sequences"):
        LSTM(1, 3, batch_first=True)(shendu.randn(8, 5))


def test_initial_state_shape_errors() -> None:
    x = shendu.randn(3, 5, 10)
    with pytest.raises(ShapeError, match=r"rnn \(LSTM\): expected h0 of shape \(2, 3, 20\) .*got \(1, 3, 20\)"):
        _Net()(x, (shendu.zeros(1, 3, 20), shendu.zeros(2, 3, 20)))
    with pytest.raises(ShapeError, match=r"expected c0 of shape \(2, 3, 20\) .*got \(2, 3, 21\)"):
        _Net()(x, (shendu.zeros(2, 3, 20), shendu.zeros(2, 3, 21)))
    with pytest.raises(
        ShapeError,
        match=r"GRU: expected h0 of shape \(2, 4\) \(num_layers \* num_directions, hidden_size\), got \(2, 1, 4\)",
    ):
        GRU(3, 4, bidirectional=True)(shendu.randn(5, 3), shendu.zeros(2, 1, 4))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h0, c0\)"):
        LSTM(3, 4)(shendu.randn(5, 2, 3), shendu.zeros(1, 2, 4))
    with pytest.raises(
        ShapeError, match=r"LSTMCell: expected c of shape \(2, 4\) for input shape \(2, 3\), got \(4,\)"
    ):
        LSTMCell(3, 4)(shendu.randn(2, 3), (shendu.zeros(2, 4), shendu.zeros(4)))


def test_cell_and_constructor_errors() -> None:
    with pytest.raises(
        ShapeError,
        match=r"GRUCell: expected a 2-D input \(N, H_in\) .*got a 3-D input; input shape \(5, 2, 3\); a cell takes",
    ):
        GRUCell(3, 4)(shendu.randn(5, 2, 3))
    with pytest.raises(
        ShapeError, match=r"RNNCell: expected input with 3 features \(input_size\), got 2; input shape \(4, 2\)"
    ):
        RNNCell(3, 4)(shendu.randn(4, 2))
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(NotImplementedError, match="proj_size=2"):
        LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="GRU: proj_size=2 is only supported for LSTM, not RNN or GRU"):
        GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
        torch.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"LSTM: dropout must be a probability between 0 and 1, got 1\.5"):
        LSTM(3, 4, 2, dropout=1.5)
    with pytest.raises(ValueError, match="GRU: hidden_size must be a positive int, got 0"):
        GRU(3, 0)
    with pytest.raises(ShapeError, match=r"LSTM: expected packed data of shape \(sum of lengths, 3\), got \(6, 2\)"):
        LSTM(3, 4)(srnn.pack_sequence([shendu.randn(4, 2), shendu.randn(2, 2)]))


def test_dtype_mismatch_names_the_layer() -> None:
    with pytest.raises(
        DtypeError, match=r"^LSTM: input has dtype shendu.float64 but the parameters have dtype shendu.float32"
    ):
        LSTM(3, 4)(shendu.randn(5, 2, 3, dtype=shendu.float64))
    with pytest.raises(DtypeError, match=r"^GRUCell: input has dtype shendu.float64 but the parameters"):
        GRUCell(3, 4)(shendu.randn(5, 3, dtype=shendu.float64))
