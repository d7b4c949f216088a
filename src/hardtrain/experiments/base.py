"""What every experiment shares: presets of its configuration, chosen once per session.

Examples:
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Sweep(Presets):
    ...     widths: tuple = (8, 16, 32)
    ...     steps: int = 200
    ...     @classmethod
    ...     def tiny(cls):
    ...         return cls(widths=(8,), steps=5)
    >>> Sweep.full() == Sweep.live() == Sweep()
    True
    >>> session_preset(Sweep, fast=True).steps
    5
    >>> session_preset(Sweep, fast=False, steps=50)
    Sweep(widths=(8, 16, 32), steps=50)
    >>> session_preset(Sweep, fast=True, steps=50).steps  # fast mode keeps what tiny() shrinks
    5
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

__all__ = ["Presets", "session_preset"]

C = TypeVar("C")


class Presets:
    """Mixin of a frozen dataclass configuration: the three sizes of one experiment.

    - :meth:`full`: the run whose results ship precomputed (``assets/``) and that the pages'
      sentences quote; minutes to an hour on a laptop CPU.
    - :meth:`live`: what a dashboard runs while a learner waits (seconds to a minute).
    - :meth:`tiny`: the smallest run that exercises every code path (tests, CI's fast mode).

    The defaults all return ``cls()``; a configuration overrides the ones that differ.
    """

    @classmethod
    def full(cls):
        """The full-scale configuration (the precomputed results)."""
        return cls()

    @classmethod
    def live(cls):
        """The configuration a dashboard runs live."""
        return cls()

    @classmethod
    def tiny(cls):
        """The smallest configuration that runs every code path (tests, fast mode)."""
        return cls()


def session_preset(config_cls: type[C], *, fast: bool | None = None, **overrides) -> C:
    """The preset this session runs: ``live()``, or ``tiny()`` in fast mode, with overrides.

    Args:
      config_cls: a frozen dataclass with :class:`Presets`.
      fast: fast mode; default :func:`hardtrain.runtime.fast_mode` (``HARDTRAIN_FAST``).
      **overrides: fields to replace (a dashboard's initial control values), applied with
        ``dataclasses.replace``. In fast mode, a field that ``tiny()`` sets differently from
        ``live()`` keeps its tiny value: the tests stay fast whatever a notebook asks for.

    Returns:
      An instance of ``config_cls``.

    Raises:
      TypeError: an override that is not a field of ``config_cls``.
    """
    if fast is None:
        from ..runtime import fast_mode

        fast = fast_mode()
    live = config_cls.live()
    if not fast:
        return dataclasses.replace(live, **overrides) if overrides else live
    tiny = config_cls.tiny()
    names = {f.name for f in dataclasses.fields(tiny)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"{config_cls.__name__} has no field(s) {unknown}")
    kept = {k: v for k, v in overrides.items() if getattr(tiny, k) == getattr(live, k)}
    return dataclasses.replace(tiny, **kept) if kept else tiny
