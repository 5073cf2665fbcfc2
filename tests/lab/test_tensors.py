from __future__ import annotations

from typing import Any

from shendu import lab
from shendu.lab.topics.tensors import judge


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers = {
        "scalar_rank": 0,
        "vector_rank": 1,
        "matrix_rank": 2,
        "images_rank": 4,
        "images_shape": "(16, 1, 28, 28)",
        "images_dtype": "shendu.float32",
        "scalar_dtype": "shendu.float32",
        "vector_dtype": "shendu.int64",
        "device": "cpu",
        "broadcast_shape": "(3, 4)",
        "a_grad_shape": "(3, 1)",
        "b_grad_shape": "(1, 4)",
        "a_grad_is_row_sum": True,
        "b_grad_is_row_count": True,
        "bias_grad_is_batch_sum": True,
        "view_shares": True,
        "slice_shares": True,
        "clone_shares": False,
        "transpose_shares": False,
        "view_of_transpose_raises": True,
    }
    numbers.update(changes)
    return numbers


def test_tensors_quick_run_passes() -> None:
    result = lab.run("tensors", seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert result.numbers["images_shape"] == "(16, 1, 28, 28)" and result.numbers["conv_output_rank"] == 4
    assert set(result.outcome.figures) == {"broadcasting", "image-batch"}
    assert all(png[:4] == b"\x89PNG" for png in result.outcome.figures.values())


def test_tensors_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    shared_clone = judge(_numbers(clone_shares=True, a_grad_shape="(3, 4)"))
    assert not shared_clone.passed
    assert "clone" in shared_clone.sentence and "(3, 4)" in shared_clone.sentence
