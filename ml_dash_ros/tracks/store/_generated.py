"""The generated function of the store, beside a plain-Python reference of the same function.

``row_maker(names)`` returns ``make(v0, v1, ...) -> {names[0]: v0, ...}``: one dict display
per row when a table becomes json entries (``formats.to_entries``), no ``zip`` per row. It is
generated with ``exec`` (as ``dataclasses`` does) from positional names only; the column
names are bound as default values, never written into the source.

``row_maker_reference`` does the same with ``dict(zip(...))``: same results, slower.
``test/tracks/test_generated.py`` compares the two and ``benchmarks/bench_generated.py``
measures what the generated code saves.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

RowMaker = Callable[..., dict]


@functools.lru_cache(maxsize=64)
def row_maker(names: tuple) -> RowMaker:
    """Return ``make(v0, v1, ...) -> {names[0]: v0, ...}`` (at least one name)."""
    env = {f"k{i}": name for i, name in enumerate(names)}
    args = ", ".join(f"v{i}" for i in range(len(names)))
    bound = ", ".join(f"k{i}=k{i}" for i in range(len(names)))
    body = ", ".join(f"k{i}: v{i}" for i in range(len(names)))
    exec(f"def make({args}, *, {bound}):\n    return {{{body}}}\n", env)  # noqa: S102
    return env.pop("make")


def row_maker_reference(names: tuple) -> RowMaker:
    """Return what ``row_maker`` returns, as ``dict(zip(...))``."""
    def make(*values: Any) -> dict:
        if len(values) != len(names):
            raise TypeError(f"make() takes {len(names)} positional arguments, "
                            f"{len(values)} given")
        return dict(zip(names, values))
    return make
