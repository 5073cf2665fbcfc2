from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.errors import DtypeError, IndexOutOfRange, ShapeError
from shendu.nn.module import Module
from shendu.nn.modules.rnn import LSTM
from shendu.nn.modules.sparse import Embedding
from shendu.ops.embedding import embedding
from tests.helpers import COUNTS, check, grad_check

INDICES = np.array([[1, 2, 2, 9], [1, 1, 0, 2], [7, 7, 7, 3]])


def _pair(*args: Any, **kwargs: Any) -> tuple[torch.nn.Embedding, Embedding]:
    t_mod = torch.nn.Embedding(*args, **kwargs).double()
    s_mod = Embedding(*args, **kwargs).to(shendu.float64)
    s_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})
    return t_mod, s_mod


def _compare(t_mod: torch.nn.Embedding, s_mod: Embedding, indices: np.ndarray) -> None:
    t_out, s_out = t_mod(torch.from_numpy(indices)), s_mod(shendu.from_numpy(indices))
    np.testing.assert_allclose(s_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(0).standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(w)).sum().backward()
    (s_out * shendu.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(s_mod.weight.grad.numpy(), t_mod.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s_mod.weight.detach().numpy(), t_mod.weight.detach().numpy(), rtol=1e-12)
    COUNTS["recurrent cases compared with torch"] += 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding_idx": 2},
        {"padding_idx": -1},
        {"scale_grad_by_freq": True},
        {"max_norm": 1.0},
        {"max_norm": 2.0, "norm_type": 1.0},
    ],
)
def test_embedding_matches_torch(kwargs: dict[str, Any]) -> None:
    torch.manual_seed(0)
    _compare(*_pair(10, 3, **kwargs), INDICES)
    _compare(*_pair(10, 3, **kwargs), np.array([4, 0, 9]))
    _compare(*_pair(10, 3, **kwargs), np.array(5))


def _embedding(m: Any) -> Any:
    return embedding if m is shendu else torch.nn.functional.embedding


def test_functional_embedding_accumulates_repeated_indices() -> None:
    idx = np.array([[0, 3, 3], [3, 1, 0]])
    check(lambda m, w: _embedding(m)(m.tensor(idx), w), (5, 4))
    check(lambda m, w: _embedding(m)(m.tensor(idx), w, padding_idx=3), (5, 4))
    check(lambda m, w: _embedding(m)(m.tensor(idx), w, scale_grad_by_freq=True), (5, 4))
    check(lambda m, w: _embedding(m)(m.from_numpy(idx.astype(np.int32)), w), (5, 4))
    check(lambda m, w: _embedding(m)(m.from_numpy(np.zeros((2, 0), np.int64)), w), (5, 4))
    check(lambda m, w: _embedding(m)(m.tensor(idx), w.t()), (4, 5))
    grad_check(lambda m, w: embedding(shendu.from_numpy(idx), w), (5, 4))


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient() -> None:
    emb = Embedding(6, 4, padding_idx=0)
    assert not np.any(emb.weight.detach().numpy()[0])
    out = emb(shendu.tensor([[0, 1, 0], [2, 0, 5]]))
    out.sum().backward()
    grad = emb.weight.grad.numpy()
    assert not np.any(grad[0])
    np.testing.assert_array_equal(grad[[1, 2, 5]], np.ones((3, 4), np.float32))
    assert emb.weight.dtype == shendu.float32 and out.dtype == shendu.float32


def test_from_pretrained_freezes_by_default_and_shares_data() -> None:
    pretrained = shendu.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    frozen = Embedding.from_pretrained(pretrained)
    assert not frozen.weight.requires_grad
    np.testing.assert_allclose(frozen(shendu.tensor([1])).numpy(), [[4.0, 5.1, 6.3]])
    assert np.shares_memory(frozen.weight._array, pretrained._array)
    trainable = Embedding.from_pretrained(pretrained, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    trainable(shendu.tensor([0, 1])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy(), [[1, 1, 1], [0, 0, 0]])
    t_mod = torch.nn.Embedding.from_pretrained(torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]]))
    assert repr(frozen) == repr(t_mod)
    assert [n for n, _ in frozen.named_parameters()] == [n for n, _ in t_mod.named_parameters()]


