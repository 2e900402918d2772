"""Rule profiles: the numbers of laws and standards, as data with their citations.

A profile is a TOML file in ``data/landuse/profiles/`` (``national``, ``guangdong``,
``zhejiang``) or anywhere on disk. Each rule has a ``value``, a ``unit`` and a ``source``
naming its article; a profile may ``extend`` another one and replace some of its rules.
Nothing in urbangeo's code hard-codes these numbers.

>>> p = load_profile("national")
>>> p["state_council_cultivated_ha"], p.source("state_council_cultivated_ha")[:22]
(35.0, 'LAL 2019, Art. 46(2): ')
>>> load_profile("guangdong", min_block_area_m2=30000)["min_block_area_m2"]
30000
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidOptionError

__all__ = ["Rule", "RuleProfile", "load_profile", "available_profiles"]


@dataclass(frozen=True)
class Rule:
    """One rule: its value, unit and the article it comes from.

    ``status`` and ``verification`` are optional: how (and whether) the number was checked
    against the text of the law, when a profile file records it.
    """

    value: Any
    unit: str
    source: str
    status: str = ""
    verification: str = ""


@dataclass(frozen=True)
class RuleProfile:
    """A named set of rules; read values with ``profile[key]``.

    Use :func:`load_profile` to build one; :meth:`to_frame` lists every rule with its
    citation.
    """

    name: str
    title: str
    rules: Mapping[str, Rule] = field(repr=False)
    note: str = ""

    def __getitem__(self, key: str) -> Any:
        return self._rule(key).value

    def __contains__(self, key: object) -> bool:
        return key in self.rules

    def __iter__(self) -> Iterator[str]:
        return iter(self.rules)

    def _rule(self, key: str) -> Rule:
        if key not in self.rules:
            raise InvalidOptionError(
                f"profile {self.name!r} has no rule {key!r}; rules: {', '.join(sorted(self.rules))}."
            )
        return self.rules[key]

    def source(self, key: str) -> str:
        """The citation of rule ``key``."""
        return self._rule(key).source

    def unit(self, key: str) -> str:
        """The unit of rule ``key``."""
        return self._rule(key).unit

    def to_frame(self) -> pd.DataFrame:
        """Every rule as a row: ``rule``, ``value``, ``unit``, ``source``, ``status``, ``verification``.

        >>> load_profile("national").to_frame().columns.tolist()
        ['rule', 'value', 'unit', 'source', 'status', 'verification']
        """
        return pd.DataFrame(
            [(k, r.value, r.unit, r.source, r.status, r.verification) for k, r in self.rules.items()],
            columns=["rule", "value", "unit", "source", "status", "verification"],
        )


def available_profiles() -> list[str]:
    """Names of the profiles shipped with urbangeo.

    >>> available_profiles()
    ['guangdong', 'national', 'zhejiang']
    """
    folder = resources.files("urbangeo").joinpath("data", "landuse", "profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_toml(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
        if not path.exists():
            raise InvalidOptionError(f"`profile`: file {str(path)!r} does not exist.")
        with open(path, "rb") as f:
            return tomllib.load(f), str(path)
    names = available_profiles()
    if text not in names:
        raise InvalidOptionError(
            f"`profile` must be one of {', '.join(repr(n) for n in names)} or the path of a TOML file; got {text!r}."
        )
    res = resources.files("urbangeo").joinpath("data", "landuse", "profiles", f"{text}.toml")
    with res.open("rb") as f:
        return tomllib.load(f), text


def _parse_rules(doc: dict[str, Any], where: str) -> dict[str, Rule]:
    out = {}
    for key, spec in doc.get("rules", {}).items():
        if not isinstance(spec, dict) or "value" not in spec or "source" not in spec:
            raise InvalidOptionError(
                f"profile {where!r}: rule {key!r} must be a table with `value`, `unit` and `source` "
                f"(the article the number comes from)."
            )
        _check_range(key, spec["value"], str(spec.get("unit", "")), f"profile {where!r}")
        out[key] = Rule(
            spec["value"],
            str(spec.get("unit", "")),
            str(spec["source"]),
            status=str(spec.get("status", "")),
            verification=str(spec.get("verification", "")),
        )
    return out


def _load(name_or_path: str | Path, seen: tuple[str, ...]) -> RuleProfile:
    doc, where = _read_toml(name_or_path)
    meta = doc.get("profile", {})
    rules: dict[str, Rule] = {}
    parent = meta.get("extends") or ""
    if parent:
        if parent in seen:
            raise InvalidOptionError(f"profile {where!r}: circular `extends` chain {' -> '.join((*seen, parent))}.")
        rules.update(_load(parent, (*seen, where)).rules)
    rules.update(_parse_rules(doc, where))
    return RuleProfile(
        name=str(meta.get("name", where)), title=str(meta.get("title", "")), rules=rules, note=str(meta.get("note", ""))
    )


def _check_range(key: str, value: Any, unit: str, where: str) -> None:
    """Numbers must be finite; amounts (ha, m2, days, years) >= 0; shares within [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    u = unit.lower()
    share = u.startswith("share")
    amount = share or u in ("ha", "m2", "days", "years")
    if not math.isfinite(value) or (amount and value < 0) or (share and value > 1):
        allowed = "a share between 0 and 1" if share else f"a number >= 0 ({unit})" if amount else "a finite number"
        raise InvalidOptionError(f"{where}: rule {key}={value!r} must be {allowed}.")


def _same_kind(old: Any, new: Any) -> bool:
    def kind(v: Any) -> str:
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, (int, float)):
            return "number"
        if isinstance(v, str):
            return "str"
        if isinstance(v, (list, tuple)):
            return "list"
        return type(v).__name__

    return kind(old) == kind(new)


