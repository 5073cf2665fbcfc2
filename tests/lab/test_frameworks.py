from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shendu import lab
from shendu.lab.topics import frameworks
from tests.lab import judges, torch_reference

JUDGES: judges.Judges = {
    25: (
        {
            "cnn_float32_worst_difference": 2.95e-07,
            "cnn_float64_worst_difference": 6.03e-16,
            "mlp_float32_worst_difference": 2.35e-07,
            "mlp_float64_worst_difference": 6.08e-16,
            "overhead_over_numpy": 1.2,
            "state_dict_matches_torch": True,
        },
        {
            "same-names": [{"state_dict_matches_torch": False}],
            "float64-agrees": [{"mlp_float64_worst_difference": 1.1e-10}, {"cnn_float64_worst_difference": 1.1e-10}],
            "float32-agrees": [{"mlp_float32_worst_difference": 0.00011}, {"cnn_float32_worst_difference": 0.00011}],
            "small-overhead": [{"overhead_over_numpy": 1.65}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_run(quick: Callable[[int], lab.Result]) -> None:
    result = quick(25)
    judges.assert_quick_run(result)
    assert result.numbers["threads"] == 1


def test_shipped_reference_is_what_torch_computes() -> None:
    from safetensors.numpy import load_file

    stored = load_file(str(frameworks.REFERENCE))
    fresh = torch_reference.compute()
    assert set(stored) == set(fresh)
    for key, value in fresh.items():
        np.testing.assert_allclose(stored[key], value, rtol=1e-12, atol=1e-15, err_msg=key)


def test_the_product_never_imports_torch() -> None:
    source = Path(frameworks.__file__).read_text()
    assert "import torch" not in source and "importlib" not in source


def test_the_reference_and_its_readme_are_package_data() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["shendu.lab"]
    folder, package = frameworks.REFERENCE.parent, frameworks.REFERENCE.parents[1]
    for name in ("torch_reference.safetensors", "README.md"):
        assert any((folder / name).match(str(package / pattern)) for pattern in declared), name
