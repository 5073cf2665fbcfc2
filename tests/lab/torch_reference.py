"""PyTorch's outputs and gradients for question 25's two models, which ship with shendu as the lab's reference.

Run ``python -m tests.lab.torch_reference`` from the repository root (with torch installed) to write
``shendu/lab/data/torch_reference.safetensors``; ``test_frameworks.py`` checks that the stored file
still matches what PyTorch computes.
"""

from __future__ import annotations

import numpy as np
import torch

from shendu.lab.topics.frameworks import REFERENCE, layers, reference_inputs, reference_weights


def compute() -> dict[str, np.ndarray]:
    """Every model's output, loss and parameter gradients, computed by PyTorch in float64."""
    arrays: dict[str, np.ndarray] = {}
    images, labels = reference_inputs()
    for kind in ("mlp", "cnn"):
        model = torch.nn.Sequential(*layers(torch.nn, kind)).double()
        shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
        model.load_state_dict({name: torch.from_numpy(w) for name, w in reference_weights(shapes).items()})
        out = model(torch.from_numpy(images))
        loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(labels))
        loss.backward()
        arrays[f"{kind}.output"] = out.detach().numpy()
        arrays[f"{kind}.loss"] = np.array([loss.item()])
        for name, p in model.named_parameters():
            arrays[f"{kind}.grad.{name}"] = p.grad.numpy()
    return arrays


def main() -> None:
    from safetensors.numpy import save_file

    save_file(compute(), str(REFERENCE), metadata={"torch_version": torch.__version__})
    print(f"wrote {REFERENCE}")


if __name__ == "__main__":
    main()