def load_profile(profile: str | Path | RuleProfile, /, **overrides: Any) -> RuleProfile:
    """Load a rule profile by name or path, optionally overriding some rules.

    Parameters
    ----------
    profile : str, path or RuleProfile
        ``"national"``, ``"guangdong"``, ``"zhejiang"`` (see :func:`available_profiles`),
        the path of a TOML file with the same layout, or a profile to override.
    **overrides
        New values for existing rules, e.g. ``min_block_area_m2=30000``. The source of an
        overridden rule becomes ``"user override (was: ...)"``.

    Returns
    -------
    RuleProfile

    Raises
    ------
    InvalidOptionError
        Unknown profile name, unknown rule in ``overrides`` (the message lists the
        rules), an override of the wrong kind (a list for a number, ...), or a number
        out of range (negative areas, days or years; shares outside [0, 1]).

    Examples
    --------
    >>> p = load_profile("guangdong", public_interest_share_min=0.30)
    >>> p["public_interest_share_min"], p.source("public_interest_share_min")[:13]
    (0.3, 'user override')
    """
    base = profile if isinstance(profile, RuleProfile) else _load(profile, ())
    if not overrides:
        return base
    rules = dict(base.rules)
    for key, value in overrides.items():
        if key not in rules:
            raise InvalidOptionError(
                f"cannot override {key!r}: profile {base.name!r} has no such rule. "
                f"Rules: {', '.join(sorted(rules))}."
            )
        old = rules[key]
        if not _same_kind(old.value, value):
            raise InvalidOptionError(
                f"override {key}={value!r} has the wrong kind; the rule holds {old.value!r} ({old.unit})."
            )
        _check_range(key, value, old.unit, "override")
        if isinstance(value, (list, tuple)):
            value = list(value)
        rules[key] = replace(
            old, value=value, source=f"user override (was: {old.value!r}; {old.source})", status="user override"
        )
    return RuleProfile(name=base.name, title=base.title, rules=rules, note=base.note)
