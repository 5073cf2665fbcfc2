from __future__ import annotations

import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


def test_pairwise_distance_layer() -> None:
    check_module(torch.nn.PairwiseDistance(), nn.PairwiseDistance, (4, 3), (4, 3))
    check_module(
        torch.nn.PairwiseDistance(p=1.0, keepdim=True), lambda: nn.PairwiseDistance(p=1.0, keepdim=True), (4, 3), (4, 3)
    )
    check_module(torch.nn.PairwiseDistance(eps=0.0), lambda: nn.PairwiseDistance(eps=0.0), (3,), (3,))


def test_cosine_similarity_layer() -> None:
    check_module(torch.nn.CosineSimilarity(), nn.CosineSimilarity, (4, 3), (4, 3))
    check_module(
        torch.nn.CosineSimilarity(dim=0, eps=1e-6), lambda: nn.CosineSimilarity(dim=0, eps=1e-6), (4, 3), (4, 3)
    )


def test_reprs_match_torch() -> None:
    assert repr(nn.PairwiseDistance(p=1.0)) == repr(torch.nn.PairwiseDistance(p=1.0))
    assert repr(nn.CosineSimilarity(dim=0)) == repr(torch.nn.CosineSimilarity(dim=0))
    assert list(nn.PairwiseDistance().state_dict()) == [] and shendu.nn.CosineSimilarity().dim == 1
