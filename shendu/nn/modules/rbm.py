"""The restricted Boltzmann machine with binary visible and hidden units."""

from __future__ import annotations

from typing import Any

from ..._checks import is_int
from ...autograd import no_grad
from ...errors import DtypeError, ShapeError
from ...ops.creation import empty
from ...random import Generator
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import check_count, check_input, factory_kwargs

__all__ = ["RBM"]


class RBM(Module):
    r"""A Bernoulli-Bernoulli restricted Boltzmann machine.

    Binary visible units :math:`v` and hidden units :math:`h` interact only across the two layers,
    through the energy

    .. math::
        E(v, h) = -v^\top b - h^\top c - h^\top W v,

    with ``weight`` :math:`W`, ``visible_bias`` :math:`b` and ``hidden_bias`` :math:`c`. The joint
    distribution is :math:`p(v, h) = e^{-E(v, h)} / Z`; summing out the hidden units gives
    :math:`p(v) = e^{-F(v)} / Z` with the free energy
    :math:`F(v) = -v^\top b - \sum_j \operatorname{softplus}(c_j + W_j v)`. Given one layer, the units
    of the other are independent: :math:`p(h_j = 1 \mid v) = \sigma(c_j + W_j v)` and
    :math:`p(v_i = 1 \mid h) = \sigma(b_i + W_{:, i}^\top h)`.

    Training follows the log-likelihood gradient, the difference between the data's statistics and
    the model's, with the model's estimated by Gibbs sampling: contrastive divergence (CD-k) starts
    ``k`` steps of sampling at the data, persistent CD keeps one chain running across updates.
    :meth:`contrastive_divergence` writes that estimate into the parameters' ``.grad`` (as a gradient
    to *descend*), so any optimizer can take the step; :meth:`fit` is the plain loop over mini-batches
    with SGD. Visible values in [0, 1] that are not binary (e.g. grey levels) are taken as the
    probabilities of the units being on, as is usual for images.

    Every sampling method takes an optional ``generator`` (default: the global one), so a run is
    reproducible from ``shendu.manual_seed``.

    Args:
        n_visible: the number of visible units.
        n_hidden: the number of hidden units.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Visible: :math:`(*, V)` with :math:`V` = ``n_visible``; training methods take :math:`(N, V)`.
        - Hidden: :math:`(*, H)` with :math:`H` = ``n_hidden``.

    Attributes:
        weight: shape ``(n_hidden, n_visible)``, initialized from N(0, 0.01²).
        visible_bias: shape ``(n_visible,)``, initialized to zeros.
        hidden_bias: shape ``(n_hidden,)``, initialized to zeros.
        persistent_chain: the hidden states of the persistent chain, shape ``(P, n_hidden)``, or None
            before the first persistent update (a buffer that is not saved in ``state_dict``; assign
            None to restart the chain).

    Example:
        >>> images = shendu.bernoulli(shendu.full((100, 64), 0.3))  # 100 binary 8x8 images
        >>> rbm = nn.RBM(64, 16)
        >>> history = rbm.fit(images, epochs=2, lr=0.05, batch_size=20, persistent=True)
        >>> len(history)  # the reconstruction error of each epoch
        2
        >>> rbm.transform(images).shape  # p(h | v) for each image
        shendu.Size([100, 16])
    """

    def __init__(self, n_visible: int, n_hidden: int, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        self.n_visible = check_count(self, "n_visible", n_visible)
        self.n_hidden = check_count(self, "n_hidden", n_hidden)
        self.weight = Parameter(empty(n_hidden, n_visible, device=device, dtype=dtype))
        self.visible_bias = Parameter(empty(n_visible, device=device, dtype=dtype))
        self.hidden_bias = Parameter(empty(n_hidden, device=device, dtype=dtype))
        self.register_buffer("persistent_chain", None, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw small random weights, zero the biases and forget the persistent chain."""
        init.normal_(self.weight, 0.0, 0.01)
        init.zeros_(self.visible_bias)
        init.zeros_(self.hidden_bias)
        self.persistent_chain = None

    # ------------------------------------------------------------------ checks
    def _check(self, op: str, v: Any, units: int, what: str, batched: bool = False) -> Tensor:
        """``v`` as a tensor of the parameters' dtype, or an error naming ``op`` and the shapes."""
        check_input(self, v)
        shape = tuple(v.shape)
        if batched and len(shape) != 2:
            raise ShapeError(
                f"{self._error_prefix()}{op} expects a 2-D (N, {units}) batch of {what} states, "
                f"got a {len(shape)}-D input; input shape {shape}"
            )
        if not shape or shape[-1] != units:
            got = shape[-1] if shape else "a 0-d tensor"
            raise ShapeError(
                f"{self._error_prefix()}{op} expects {units} {what} units in the last dimension, got {got}; "
                f"input shape {shape}"
            )
        if not v.is_floating_point():
            return v.to(self.weight.dtype)
        if v.dtype != self.weight.dtype:
            raise DtypeError(
                f"{self._error_prefix()}{op} got {what} states of dtype {v.dtype} but the parameters are "
                f"{self.weight.dtype}; convert the input with .to({self.weight.dtype}) or the model with .to(dtype)"
            )
        return v

    def _check_range(self, op: str, v: Tensor) -> None:
        if v.numel():
            low, high = float(v.min().item()), float(v.max().item())
            if low < 0 or high > 1:
                raise ValueError(
                    f"{self._error_prefix()}{op} expects visible values in [0, 1] (binary states or "
                    f"probabilities), got values in [{low:g}, {high:g}]"
                )

    @staticmethod
    def _check_steps(op: str, k: Any) -> int:
        if not is_int(k, numpy=False) or k < 1:
            raise ValueError(f"RBM.{op}: k, the number of Gibbs steps, must be a positive int, got {k!r}")
        return k

    # ------------------------------------------------------------------ conditionals and sampling
    def _hidden_probs(self, v: Tensor) -> Tensor:
        return F.linear(v, self.weight, self.hidden_bias).sigmoid()

    def _visible_probs(self, h: Tensor) -> Tensor:
        return (h.matmul(self.weight) + self.visible_bias).sigmoid()

    def sample_h(self, v: Tensor, generator: Generator | None = None) -> tuple[Tensor, Tensor]:
        """The probabilities ``p(h = 1 | v)`` and a binary sample drawn from them.

        Args:
            v: visible states or probabilities, shape ``(*, n_visible)``.
            generator: the source of randomness. Default: None (the global generator).

        Returns:
            ``(probabilities, sample)``, both of shape ``(*, n_hidden)``.
        """
        probs = self._hidden_probs(self._check("sample_h", v, self.n_visible, "visible"))
        return probs, probs.detach().bernoulli(generator=generator)

    def sample_v(self, h: Tensor, generator: Generator | None = None) -> tuple[Tensor, Tensor]:
        """The probabilities ``p(v = 1 | h)`` and a binary sample drawn from them.

        Args:
            h: hidden states, shape ``(*, n_hidden)``.
            generator: the source of randomness. Default: None (the global generator).

        Returns:
            ``(probabilities, sample)``, both of shape ``(*, n_visible)``.
        """
        probs = self._visible_probs(self._check("sample_v", h, self.n_hidden, "hidden"))
        return probs, probs.detach().bernoulli(generator=generator)

    def gibbs(self, v: Tensor, k: int = 1, generator: Generator | None = None) -> Tensor:
        """Run ``k`` steps of block Gibbs sampling ``v -> h -> v`` and return the last visible sample.

        Args:
            v: the chain's starting visible states, shape ``(*, n_visible)``.
            k: the number of full steps. Default: 1.
            generator: the source of randomness. Default: None (the global generator).

        Returns:
            Binary visible states, shape ``(*, n_visible)``.
        """
        k = self._check_steps("gibbs", k)
        with no_grad():
            for _ in range(k):
                _, h = self.sample_h(v, generator)
                _, v = self.sample_v(h, generator)
        return v

    # ------------------------------------------------------------------ energies
    def energy(self, v: Tensor, h: Tensor) -> Tensor:
        """The energy ``E(v, h) = -v·b - h·c - h·W v`` of joint states.

        Args:
            v: visible states, shape ``(*, n_visible)``.
            h: hidden states, shape ``(*, n_hidden)`` (the same leading dimensions as ``v``).

        Returns:
            Shape ``(*)``.
        """
        v = self._check("energy", v, self.n_visible, "visible")
        h = self._check("energy", h, self.n_hidden, "hidden")
        if tuple(v.shape[:-1]) != tuple(h.shape[:-1]):
            raise ShapeError(
                f"{self._error_prefix()}energy expects visible and hidden states with the same leading "
                f"dimensions, got shapes {tuple(v.shape)} and {tuple(h.shape)}"
            )
        interaction = (F.linear(v, self.weight) * h).sum(-1)
        return -(v * self.visible_bias).sum(-1) - (h * self.hidden_bias).sum(-1) - interaction

    def free_energy(self, v: Tensor) -> Tensor:
        """The free energy ``F(v) = -v·b - sum_j softplus(c_j + W_j v)``, so that ``p(v) ∝ exp(-F(v))``.

        Args:
            v: visible states or probabilities, shape ``(*, n_visible)``.

        Returns:
            Shape ``(*)``; differentiable with respect to the parameters.
        """
        v = self._check("free_energy", v, self.n_visible, "visible")
        hidden_terms = F.softplus(F.linear(v, self.weight, self.hidden_bias)).sum(-1)
        return -(v * self.visible_bias).sum(-1) - hidden_terms

    # ------------------------------------------------------------------ training
    def contrastive_divergence(
        self, v: Tensor, k: int = 1, persistent: bool = False, generator: Generator | None = None
    ) -> Tensor:
        """Estimate the negative log-likelihood gradient on a batch and add it to the parameters' ``.grad``.

        The positive statistics use the batch and ``p(h | v)``; the negative ones come from ``k`` steps
        of Gibbs sampling. With ``persistent=False`` (CD-k) the chain starts at the batch; with
        ``persistent=True`` (PCD) it continues from ``persistent_chain``, which is started from the
        first batch's hidden sample and keeps that batch's number of particles. Gradients accumulate,
        as ``backward()`` does, so call ``optimizer.zero_grad()`` before and ``optimizer.step()``
        after.

        Args:
            v: a batch of visible states or probabilities in [0, 1], shape ``(N, n_visible)``.
            k: Gibbs steps per update. Default: 1.
            persistent: continue the persistent chain instead of starting at the data. Default: False.
            generator: the source of randomness. Default: None (the global generator).

        Returns:
            The reconstruction error, a 0-d tensor: the mean squared difference between ``v`` and
            ``p(v | h)`` for ``h`` sampled from ``p(h | v)``.

        Example:
            >>> rbm = nn.RBM(64, 16)
            >>> optimizer = shendu.optim.SGD(rbm.parameters(), lr=0.05)
            >>> for batch in shendu.bernoulli(shendu.full((5, 20, 64), 0.3)):
            ...     optimizer.zero_grad()
            ...     error = rbm.contrastive_divergence(batch, k=1, persistent=True)
            ...     optimizer.step()
            >>> error.shape
            shendu.Size([])
        """
        k = self._check_steps("contrastive_divergence", k)
        v = self._check("contrastive_divergence", v, self.n_visible, "visible", batched=True)
        self._check_range("contrastive_divergence", v)
        with no_grad():
            data_probs, h = self.sample_h(v, generator)
            reconstruction, v_model = self.sample_v(h, generator)
            error = ((v - reconstruction) ** 2).mean()
            if persistent:
                chain = self.persistent_chain
                if chain is None or tuple(chain.shape[1:]) != (self.n_hidden,) or chain.dtype != h.dtype:
                    chain = h
                _, v_model = self.sample_v(chain, generator)
            model_probs, h = self.sample_h(v_model, generator)
            for _ in range(k - 1):
                _, v_model = self.sample_v(h, generator)
                model_probs, h = self.sample_h(v_model, generator)
            if persistent:
                self.persistent_chain = h
            n, m = v.shape[0], v_model.shape[0]
            grads = (
                model_probs.t().matmul(v_model) / m - data_probs.t().matmul(v) / n,
                v_model.mean(0) - v.mean(0),
                model_probs.mean(0) - data_probs.mean(0),
            )
            for param, grad in zip((self.weight, self.visible_bias, self.hidden_bias), grads):
                param.grad = grad if param.grad is None else param.grad + grad
        return error

    def fit(
        self,
        data: Tensor,
        epochs: int = 10,
        lr: float = 0.1,
        batch_size: int = 10,
        k: int = 1,
        persistent: bool = False,
        optimizer: Any = None,
        generator: Generator | None = None,
    ) -> list[float]:
        """Train on ``data`` by CD-k or persistent CD over shuffled mini-batches.

        Each epoch visits every row once in a fresh random order; each batch is one call of
        :meth:`contrastive_divergence` followed by an optimizer step. A persistent run starts a new
        chain at the start of ``fit``.

        Args:
            data: the training set, shape ``(N, n_visible)``, values in [0, 1].
            epochs: passes over the data. Default: 10.
            lr: the learning rate of the default optimizer. Default: 0.1.
            batch_size: rows per update. Default: 10.
            k: Gibbs steps per update. Default: 1.
            persistent: persistent CD instead of CD-k. Default: False.
            optimizer: any ``shendu.optim`` optimizer over this model's parameters. Default: None
                (plain SGD with ``lr``).
            generator: the source of randomness for the order and the sampling. Default: None
                (the global generator).

        Returns:
            The mean reconstruction error of each epoch.
        """
        from ...ops.random import randperm
        from ...optim import SGD

        data = self._check("fit", data, self.n_visible, "visible", batched=True)
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if not is_int(value, numpy=False) or value < 1:
                raise ValueError(f"RBM.fit: {name} must be a positive int, got {value!r}")
        optimizer = optimizer if optimizer is not None else SGD(self.parameters(), lr=lr)
        if persistent:
            self.persistent_chain = None
        history = []
        for _ in range(epochs):
            order = randperm(data.shape[0], generator=generator, device=data.device)
            total, seen = 0.0, 0
            for start in range(0, data.shape[0], batch_size):
                batch = data[order[start : start + batch_size]]
                optimizer.zero_grad()
                error = self.contrastive_divergence(batch, k=k, persistent=persistent, generator=generator)
                optimizer.step()
                total += float(error.item()) * batch.shape[0]
                seen += batch.shape[0]
            history.append(total / seen)
        return history

    # ------------------------------------------------------------------ evaluation
    def score_samples(self, v: Tensor, generator: Generator | None = None) -> Tensor:
        """The pseudo-likelihood of each row, estimated from one randomly chosen unit.

        For each row one visible unit ``i`` is drawn at random and flipped, giving ``v'``; the score is
        ``n_visible * log p(v_i | v_{-i}) = -n_visible * softplus(F(v) - F(v'))``, the estimate that
        scikit-learn's ``BernoulliRBM.score_samples`` computes. It is at most 0; higher is better.

        Args:
            v: visible states, shape ``(*, n_visible)``.
            generator: the source of randomness for the flipped units. Default: None (the global
                generator).

        Returns:
            Shape ``(*)``.
        """
        from ...ops.random import randint

        v = self._check("score_samples", v, self.n_visible, "visible")
        unit = randint(0, self.n_visible, tuple(v.shape[:-1]), generator=generator, device=v.device)
        flip = F.one_hot(unit, self.n_visible).to(v.dtype)
        flipped = v + flip * (1 - 2 * v)
        return F.softplus(self.free_energy(v) - self.free_energy(flipped)) * -self.n_visible

    def transform(self, v: Tensor) -> Tensor:
        """The hidden units' probabilities ``p(h = 1 | v)``: the features the RBM has learned.

        Args:
            v: visible states or probabilities, shape ``(*, n_visible)``.

        Returns:
            Shape ``(*, n_hidden)``.
        """
        return self._hidden_probs(self._check("transform", v, self.n_visible, "visible"))

    def forward(self, v: Tensor) -> Tensor:
        """The hidden probabilities, as :meth:`transform`, so an RBM can open an ``nn.Sequential``."""
        return self.transform(v)

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}"
