from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tdata
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.utils import data as sdata
from tests.helpers import COUNTS


class Squares(sdata.Dataset):
    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int) -> tuple[int, float, np.ndarray]:
        return i, float(i) ** 2, np.full(3, i, dtype=np.float32)


class TorchSquares(tdata.Dataset):
    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int) -> tuple[int, float, np.ndarray]:
        return i, float(i) ** 2, np.full(3, i, dtype=np.float32)


def _as_lists(batches: list) -> list:
    out = []
    for batch in batches:
        out.append([np.asarray(field).tolist() for field in batch])
    return out


@given(n=st.integers(1, 60), batch_size=st.integers(1, 17), drop_last=st.booleans())
@settings(max_examples=40, deadline=None)
def test_batch_counts_and_contents_match_torch(n: int, batch_size: int, drop_last: bool) -> None:
    values = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = sdata.DataLoader(sdata.TensorDataset(shendu.from_numpy(values)), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(values)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got = [b[0].numpy().tolist() for b in ours]
    want = [b[0].numpy().tolist() for b in theirs]
    assert got == want
    COUNTS["DataLoader configurations compared with torch"] += 1


def test_default_collate_matches_torch_types() -> None:
    ours = list(sdata.DataLoader(Squares(), batch_size=4))
    theirs = list(tdata.DataLoader(TorchSquares(), batch_size=4))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        for fa, fb in zip(a, b):
            assert str(fa.dtype).split(".")[-1] == str(fb.dtype).split(".")[-1]
            np.testing.assert_array_equal(fa.numpy(), fb.numpy())


def test_collate_of_dicts_and_strings() -> None:
    batch = sdata.default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])
    assert batch["name"] == ["a", "b"] and batch["x"].dtype == shendu.float64


def test_seeded_shuffling_is_reproducible_and_a_permutation() -> None:
    dataset = sdata.TensorDataset(shendu.arange(100))

    def order(seed: int) -> list[int]:
        g = shendu.Generator().manual_seed(seed)
        return [
            int(v) for b in sdata.DataLoader(dataset, batch_size=7, shuffle=True, generator=g) for v in b[0].tolist()
        ]

    assert order(1) == order(1)
    assert order(1) != order(2)
    assert sorted(order(1)) == list(range(100))


def test_global_seed_controls_shuffling() -> None:
    dataset = sdata.TensorDataset(shendu.arange(50))
    shendu.manual_seed(5)
    first = [b[0].tolist() for b in sdata.DataLoader(dataset, batch_size=10, shuffle=True)]
    shendu.manual_seed(5)
    second = [b[0].tolist() for b in sdata.DataLoader(dataset, batch_size=10, shuffle=True)]
    assert first == second


def test_prefetching_gives_the_same_batches() -> None:
    dataset = sdata.TensorDataset(shendu.arange(64), shendu.arange(64) * 2)
    g1, g2 = shendu.Generator().manual_seed(3), shendu.Generator().manual_seed(3)
    plain = [b[0].tolist() for b in sdata.DataLoader(dataset, batch_size=8, shuffle=True, generator=g1)]
    threaded = [b[0].tolist() for b in sdata.DataLoader(dataset, 8, shuffle=True, generator=g2, num_workers=2)]
    assert plain == threaded


def test_prefetching_reraises_dataset_errors() -> None:
    class Broken(sdata.Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> int:
            raise RuntimeError(f"sample {i} is broken")

    with pytest.raises(RuntimeError, match="sample 0 is broken"):
        list(sdata.DataLoader(Broken(), batch_size=2, num_workers=1))


def test_samplers() -> None:
    assert list(sdata.SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = shendu.Generator().manual_seed(0)
    assert sorted(sdata.RandomSampler(range(10), generator=g)) == list(range(10))
    assert len(list(sdata.RandomSampler(range(10), replacement=True, num_samples=25))) == 25
    assert sorted(sdata.SubsetRandomSampler([3, 5, 7])) == [3, 5, 7]
    drawn = list(sdata.WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=20))
    assert drawn == [1] * 20
    batches = list(sdata.BatchSampler(sdata.SequentialSampler(range(10)), 3, drop_last=False))
    assert batches == list(tdata.BatchSampler(tdata.SequentialSampler(range(10)), 3, drop_last=False))
    assert len(sdata.BatchSampler(range(10), 3, drop_last=True)) == 3


def test_batch_sampler_argument_and_batch_size_none() -> None:
    dataset = sdata.TensorDataset(shendu.arange(6))
    loader = sdata.DataLoader(dataset, batch_sampler=[[0, 1], [4, 5, 2]])
    assert [b[0].tolist() for b in loader] == [[0, 1], [4, 5, 2]]
    singles = list(sdata.DataLoader(Squares(), batch_size=None))
    assert singles[3][0] == 3


def test_iterable_dataset() -> None:
    class Stream(sdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in sdata.DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in sdata.DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


def test_subset_concat_and_random_split() -> None:
    base = sdata.TensorDataset(shendu.arange(10))
    sub = sdata.Subset(base, [9, 0, 4])
    assert [b[0].tolist() for b in sdata.DataLoader(sub, batch_size=2)] == [[9, 0], [4]]
    both = sdata.ConcatDataset([Squares(), Squares()])
    assert len(both) == 20 and both[13][0] == 3 and both[-1][0] == 9
    parts = sdata.random_split(base, [0.7, 0.3], generator=shendu.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sdata.DataLoader(Squares(), batch_size=0), "batch_size must be a positive int"),
        (lambda: sdata.DataLoader(Squares(), shuffle=True, sampler=[0, 1]), "sampler is mutually exclusive"),
        (lambda: sdata.DataLoader(Squares(), batch_size=2, batch_sampler=[[0]]), "batch_sampler is mutually exclusive"),
        (lambda: sdata.DataLoader(Squares(), num_workers=-1), "num_workers must be a non-negative int"),
        (lambda: sdata.TensorDataset(shendu.zeros(3), shendu.zeros(4)), r"same size in dimension 0, got shapes"),
        (lambda: sdata.random_split(Squares(), [3, 3]), r"lengths \[3, 3\] sum to 6, but the dataset has 10"),
        (lambda: sdata.WeightedRandomSampler([-1.0], 2), "weights must be finite, non-negative"),
        (lambda: sdata.ConcatDataset([Squares()])[10], "index 10 is out of range"),
    ],
)
def test_errors(make, message: str) -> None:
    with pytest.raises((ValueError, IndexError), match=message):
        make()


def test_collating_samples_of_different_shapes_or_pil_images_says_what_to_do() -> None:
    from PIL import Image

    samples = [shendu.zeros(3, 10, 12), shendu.zeros(3, 10, 12), shendu.zeros(3, 1, 1)]
    with pytest.raises(
        shendu.ShapeError,
        match=r"default_collate: every sample of a batch must have one shape, got \(3, 10, 12\) at index 0 and "
        r"\(3, 1, 1\) at index 2; .* transforms.Resize",
    ):
        sdata.default_collate(samples)
    with pytest.raises(shendu.ShapeError, match=r"got \(2,\) at index 0 and \(3,\) at index 1"):
        sdata.default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match=r"cannot batch samples of type Image; add transform=transforms.ToTensor\(\)"):
        sdata.default_collate([Image.new("RGB", (2, 2))] * 2)
