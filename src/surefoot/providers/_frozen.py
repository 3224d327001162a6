"""Building frozen, slotted dataclasses on the hot path without their ``__init__``.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (to
step around its own frozen ``__setattr__``) after parsing the arguments: about 140 ns a field
on the reference machine, so 2.2 µs for a :class:`~surefoot.providers.ChatRequest`. The guard
and the providers build a few such objects on every call (the attempt's request, the parsed
response, the attempt record, the result), so they fill a *draft* instead: an instance of a
plain class with the same slots, whose attributes are set by ordinary (and cheap) assignments,
and which then becomes an instance of the frozen class by assigning ``__class__``, which Python
allows between classes of the same layout. The ChatRequest costs 0.24 µs that way.

The result is exactly what the constructor makes: the same class, the same slot values, frozen
from then on. A builder must set every field; each has a test comparing it field by field with
the constructor, which fails on a field it does not set.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["draft_class"]


def draft_class(cls: type) -> Any:
    """A mutable class with the slots of the frozen dataclass ``cls``.

    Fill ``draft()`` field by field, then assign ``cls`` to its ``__class__``.

    Raises:
        TypeError: ``cls`` is not a slotted dataclass, or has a ``__post_init__`` (which a
            draft would skip).
    """
    slots = cls.__dict__.get("__slots__")
    if not dataclasses.is_dataclass(cls) or slots is None or "__dict__" in slots:
        raise TypeError(f"{cls.__name__} must be a dataclass declared with slots=True")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__, which a draft would not run")
    if tuple(slots) != tuple(f.name for f in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__} has slots besides its fields: {slots}")
    return type(f"{cls.__name__}Draft", (), {"__slots__": slots, "__module__": __name__})
