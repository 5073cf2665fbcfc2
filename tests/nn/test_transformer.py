from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module

pytestmark = [
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
    pytest.mark.filterwarnings("ignore:Support for mismatched"),
    pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors"),
]

D, H, FF = 8, 2, 16
SRC_PADDING = np.array([[False] * 6, [False] * 4 + [True] * 2])
TGT_PADDING = np.array([[False] * 4 + [True], [False] * 5])
CAUSAL = np.triu(np.ones((5, 5), dtype=bool), 1)


# In float32, a few gradients of these multi-layer models are sums of O(1) terms that cancel to O(1e-3);
# their rounding differs from torch's by about 1e-6 absolute.
FLOAT32_ATOL = {"float32": 1e-5}


def mask(lib: Any, array: np.ndarray | None, dtype: Any) -> Any:
    if array is None:
        return None
    t = lib.tensor(array)
    return t if array.dtype == bool else t.to(dtype)


def pair(build: Any, call: Any) -> tuple[Any, Any]:
    """torch and shendu modules that hold ``build(lib)`` as ``.net`` and run ``call(lib, net, *inputs)``."""

    def make(lib: Any) -> Any:
        class Run(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = build(lib)

            def forward(self, *inputs: Any) -> Any:
                return call(lib, self.net, *inputs)

        return Run

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the enable_nested_tensor notice, tested on its own below
        return make(torch)(), make(shendu)


def layer_kwargs(lib: Any, activation: str) -> dict[str, Any]:
    chosen = {"relu": "relu", "gelu": "gelu", "fn": lib.nn.functional.gelu, "tanh": lib.tanh, "module": lib.nn.GELU()}
    return {"activation": chosen[activation]}


@pytest.mark.parametrize(
    ("options", "activation"),
    [
        ({}, "relu"),
        ({"norm_first": True}, "gelu"),
        ({"batch_first": True}, "fn"),
        ({"layer_norm_eps": 1e-3, "bias": False}, "tanh"),
        ({"norm_first": True, "batch_first": True}, "module"),
    ],
)
def test_encoder_layer(options: dict, activation: str) -> None:
    build = lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, **options, **layer_kwargs(lib, activation))  # noqa: E731
    t, s = pair(build, lambda lib, net, x: net(x))
    shape = (2, 6, D) if options.get("batch_first") else (6, 2, D)
    check_module(t, s, shape, atol=FLOAT32_ATOL)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "masks",
    [
        {"src_key_padding_mask": SRC_PADDING},
        {"src_mask": np.triu(np.ones((6, 6), dtype=bool), 1)},
        {"src_mask": np.triu(np.full((6, 6), -np.inf), 1), "is_causal": True},
        {"src_mask": np.triu(np.ones((6, 6), dtype=bool), 1), "src_key_padding_mask": SRC_PADDING},
        {"src_key_padding_mask": np.where(SRC_PADDING, -np.inf, 0.0)},
    ],
)
def test_encoder_layer_masks(masks: dict, batch_first: bool) -> None:
    def call(lib: Any, net: Any, x: Any) -> Any:
        given = {k: mask(lib, v, x.dtype) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        return net(x, **given)

    t, s = pair(lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first), call)
    check_module(t, s, (2, 6, D) if batch_first else (6, 2, D), atol=FLOAT32_ATOL)


def test_unbatched_layers() -> None:
    t, s = pair(lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF), lambda lib, net, x: net(x))
    check_module(t, s, (6, D), atol=FLOAT32_ATOL)
    t, s = pair(lambda lib: lib.nn.TransformerDecoderLayer(D, H, FF, norm_first=True), lambda lib, net, x, m: net(x, m))
    check_module(t, s, (5, D), (6, D), atol=FLOAT32_ATOL)


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder(norm: bool, batch_first: bool) -> None:
    def build(lib: Any) -> Any:
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(D) if norm else None)

    def call(lib: Any, net: Any, x: Any) -> Any:
        causal = lib.nn.Transformer.generate_square_subsequent_mask(6, dtype=x.dtype)
        return net(x, mask=causal, src_key_padding_mask=mask(lib, SRC_PADDING, x.dtype))

    t, s = pair(build, call)
    check_module(t, s, (2, 6, D) if batch_first else (6, 2, D), atol=FLOAT32_ATOL)


