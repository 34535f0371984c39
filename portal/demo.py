"""``flask demo load``: each package registers its own step; the core never imports a feature."""
from __future__ import annotations

from collections.abc import Callable

_STEPS: list[tuple[int, str, Callable]] = []


def demo_step(order: int, name: str):
    """Register ``fn(echo)`` to run at ``order`` during ``demo load``. Each step must be idempotent."""

    def decorator(fn: Callable) -> Callable:
        if all(existing is not fn for _o, _n, existing in _STEPS):
            _STEPS.append((order, name, fn))
        return fn

    return decorator


def steps() -> list[tuple[int, str, Callable]]:
    return sorted(_STEPS, key=lambda step: step[0])
