"""The generated functions of ingest, each beside a plain-Python reference of the same function.

An ``ArrayPart`` (``buffer``) adds rows of one fixed set of fields; the functions that check
and add one row (``make_fill``, the ``append`` fast path) or a list of dict rows
(``make_fill_rows``, ``append_batch``) are generated once per part with ``exec``, as
``dataclasses`` does, so that the hot path runs no per-field Python loop. Their source holds
only positional names (``v0``, ``a0``, ``k0``...) and list lengths; field names, types and
adders are bound as default arguments, never written into the source.

The ``*_reference`` functions do the same with plain loops: same results, same exceptions
(type), slower. ``test/tracks/test_generated.py`` compares the two on random rows and
``benchmarks/bench_generated.py`` measures what the generated code saves.
"""

from __future__ import annotations

from typing import Any, Callable

from ml_dash_ros.tracks.ingest.values import TextList, is_text_list, text_ok

Fill = Callable[[Any], bool]


def _checks(wants: tuple, env: dict) -> list:
    """Return one check per value ``v{i}``: its exact type, or the length of a list.

    ``array.fromlist`` refuses anything but a list (and any item but a number) itself; text
    must also encode to UTF-8 (``isascii`` first: one C call for the common case).
    """
    checks = []
    for i, want in enumerate(wants):
        if type(want) is TextList:
            env["is_text_list"] = is_text_list
            checks.append(f"is_text_list(v{i}, {int(want)})")
        elif type(want) is int:
            checks.append(f"len(v{i}) == {int(want)}")
        elif want is str:
            env["text_ok"] = text_ok
            checks.append(f"type(v{i}) is str and (v{i}.isascii() or text_ok(v{i}))")
        else:
            env[f"t{i}"] = want
            checks.append(f"type(v{i}) is t{i}")
    return checks


def make_fill(wants: tuple, adders: tuple) -> Fill:
    """Return ``fill(values) -> bool`` that adds one row's values if their types fit.

    ``wants[i]`` is the exact type of value i, or the length k of a list (a ``TextList`` for
    a list of str); ``adders[i]`` adds value i to its column. Needs at least one field.
    """
    env: dict = {f"a{i}": add for i, add in enumerate(adders)}
    names = "".join(f"v{i}, " for i in range(len(wants)))
    body = "; ".join(f"a{i}(v{i})" for i in range(len(wants))) or "pass"
    checks = " and ".join(_checks(wants, env)) or "True"
    bound = "".join(f", {k}={k}" for k in env)  # locals are the fastest names to load
    src = (f"def fill(values{bound}, type=type, len=len, list=list):\n"
           f"    {names}= values\n"
           f"    if {checks}:\n"
           f"        {body}\n"
           f"        return True\n"
           f"    return False\n")
    exec(src, env)  # noqa: S102 - generated from integers and fixed names only
    return env.pop("fill")  # no env <-> function cycle: the arrays go with the part


def make_fill_rows(names: tuple, wants: tuple, adders: tuple, add_ts: Callable,
                   ts_key: str) -> Fill:
    """Return ``fill_rows(rows) -> bool``: add dict rows (each with ``ts_key``) that all fit.

    ``names[i]`` is the key of value i in each row. False at the first row that does not fit
    (the rows before it stay added: the caller drops the part); a missing key raises KeyError.
    """
    env: dict = {f"a{i}": add for i, add in enumerate(adders)}
    env.update({f"k{i}": name for i, name in enumerate(names)})
    env.update(ts_key=ts_key, add_ts=add_ts, float=float, int=int, dict=dict)
    n = len(wants)
    gets = "; ".join(f"v{i} = row[k{i}]" for i in range(n)) or "pass"
    body = "; ".join(f"a{i}(v{i})" for i in range(n)) or "pass"
    checks = " and ".join(_checks(wants, env)) or "True"
    bound = ", ".join(f"{k}={k}" for k in env)  # locals are the fastest names to load
    src = (f"def fill_rows(rows, {bound}, type=type, len=len, list=list):\n"
           f"    for row in rows:\n"
           f"        if len(row) != {n + 1}:\n"
           f"            return False\n"
           f"        ts = row[ts_key]; {gets}\n"
           f"        if (type(ts) is float or type(ts) is int) and {checks}:\n"
           f"            add_ts(ts); {body}\n"
           f"        else:\n"
           f"            return False\n"
           f"    return True\n")
    exec(src, env)  # noqa: S102 - generated from integers and fixed names only
    return env.pop("fill_rows")


# -- plain-Python references -----------------------------------------------------------------

def _fits(want: Any, value: Any) -> bool:
    """Return True if one value passes the check ``_checks`` generates for ``want``."""
    if type(want) is TextList:
        return is_text_list(value, int(want))
    if type(want) is int:
        return len(value) == want
    if want is str:
        return type(value) is str and (value.isascii() or text_ok(value))
    return type(value) is want


def make_fill_reference(wants: tuple, adders: tuple) -> Fill:
    """Return what ``make_fill`` returns, as a plain loop."""
    def fill(values: Any) -> bool:
        (*row,) = values
        if len(row) != len(wants):
            raise ValueError(f"expected {len(wants)} values, got {len(row)}")
        if not all(_fits(want, value) for want, value in zip(wants, row)):
            return False
        for add, value in zip(adders, row):
            add(value)
        return True
    return fill


def make_fill_rows_reference(names: tuple, wants: tuple, adders: tuple, add_ts: Callable,
                             ts_key: str) -> Fill:
    """Return what ``make_fill_rows`` returns, as a plain loop."""
    def fill_rows(rows: Any) -> bool:
        for row in rows:
            if len(row) != len(names) + 1:
                return False
            ts = row[ts_key]
            values = [row[name] for name in names]
            if type(ts) not in (float, int) or not all(
                    _fits(want, value) for want, value in zip(wants, values)):
                return False
            add_ts(ts)
            for add, value in zip(adders, values):
                add(value)
        return True
    return fill_rows
