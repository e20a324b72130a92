"""Typed run configurations: dataclasses with defaults, YAML files, ``key=value`` overrides.

Every training run saves its resolved configuration beside its outputs and inside its
checkpoints, so a result can always be traced to exactly what produced it.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from pathlib import Path
from typing import TypeVar

import yaml

from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path

T = TypeVar("T")


def resolve_config(cls: type[T], path: str | os.PathLike | None = None,
                   overrides: list[str] | None = None, *, base: T | None = None) -> T:
    """Build ``cls`` from its defaults (or from ``base``), then a YAML file, then ``key=value``
    overrides.

    Unknown keys and values of the wrong type are refused with a message naming them.

    Example:
        >>> @dataclasses.dataclass
        ... class Demo:
        ...     epochs: int = 3
        ...     lr: float = 0.1
        >>> resolve_config(Demo, overrides=["epochs=5"])
        Demo(epochs=5, lr=0.1)
    """
    values: dict = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise DfdetectError(f"{path}: cannot read config ({exc})") from None
        if not isinstance(loaded, dict):
            raise DfdetectError(f"{path}: a config must be a mapping of keys to values")
        values.update(loaded)
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise DfdetectError(f"override {item!r} is not key=value")
        outer, dot, inner = key.strip().partition(".")  # faces.epochs=3: a nested config
        if dot:
            values.setdefault(outer, {})[inner] = yaml.safe_load(raw)
        else:
            values[outer] = yaml.safe_load(raw)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise DfdetectError(f"unknown config key(s) {', '.join(unknown)} for {cls.__name__}; "
                            f"known: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        if dataclasses.is_dataclass(hints[key]) and isinstance(value, dict):
            # the field's own default (a factory may differ from the class's defaults)
            nested = getattr(base, key) if base is not None else _field_default(fields[key])
            values[key] = resolve_config(hints[key], overrides=[f"{k}={v}" for k, v in
                                                                value.items()], base=nested)
        else:
            values[key] = _coerce(key, value, hints[key])
    return dataclasses.replace(base, **values) if base is not None else cls(**values)


def _field_default(field: dataclasses.Field):
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None if field.default is dataclasses.MISSING else field.default


def _coerce(key: str, value, hint):
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return None
    for kind in allowed:
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind in (int, str, bool) and type(value) is kind:
            return value
        if typing.get_origin(kind) is tuple and isinstance(value, list | tuple):
            return tuple(value)
    raise DfdetectError(f"config key {key!r}: {value!r} is not a {hint}")


def save_config(config, path: str | os.PathLike) -> None:
    """Write a config dataclass as YAML, atomically.

    Example:
        >>> import tempfile
        >>> @dataclasses.dataclass
        ... class Demo:
        ...     epochs: int = 3
        >>> out = Path(tempfile.mkdtemp()) / "config.yaml"
        >>> save_config(Demo(), out)
        >>> out.read_text()
        'epochs: 3\\n'
    """
    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False))