def test_default_init_and_repr_follow_torch() -> None:
    emb = Embedding(1000, 50, padding_idx=3, max_norm=2.0, scale_grad_by_freq=True)
    w = emb.weight.detach().numpy()
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02 and not np.any(w[3])
    assert repr(emb) == repr(torch.nn.Embedding(1000, 50, padding_idx=3, max_norm=2.0, scale_grad_by_freq=True))


def test_embedding_then_lstm_classifier_matches_torch() -> None:
    torch.manual_seed(1)
    t_emb, s_emb = _pair(20, 5, padding_idx=0)
    t_lstm = torch.nn.LSTM(5, 6, batch_first=True).double()
    s_lstm = LSTM(5, 6, batch_first=True).to(shendu.float64)
    s_lstm.load_state_dict({k: v.detach().numpy() for k, v in t_lstm.state_dict().items()})
    tokens = np.array([[3, 7, 19, 0, 0], [5, 2, 2, 8, 1]])
    t_out = t_lstm(t_emb(torch.from_numpy(tokens)))[1][0].sum()
    s_out = s_lstm(s_emb(shendu.from_numpy(tokens)))[1][0].sum()
    t_out.backward()
    s_out.backward()
    np.testing.assert_allclose(s_out.item(), t_out.item(), rtol=1e-12)
    np.testing.assert_allclose(s_emb.weight.grad.numpy(), t_emb.weight.grad.numpy(), rtol=1e-9, atol=1e-14)
    COUNTS["recurrent cases compared with torch"] += 1


class _Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = Embedding(10, 4)

    def forward(self, x: Any) -> Any:
        return self.embed(x)


def test_index_out_of_range_names_the_layer_index_and_size() -> None:
    with pytest.raises(
        IndexOutOfRange,
        match=r"^embed \(Embedding\): index 10 is out of range for num_embeddings=10; indices must be in "
        r"\[0, 10\) \(input shape \(2, 2\), weight shape \(10, 4\)\)",
    ):
        _Net()(shendu.tensor([[1, 2], [10, 3]]))
    with pytest.raises(IndexError, match=r"^Embedding: index -1 is out of range for num_embeddings=10"):
        Embedding(10, 4)(shendu.tensor([-1]))
    with pytest.raises(
        IndexOutOfRange, match=r"^embedding: index 7 is out of range for 5 embeddings \(num_embeddings=5\)"
    ):
        embedding(shendu.tensor([7]), shendu.randn(5, 2))


def test_other_errors() -> None:
    with pytest.raises(
        DtypeError, match=r"Embedding: expected integer indices \(int64 or int32\), got dtype shendu.float32"
    ):
        Embedding(10, 4)(shendu.tensor([1.0]))
    with pytest.raises(DtypeError, match=r"embedding: input must hold integer indices"):
        embedding(shendu.tensor([1.0]), shendu.randn(5, 2))
    with pytest.raises(
        ShapeError, match=r"embedding: weight must be 2-D \(num_embeddings, embedding_dim\), got shape \(5,\)"
    ):
        embedding(shendu.tensor([1]), shendu.randn(5))
    with pytest.raises(
        ValueError, match=r"Embedding: padding_idx must be in \[-10, 10\) for num_embeddings=10, got 10"
    ):
        Embedding(10, 4, padding_idx=10)
    with pytest.raises(NotImplementedError, match="sparse=True is not supported"):
        Embedding(10, 4, sparse=True)
    with pytest.raises(ShapeError, match=r"Embedding: _weight must have shape \(10, 4\)"):
        Embedding(10, 4, _weight=shendu.randn(4, 10))
    with pytest.raises(ShapeError, match=r"from_pretrained: embeddings must be 2-D"):
        Embedding.from_pretrained(shendu.randn(3))
