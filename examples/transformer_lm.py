"""A small Transformer language model, character by character, on Python's own documentation.

The same text as ``char_rnn.py`` (Python's language reference, ``pydoc_data.topics``), modelled
by a decoder-only Transformer: token and learned position embeddings, a stack of pre-norm
``nn.TransformerEncoderLayer``s with a causal mask (each position attends only to itself and
the positions before it), and a linear layer over the characters. Training draws random
windows of 64 characters; AdamW with a one-cycle schedule. The held-out last 10% of the text
is scored in windows of 64 characters, each read from its start (unlike the LSTM's score,
which carries its state across windows, so the first characters of each window here are
predicted with less context). Then the model writes text one character at a time.

Run:  python examples/transformer_lm.py               (1,000 steps, about ten minutes on 2 cores)
      python examples/transformer_lm.py --quick       (seconds; the sample is still noise)
"""

from __future__ import annotations

import argparse
import math
import time
from pydoc_data.topics import topics

import numpy as np

import shendu
from shendu import nn, optim

CONTEXT = 64


class CharTransformer(nn.Module):
    def __init__(self, vocab_size: int, d_model: int = 128, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.positions = nn.Embedding(CONTEXT, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, dim_feedforward=4 * d_model, dropout=0.1, batch_first=True, norm_first=True
        )
        # Nested tensors are a PyTorch speed-up for padded batches; these windows have no padding.
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, ids: shendu.Tensor) -> shendu.Tensor:
        length = ids.shape[1]
        x = self.tokens(ids) + self.positions(shendu.arange(length))
        mask = nn.Transformer.generate_square_subsequent_mask(length)
        return self.head(self.norm(self.blocks(x, mask=mask, is_causal=True)))


def load_text() -> str:
    """The language reference, topic by topic in a fixed order, reduced to printable ASCII."""
    text = "\n\n".join(topics[key].strip() for key in sorted(topics))
    return "".join(c for c in text if c == "\n" or 32 <= ord(c) < 127)


def bits_per_char(model: CharTransformer, data: np.ndarray) -> float:
    """Mean cross-entropy in bits over consecutive windows of ``CONTEXT`` characters, 32 at a time."""
    model.eval()
    windows = (len(data) - 1) // CONTEXT
    inputs = data[: windows * CONTEXT].reshape(windows, CONTEXT)
    targets = data[1 : windows * CONTEXT + 1].reshape(windows, CONTEXT)
    total = 0.0
    with shendu.no_grad():
        for start in range(0, windows, 32):
            logits = model(shendu.from_numpy(inputs[start : start + 32]))
            flat = shendu.from_numpy(targets[start : start + 32].reshape(-1))
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), flat, reduction="sum").item()
    return total / (windows * CONTEXT) / math.log(2)


def generate(model: CharTransformer, chars: list[str], prompt: str, length: int, temperature: float = 0.8) -> str:
    model.eval()
    index = {c: i for i, c in enumerate(chars)}
    generator = shendu.Generator().manual_seed(0)
    ids = [index[c] for c in prompt]
    with shendu.no_grad():
        for _ in range(length):
            logits = model(shendu.tensor([ids[-CONTEXT:]]))
            probs = nn.functional.softmax(logits[0, -1] / temperature, dim=-1)
            ids.append(int(shendu.multinomial(probs, 1, generator=generator).item()))
    return "".join(chars[i] for i in ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="40 steps of a one-layer model, scored on 10,000 chars")
    args = parser.parse_args()
    steps, d_model, layers = (40, 64, 1) if args.quick else (args.steps, 128, 2)

    shendu.manual_seed(0)
    shendu.set_num_threads(1)
    text = load_text()
    chars = sorted(set(text))
    lookup = np.zeros(128, dtype=np.int64)
    lookup[[ord(c) for c in chars]] = np.arange(len(chars))
    data = lookup[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    split = int(len(data) * 0.9)
    train, val = data[:split], data[split:]
    if args.quick:
        val = val[:10_000]
    print(f"{len(text):,} characters, {len(chars)} distinct; windows of {CONTEXT}")

    model = CharTransformer(len(chars), d_model, layers)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, total_steps=steps)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        starts = rng.integers(0, len(train) - CONTEXT - 1, 32)
        windows = np.stack([train[s : s + CONTEXT + 1] for s in starts])
        logits = model(shendu.from_numpy(windows[:, :-1]))
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, len(chars)), shendu.from_numpy(windows[:, 1:].reshape(-1))
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % max(steps // 10, 1) == 0:
            bits = loss.item() / math.log(2)
            print(f"step {step}: training loss {bits:.3f} bits/char ({time.perf_counter() - start:.0f} s)")
    print(generate(model, chars, "The ", 300))
    print(f"validation {bits_per_char(model, val):.3f} bits/char")


if __name__ == "__main__":
    main()