@pytest.mark.parametrize(
    ("options", "masks"),
    [
        ({}, {}),
        ({"norm_first": True}, {"tgt_mask": CAUSAL}),
        ({"batch_first": True}, {"tgt_mask": CAUSAL, "tgt_key_padding_mask": TGT_PADDING}),
        ({}, {"memory_key_padding_mask": SRC_PADDING, "tgt_mask": np.triu(np.full((5, 5), -np.inf), 1)}),
        ({"activation": "gelu"}, {"memory_mask": np.eye(5, 6, dtype=bool), "tgt_is_causal": False}),
    ],
)
def test_decoder_layer(options: dict, masks: dict) -> None:
    def call(lib: Any, net: Any, tgt: Any, memory: Any) -> Any:
        given = {k: mask(lib, v, tgt.dtype) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        return net(tgt, memory, **given)

    t, s = pair(lambda lib: lib.nn.TransformerDecoderLayer(D, H, FF, **options), call)
    batch_first = options.get("batch_first")
    check_module(
        t, s, (2, 5, D) if batch_first else (5, 2, D), (2, 6, D) if batch_first else (6, 2, D), atol=FLOAT32_ATOL
    )


def test_decoder() -> None:
    def build(lib: Any) -> Any:
        return lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(D, H, FF), 2, lib.nn.LayerNorm(D))

    def call(lib: Any, net: Any, tgt: Any, memory: Any) -> Any:
        causal = lib.nn.Transformer.generate_square_subsequent_mask(5, dtype=tgt.dtype)
        return net(tgt, memory, tgt_mask=causal, memory_key_padding_mask=mask(lib, SRC_PADDING, tgt.dtype))

    t, s = pair(build, call)
    check_module(t, s, (5, 2, D), (6, 2, D), atol=FLOAT32_ATOL)


@pytest.mark.parametrize("options", [{}, {"batch_first": True, "norm_first": True, "activation": "gelu"}])
def test_transformer(options: dict) -> None:
    def build(lib: Any) -> Any:
        return lib.nn.Transformer(D, H, 2, 2, FF, **options)

    def call(lib: Any, net: Any, src: Any, tgt: Any) -> Any:
        causal = net.generate_square_subsequent_mask(5, dtype=src.dtype)
        return net(
            src,
            tgt,
            tgt_mask=causal,
            src_key_padding_mask=mask(lib, SRC_PADDING, src.dtype),
            memory_key_padding_mask=mask(lib, SRC_PADDING, src.dtype),
            tgt_key_padding_mask=mask(lib, TGT_PADDING, src.dtype),
        )

    t, s = pair(build, call)
    batch_first = options.get("batch_first")
    check_module(
        t, s, (2, 6, D) if batch_first else (6, 2, D), (2, 5, D) if batch_first else (5, 2, D), atol=FLOAT32_ATOL
    )


def test_torch_weights_give_torch_outputs() -> None:
    """A torch Transformer's state_dict, loaded as tensors, gives torch's outputs in shendu."""
    torch.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(16, 4, 2, 2, 32, dropout=0.0).double().eval()
        s = nn.Transformer(16, 4, 2, 2, 32, dropout=0.0).double().eval()
    result = s.load_state_dict({k: shendu.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    src, tgt = np.random.default_rng(0).standard_normal((2, 7, 3, 16))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(7, dtype=torch.float64)
    want = t(torch.tensor(src), torch.tensor(tgt), tgt_mask=mask).detach().numpy()
    got = s(shendu.tensor(src), shendu.tensor(tgt), tgt_mask=nn.Transformer.generate_square_subsequent_mask(7))
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-12)


def test_inference_without_gradients_zeroes_padded_positions_as_torch() -> None:
    """torch's nested-tensor path (eval, no grad, batch_first): padded outputs are zero before the final norm."""
    torch.manual_seed(0)
    for norm in (False, True):
        t_layer = torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=True)
        t = torch.nn.TransformerEncoder(t_layer, 2, torch.nn.LayerNorm(D) if norm else None).eval()
        s_layer = nn.TransformerEncoderLayer(D, H, FF, batch_first=True)
        s = nn.TransformerEncoder(s_layer, 2, nn.LayerNorm(D) if norm else None).eval()
        s.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
        x = np.random.default_rng(1).standard_normal((2, 6, D)).astype(np.float32)
        # Padding at the end of a sequence takes the nested path; padding in between does not.
        scattered = np.array([[False] * 6, [False, True, False, True, False, False]])
        for padding, zeroed in ((SRC_PADDING, True), (scattered, False)):
            with torch.no_grad():
                want = t(torch.tensor(x), src_key_padding_mask=torch.tensor(padding)).numpy()
            with shendu.no_grad():
                got = s(shendu.tensor(x), src_key_padding_mask=shendu.tensor(padding)).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
            if not norm:
                assert (not got[1, padding[1]].any()) == zeroed
        with shendu.no_grad():
            s.train()  # training mode never takes the nested path
            assert s(shendu.tensor(x), src_key_padding_mask=shendu.tensor(SRC_PADDING))[1, 4:].any()


