"""The base of every result object: a ``dict`` of the wire JSON with attribute access.

Every result is a :class:`WireObject`: a ``dict`` of the wire JSON (so ``json.dumps(obj)``
works and ``obj["id"]`` too) with attribute access for its declared fields (``obj.id``).
Optional fields the server left out read as ``None``; unknown fields sent by a newer server
are kept in the dict. ``to_dict()`` returns plain ``dict``/``list`` copies.
"""

from __future__ import annotations

from operator import methodcaller
from typing import Any, ClassVar

__all__ = ["WireObject"]


class _Field(property):
    """Attribute access to a declared field: ``obj.name`` is ``obj.get("name")``, run in C
    (``methodcaller``), so reading a field costs a dict lookup instead of a failed attribute
    lookup followed by a Python-level ``__getattr__`` call."""

def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


class WireObject(dict[str, Any]):
    """A wire object: a ``dict`` with attribute access for its declared fields."""

    __slots__ = ()
    #: Declared field names (collected from the annotations of the class and its bases).
    _fields: ClassVar[frozenset[str]] = frozenset()
    #: Fields holding nested wire objects: name → (class, is_list).
    _nested: ClassVar[dict[str, tuple[type[WireObject], bool]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: set[str] = set()
        for klass in reversed(cls.__mro__):
            names.update(
                n for n in klass.__dict__.get("__annotations__", {}) if not n.startswith("_")
            )
        cls._fields = frozenset(names)
        for name in names:
            # Keep dict's own methods (``obj.items()``) and anything a class defines itself.
            if hasattr(dict, name) or any(
                name in k.__dict__ and not isinstance(k.__dict__[name], _Field)
                for k in cls.__mro__
            ):
                continue
            if name not in cls.__dict__:
                type.__setattr__(cls, name, _Field(methodcaller("get", name)))

    def __init__(self, data: Any = (), /, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for name, (klass, is_list) in self._nested.items():
            v = dict.get(self, name)
            if v is None:
                continue
            if is_list:
                dict.__setitem__(
                    self, name, [x if isinstance(x, klass) else klass(x) for x in v]
                )
            elif not isinstance(v, klass):
                dict.__setitem__(self, name, klass(v))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name in type(self)._fields:
                return None
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(type(self)._fields) | set(self.keys()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def __reduce__(self) -> Any:
        return (type(self), (dict(self),))

    def to_dict(self) -> dict[str, Any]:
        """The object as plain ``dict``/``list`` values (JSON-ready)."""
        out: dict[str, Any] = _plain(dict(self))
        return out
