"""The documentation: the site builds with warnings as errors, and the code it shows runs and says true things."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import shendu
import shendu.nn.functional as F
from shendu import nn

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# One BLAS thread: the programs are small, and the suite shares the machine's cores.
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)


def run_program(code: str, cwd: Path) -> str:
    (cwd / "program.py").write_text(code)
    done = subprocess.run([sys.executable, "program.py"], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**ENV, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    pages = ("quickstart", "tutorials/porting", "tutorials/higher-order", "tutorials/own-images", "tutorials/lab")
    for page in (*pages, "examples", "performance"):
        assert (site / page / "index.html").exists(), page
    linear = (site / "reference" / "shendu" / "nn" / "modules" / "linear" / "index.html").read_text()
    assert "shendu.nn.modules.linear.Linear" in linear and "in_features" in linear
    # A re-exported name links to where it is documented.
    nn_page = (site / "reference" / "shendu" / "nn" / "index.html").read_text()
    assert 'href="modules/linear/#shendu.nn.modules.linear.Linear"' in nn_page
    # The build leaves the working tree as it was.
    assert not (ROOT / "docs" / "reference").exists()


def test_readme_example_runs_and_restores_the_model(tmp_path: Path) -> None:
    readme = python_blocks(ROOT / "README.md")[0]
    assert readme == python_blocks(DOCS / "quickstart.md")[1], "the quick start shows the README's example"
    out = run_program(readme, tmp_path)
    trained = re.findall(r"epoch 2: test accuracy (\S+)", out)
    restored = re.findall(r"restored from mlp.safetensors: test accuracy (\S+)", out)
    assert trained == restored and float(trained[0]) > 0.8
    assert (tmp_path / "mlp.safetensors").exists()


def test_porting_script_runs_under_pytorch_and_shendu(tmp_path: Path) -> None:
    script = python_blocks(DOCS / "tutorials" / "porting.md")[0]
    shendu_imports = (
        "import shendu as torch\nimport shendu.nn.functional as F\nfrom shendu import nn, optim\n"
        "from shendu.utils.data import DataLoader, TensorDataset, random_split\n"
    )
    assert shendu_imports in script
    torch_imports = (
        "import torch\nimport torch.nn.functional as F\nfrom torch import nn, optim\n"
        "from torch.utils.data import DataLoader, TensorDataset, random_split\n"
    )
    for code in (script, script.replace(shendu_imports, torch_imports)):
        (tmp_path / "run").mkdir(exist_ok=True)
        accuracy = float(re.search(r"validation accuracy (\S+)", run_program(code, tmp_path / "run")).group(1))
        assert accuracy >= 0.9, code[:40]


def not_yet() -> list[str]:
    text = (DOCS / "tutorials" / "porting.md").read_text()
    section = text.split("## Not in shendu (yet)", 1)[1]
    return re.findall(r"^- `([^`]+)`", section, flags=re.MULTILINE)


@pytest.mark.parametrize("expression", not_yet())
def test_what_the_porting_guide_lists_as_missing_is_missing(expression: str) -> None:
    x = shendu.ones(1, 1, 4, 4)
    with pytest.raises((AttributeError, NotImplementedError)):
        eval(expression, {"shendu": shendu, "nn": nn, "F": F, "x": x})


def test_every_example_is_on_the_examples_page() -> None:
    page = (DOCS / "examples.md").read_text()
    for program in (ROOT / "examples").glob("*.py"):
        assert f"examples/{program.name}" in page, program.name


def test_higher_order_page_runs(tmp_path: Path) -> None:
    blocks = python_blocks(DOCS / "tutorials" / "higher-order.md")
    penalty = run_program(blocks[0], tmp_path)
    assert re.fullmatch(r"gradient penalty \d+\.\d{4}, critic weight gradient norm \d+\.\d{4}\n", penalty)
    out = run_program(blocks[1], tmp_path)
    assert "tensor([[14.,  8.],\n        [ 8., 14.]])" in out and "tensor([14.,  8.])" in out