def test_generate_square_subsequent_mask() -> None:
    for size, dtype in ((1, None), (4, None), (3, "float64")):
        s = nn.Transformer.generate_square_subsequent_mask(size, dtype=getattr(shendu, dtype) if dtype else None)
        t = torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=getattr(torch, dtype) if dtype else None)
        np.testing.assert_array_equal(s.numpy(), t.numpy())
        assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert isinstance(nn.Transformer.__dict__["generate_square_subsequent_mask"], staticmethod)


def test_structure_matches_torch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [
            (torch.nn.Transformer(D, H, 2, 1, FF), nn.Transformer(D, H, 2, 1, FF)),
            (torch.nn.TransformerDecoderLayer(D, H, FF, bias=False), nn.TransformerDecoderLayer(D, H, FF, bias=False)),
        ]
    for t, s in pairs:
        assert repr(s) == repr(t)
        assert [(n, tuple(p.shape)) for n, p in s.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in t.named_parameters()
        ]
    t, s = pairs[0]
    assert s.d_model == t.d_model and s.nhead == t.nhead and s.batch_first == t.batch_first
    assert s.encoder.num_layers == 2 and s.decoder.num_layers == 1
    assert s.encoder.layers[0].activation_relu_or_gelu == t.encoder.layers[0].activation_relu_or_gelu == 1
    # Every weight matrix starts xavier-uniform: the in-projection's bound is sqrt(6 / (3D + D)).
    bound = (6 / (4 * D)) ** 0.5
    assert 0.9 * bound < s.encoder.layers[0].self_attn.in_proj_weight.abs().max().item() <= bound
    # A stack's copies start equal (nn.Transformer then draws each weight anew) but are separate parameters.
    a, b = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF), 2, enable_nested_tensor=False).layers
    assert a.linear1.weight is not b.linear1.weight and a.linear1.weight.equal(b.linear1.weight)


def test_nested_tensor_notice_matches_torch() -> None:
    for batch_first in (False, True):
        with warnings.catch_warnings(record=True) as t_caught:
            warnings.simplefilter("always")
            torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first), 1)
        with warnings.catch_warnings(record=True) as s_caught:
            warnings.simplefilter("always")
            nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first), 1)
        assert [str(w.message) for w in s_caught] == [str(w.message) for w in t_caught]


def test_training_mode_applies_dropout() -> None:
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    x = shendu.randn(6, 2, D)
    shendu.manual_seed(0)
    a = layer(x)
    shendu.manual_seed(0)
    assert a.equal(layer(x))
    layer.eval()
    assert not a.allclose(layer(x))


def test_errors() -> None:
    with pytest.raises(
        ValueError, match="TransformerEncoderLayer: activation should be 'relu', 'gelu' or a callable, got 'tanh'"
    ):
        nn.TransformerEncoderLayer(D, H, activation="tanh")
    with pytest.raises(ValueError, match="TransformerDecoderLayer: activation should be"):
        nn.TransformerDecoderLayer(D, H, activation=3)
    with pytest.raises(ValueError, match="MultiheadAttention: embed_dim must be divisible by num_heads"):
        nn.TransformerEncoderLayer(D, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nn.Transformer(D, H, 1, 1, FF)
    with pytest.raises(
        shendu.ShapeError,
        match=r"Transformer: src and tgt must have the same batch size \(dim 1\), got shapes "
        r"\(6, 2, 8\) and \(5, 3, 8\)",
    ):
        model(shendu.zeros(6, 2, D), shendu.zeros(5, 3, D))
    with pytest.raises(shendu.ShapeError, match=r"Transformer: src and tgt must have d_model=8 features, got shapes"):
        model(shendu.zeros(6, 2, 4), shendu.zeros(5, 2, 4))
    with pytest.raises(
        shendu.ShapeError,
        match=r"^encoder.layers.0.self_attn \(MultiheadAttention\): multi_head_attention_forward: "
        r"the 2-D attn_mask has shape \(5, 5\), but should be \(6, 6\)",
    ):
        model(shendu.zeros(6, 2, D), shendu.zeros(5, 2, D), src_mask=shendu.zeros(5, 5))
