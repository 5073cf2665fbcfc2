"""Learning-rate schedules: functions of the epoch (or step) that set each parameter group's ``lr``.

Every scheduler wraps an optimizer, sets the groups' learning rates when it is created, and
sets them again on each ``step()``. Like PyTorch's, most schedules are computed
recursively, from the learning rate the group has now, which lets several schedulers act
on one optimizer at once (``ChainedScheduler``); the numbers match PyTorch's to the last
bit because the formulas are evaluated in the same order.

Call ``scheduler.step()`` once per epoch (or per batch, for ``OneCycleLR``), after
``optimizer.step()``.
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._checks import is_int, is_number
from .optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


def _check_optimizer(name: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected an optimizer (a shendu.optim.Optimizer), got {type(optimizer).__name__}")


def _positive_int(name: str, arg: str, value: Any) -> None:
    if not is_int(value, numpy=False) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer {arg}, got {value!r}")


def _current_lrs(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def _per_group(name: str, arg: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: ``value`` repeated, or a list/tuple of the right length."""
    count = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"{name}: expected {count} values of {arg} (one per parameter group), got {len(value)}")
        return list(value)
    return [value] * count


class LRScheduler:
    """Base class of learning-rate schedulers.

    A subclass implements ``get_lr()``, the learning rates for ``last_epoch`` (already
    advanced when it is called), usually from the groups' current learning rates.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: the index of the last epoch; -1 (the default) starts a new schedule and
            records each group's ``lr`` as its ``initial_lr``. Give another value only when
            resuming, after the groups have their ``initial_lr``.

    Attributes:
        base_lrs: the initial learning rate of each group.
        last_epoch: how many times ``step()`` has been called (counting from 0 at creation).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{name}: resuming with last_epoch={last_epoch} needs 'initial_lr' in every parameter group, "
                        f"but group {i} has none; load the optimizer's state dict first, or use last_epoch=-1 for a "
                        "new schedule"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._optimizer_steps_at_start = self.optimizer._step_calls
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by ``state_dict()``.

        Args:
            state_dict: the scheduler state to restore.
        """
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group, as last set by this scheduler."""
        return self._last_lr

    def get_lr(self) -> list[float]:
        """The learning rates for the current ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__}.get_lr is not implemented")

    def _closed_form_lr(self) -> list[float] | None:
        """The learning rates at ``last_epoch`` computed from ``base_lrs`` directly, where a formula exists."""
        return None

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and set each group's learning rate.

        Args:
            epoch: deprecated (as in PyTorch): jump to this epoch, using the schedule's closed
                form where it has one. Default: None.
        """
        if self._step_count == 1 and self.optimizer._step_calls == self._optimizer_steps_at_start:
            warnings.warn(
                f"{type(self).__name__}: step() was called before optimizer.step(); call optimizer.step() first, "
                "or the first value of the schedule is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(
                f"{type(self).__name__}: passing an epoch to step() is deprecated; call step() once per epoch",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        values = None
        if epoch is None:
            self.last_epoch += 1
        else:
            self.last_epoch = epoch
            values = self._closed_form_lr()
        if values is None:
            values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)


class LambdaLR(LRScheduler):
    """Set each group's learning rate to its initial value times ``lr_lambda(epoch)``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        lr_lambda: a function of the epoch giving the factor, or a list of such functions,
            one per parameter group.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = LambdaLR(opt, lr_lambda=lambda epoch: 0.5**epoch)
        >>> for epoch in range(4):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        1.0 0.5 0.25 0.125
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.lr_lambdas = _per_group(name, "lr_lambda", optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"{name}: lr_lambda must be a function of the epoch, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state; a lambda is saved only through the attributes of a callable object."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by ``state_dict()``.

        Args:
            state_dict: the scheduler state to restore.
        """
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [])
        self.__dict__.update(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)

    def get_lr(self) -> list[float]:
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LambdaLR):
    """Multiply each group's learning rate by ``lr_lambda(epoch)`` at every step.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        lr_lambda: a function of the epoch giving the factor, or one such function per group.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.5)
        >>> for epoch in range(4):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        1.0 0.5 0.25 0.125
    """

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * fn(self.last_epoch) for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        step_size: the number of epochs between decays.
        gamma: the decay factor. Default: 0.1.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = StepLR(opt, step_size=2, gamma=0.5)
        >>> for epoch in range(6):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        1.0 1.0 0.5 0.5 0.25 0.25
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        _positive_int(type(self).__name__, "step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each of the given epochs.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        milestones: the epochs at which to decay (a milestone listed twice decays twice).
        gamma: the decay factor. Default: 0.1.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
        >>> for epoch in range(6):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        1.0 1.0 0.5 0.5 0.25 0.25
    """

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if milestones is not None and not isinstance(milestones, Iterable):
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {type(milestones).__name__}")
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return _current_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by ``state_dict()``.

        Args:
            state_dict: the scheduler state to restore.
        """
        super().load_state_dict(state_dict)
        # Checkpoint formats that know only plain dicts return the milestone counts as one.
        self.milestones = Counter(self.milestones)

    def _closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base_lr * self.gamma**passed for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply the learning rate by ``factor`` for the first ``total_iters`` epochs.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        factor: the factor, in [0, 1]. Default: 1/3.
        total_iters: the number of epochs the factor applies for. Default: 5.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = ConstantLR(opt, factor=0.5, total_iters=2)
        >>> for epoch in range(4):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        0.5 0.5 1.0 1.0
    """

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        if not 0 <= factor <= 1:
            raise ValueError(f"{type(self).__name__}: factor must be in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _current_lrs(self.optimizer)
        if self.factor == 0:
            # A zero factor cannot be divided out again (torch raises ZeroDivisionError): restart from the base.
            return list(self.base_lrs)
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        factor = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base_lr * factor for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor that moves linearly from ``start_factor`` to ``end_factor``.

    The factor reaches ``end_factor`` after ``total_iters`` epochs and stays there; with the
    defaults this is a linear warm-up to the optimizer's learning rate.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        start_factor: the factor at epoch 0, in (0, 1]. Default: 1/3.
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1]. Default: 1.0.
        total_iters: the number of epochs the change takes. Default: 5.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = LinearLR(opt, start_factor=0.25, total_iters=3)  # a warmup
        >>> for epoch in range(5):  # an epoch's training, then the scheduler's step
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        0.25 0.5 0.75 1.0 1.0
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        if not 0 < start_factor <= 1:
            raise ValueError(f"{name}: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"{name}: end_factor must be in [0, 1], got {end_factor}")
        _positive_int(name, "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        factor = self.start_factor + change * min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * factor for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        gamma: the decay factor.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = ExponentialLR(opt, gamma=0.5)
        >>> for epoch in range(4):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        1.0 0.5 0.25 0.125
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the learning rate polynomially to zero over ``total_iters`` epochs.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        total_iters: the number of epochs to reach zero. Default: 5.
        power: the power of the polynomial, >= 0. Default: 1.0.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = PolynomialLR(opt, total_iters=4, power=2.0)
        >>> for epoch in range(6):  # an epoch's training, then the scheduler's step
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        1.0 0.5625 0.25 0.0625 0.0 0.0
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        _positive_int(type(self).__name__, "total_iters", total_iters)
        if not is_number(power, numpy=False) or not power >= 0:
            # A negative power divides by zero at total_iters (torch raises ZeroDivisionError there).
            raise ValueError(f"{type(self).__name__}: power must be a number >= 0, got {power!r}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        t, n = self.last_epoch, self.total_iters
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        factor = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base_lr * factor for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the learning rate along a cosine from its initial value down to ``eta_min``.

    .. math::
        \eta_t = \eta_{min} + \frac{1}{2}(\eta_{max} - \eta_{min})\left(1 + \cos\frac{t\pi}{T_{max}}\right)

    computed recursively from the current learning rate, as in PyTorch; past ``T_max`` the
    cosine continues, so the rate rises again (use ``CosineAnnealingWarmRestarts`` for restarts).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_max: the number of epochs of the half period.
        eta_min: the minimum learning rate. Default: 0.0.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = CosineAnnealingLR(opt, T_max=4)  # past T_max the rate rises again
        >>> for epoch in range(6):  # an epoch's training, then the scheduler's step
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        1.0 0.8536 0.5 0.1464 0.0 0.1464
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        _positive_int(type(self).__name__, "T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _current_lrs(self.optimizer)
        if self._step_count == 1 and t > 0:
            return [low + (base_lr - low) * (1 + math.cos(t * math.pi / period)) / 2 for base_lr in self.base_lrs]
        if (t - 1 - period) % (2 * period) == 0:
            return [
                group["lr"] + (base_lr - low) * (1 - math.cos(math.pi / period)) / 2
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (group["lr"] - low) + low for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        low = self.eta_min
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [low + (base_lr - low) * cosine / 2 for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing that restarts at the initial learning rate every :math:`T_i` epochs.

    The first period lasts ``T_0`` epochs and each later one ``T_mult`` times longer than the
    one before (SGDR, Loshchilov and Hutter, 2017). ``step`` may be given a fractional epoch,
    e.g. ``epoch + batch / num_batches``, to anneal within an epoch.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_0: the number of epochs of the first period (a positive integer).
        T_mult: the factor by which each period grows (an integer >= 1). Default: 1.
        eta_min: the minimum learning rate. Default: 0.0.
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)  # restarts at epochs 2 and 6
        >>> for epoch in range(7):  # an epoch's training, then the scheduler's step
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        1.0 0.5 1.0 0.8536 0.5 0.1464 1.0
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _positive_int(name, "T_0", T_0)
        if not is_int(T_mult, numpy=False) or T_mult < 1:
            raise ValueError(f"{name}: expected an integer T_mult >= 1, got {T_mult!r}")
        if not is_number(eta_min, numpy=False):
            raise TypeError(f"{name}: expected a number eta_min, got {type(eta_min).__name__} {eta_min!r}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2 for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance by one epoch, or jump to ``epoch`` (which may be fractional).

        Args:
            epoch: the epoch to set, e.g. ``epoch + i / iters`` inside an epoch. Default: None.
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"{type(self).__name__}: expected a non-negative epoch, got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)


class _Composite(LRScheduler):
    """Shared checks and checkpointing of schedulers made of other schedulers."""

    def _check_children(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler]) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name}: expected at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    f"{name}: scheduler {i} is a ReduceLROnPlateau, which cannot be combined because its step "
                    "needs the metric"
                )
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{name}: scheduler {i} is a {type(scheduler).__name__}, not a learning-rate scheduler")
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"{name}: every scheduler must drive the same optimizer, but scheduler {i} "
                    f"({type(scheduler).__name__}) drives a different one"
                )

    def state_dict(self) -> dict[str, Any]:
        """The state, with each child scheduler's state dict in ``_schedulers``."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by ``state_dict()``, children included.

        Args:
            state_dict: the scheduler state to restore.
        """
        state = dict(state_dict)
        children = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, child in zip(self._schedulers, children):
            scheduler.load_state_dict(child)


class SequentialLR(_Composite):
    """Run schedulers one after the other, switching at the given epochs (e.g. warm-up, then decay).

    Args:
        optimizer: the optimizer all the schedulers drive.
        schedulers: the schedulers, in order.
        milestones: the epochs at which to switch to the next scheduler (one fewer than
            there are schedulers).
        last_epoch: the index of the last epoch. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = ExponentialLR(opt, gamma=0.5)
        >>> scheduler = SequentialLR(opt, schedulers=[warmup, decay], milestones=[2])
        >>> for epoch in range(5):  # an epoch's training, then the scheduler's step
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        0.5 0.75 1.0 0.5 0.25
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int], last_epoch: int = -1
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self._check_children(optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"{name}: expected one milestone fewer than schedulers, got {len(schedulers)} schedulers and "
                f"{len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Each child already stepped once when it was made; start over from the initial rates
        # and give the first child its initial step again.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, scheduler: LRScheduler) -> None:
        if isinstance(scheduler, _Composite):
            for child in scheduler._schedulers:
                self._undo_initial_steps(child)
        else:
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance by one epoch, stepping the scheduler whose turn it is."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several schedulers together, each acting on the learning rate the previous one left.

    Args:
        schedulers: the schedulers to chain.
        optimizer: the optimizer they drive. Default: the first scheduler's.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2), ExponentialLR(opt, 0.5)])
        >>> for epoch in range(4):  # an epoch's training, then the scheduler's step
        ...     print(scheduler.get_last_lr()[0], end=" "); opt.step(); scheduler.step()
        0.5 0.25 0.25 0.125
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name}: expected at least one scheduler, got none")
        if optimizer is None:
            if not isinstance(schedulers[0], LRScheduler):
                kind = type(schedulers[0]).__name__
                raise TypeError(f"{name}: scheduler 0 is a {kind}, not a learning-rate scheduler")
            optimizer = schedulers[0].optimizer
        _check_optimizer(name, optimizer)
        self._check_children(optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _current_lrs(optimizer)

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _current_lrs(self.optimizer)


class OneCycleLR(LRScheduler):
    """The one-cycle policy: warm the learning rate up to ``max_lr``, then anneal it far below the start.

    The rate starts at ``max_lr / div_factor``, rises to ``max_lr`` over the first
    ``pct_start`` of the steps and then falls to ``initial_lr / final_div_factor``; momentum
    (or Adam's beta1) moves the opposite way between ``max_momentum`` and ``base_momentum``.
    Step it after every batch, ``total_steps`` times in all (Smith and Topin, 2018).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        max_lr: the peak learning rate, or one per parameter group.
        total_steps: the number of steps in the cycle; or give ``epochs`` and
            ``steps_per_epoch``. Default: None.
        epochs: the number of epochs, with ``steps_per_epoch``. Default: None.
        steps_per_epoch: the number of steps per epoch. Default: None.
        pct_start: the fraction of the cycle spent increasing the rate. Default: 0.3.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        cycle_momentum: cycle the momentum inversely to the rate. Default: True.
        base_momentum: the lowest momentum, or one per group. Default: 0.85.
        max_momentum: the highest momentum, or one per group. Default: 0.95.
        div_factor: ``initial_lr = max_lr / div_factor``. Default: 25.0.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``. Default: 1e4.
        three_phase: anneal back to ``initial_lr`` before the final decay. Default: False.
        last_epoch: the index of the last step. Default: -1.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0, momentum=0.9)
        >>> scheduler = OneCycleLR(opt, max_lr=1.0, epochs=1, steps_per_epoch=5)
        >>> for batch in range(5):  # step the scheduler after every batch, not every epoch
        ...     print(round(scheduler.get_last_lr()[0], 4), end=" "); opt.step(); scheduler.step()
        0.04 0.9505 0.6113 0.1883 0.0
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        if total_steps is not None:
            _positive_int(name, "total_steps", total_steps)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _positive_int(name, "epochs", epochs)
            _positive_int(name, "steps_per_epoch", steps_per_epoch)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{name}: give either total_steps, or both epochs and steps_per_epoch")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: expected a float pct_start in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        for arg, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if value == 0:
                raise ValueError(f"{name}: {arg} must not be 0, since the learning rates are divided by it")
        self._anneal_func_type = anneal_strategy
        up_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            self._schedule_phases = [
                _phase(up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(
                    float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"
                ),
                _phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        self.optimizer = optimizer
        max_lrs = _per_group(name, "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"{name}: cycle_momentum=True needs an optimizer with momentum or betas, but "
                    f"{type(optimizer).__name__} has neither; pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            highs = _per_group(name, "max_momentum", optimizer, max_momentum)
            lows = _per_group(name, "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"{type(self).__name__}: stepped {step} times, but the cycle has only total_steps={self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        self._set_momentum(group, momentum)
                    break
                start = end
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict[str, Any]:
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_momentum,
        "end_momentum": end_momentum,
    }


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rate when a metric has stopped improving.

    After ``patience`` epochs without improvement the rate is multiplied by ``factor`` (never
    going below ``min_lr``), then the scheduler waits ``cooldown`` epochs before counting again.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        mode: ``"min"`` when a lower metric is better (a loss), ``"max"`` when higher is
            (an accuracy). Default: ``"min"``.
        factor: the factor the rate is multiplied by, below 1. Default: 0.1.
        patience: the number of epochs without improvement to tolerate. Default: 10.
        threshold: the least change that counts as an improvement. Default: 1e-4.
        threshold_mode: ``"rel"`` (relative to the best value) or ``"abs"``. Default: ``"rel"``.
        cooldown: the number of epochs to wait after a reduction. Default: 0.
        min_lr: the lowest learning rate, or one per group. Default: 0.
        eps: reductions smaller than this are skipped. Default: 1e-8.

    Example:
        >>> opt = shendu.optim.SGD([nn.Parameter(shendu.zeros(1))], lr=1.0)
        >>> scheduler = ReduceLROnPlateau(opt, mode="min", patience=1)
        >>> for validation_loss in [1.0, 1.0, 1.0, 1.0, 1.0]:  # no improvement after the first epoch
        ...     print(opt.param_groups[0]["lr"], end=" "); scheduler.step(validation_loss)
        1.0 1.0 1.0 0.1 0.1
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        name = type(self).__name__
        if not factor < 1.0:
            raise ValueError(f"{name}: factor must be < 1.0, got {factor}")
        _check_optimizer(name, optimizer)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
            self.min_lrs = _per_group(name, "min_lr", optimizer, min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _current_lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        name = type(self).__name__
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is waiting out its cooldown after a reduction."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric value ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the learning rate if it has plateaued.

        Args:
            metrics: the metric's value (a number or a one-element tensor).
            epoch: deprecated: the epoch number to record. Default: None.
        """
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"{type(self).__name__}.step: metrics must be a number, got {type(metrics).__name__}"
            ) from None
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(f"{type(self).__name__}: passing an epoch to step() is deprecated", UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _current_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(
                    f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups but min_lr gives "
                    f"{len(self.min_lrs)} values (a group was added after the scheduler was made); set min_lrs "
                    "to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by ``state_dict()``.

        Args:
            state_dict: the scheduler state to restore.
        """
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
