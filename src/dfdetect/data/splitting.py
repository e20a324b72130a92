"""Seeded, group-disjoint train/val/test splits for datasets that ship without an official one."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Hashable, Iterable

DEFAULT_FRACTIONS = (0.70, 0.15, 0.15)


def split_groups(groups: Iterable[str], *, seed: int = 0,
                 fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
                 strata: dict[str, Hashable] | None = None) -> dict[str, str]:
    """Assign every group to ``train``, ``val`` or ``test``, disjointly and reproducibly.

    Groups are shuffled with ``seed`` and cut by ``fractions``. With ``strata`` (group → stratum,
    e.g. ethnicity × gender) the cut is made within each stratum so every split keeps the
    dataset's mix. Every split gets at least one group when there are three or more.

    Example:
        >>> s = split_groups([f"id{i}" for i in range(20)], seed=1)
        >>> sorted(s.values()).count("train"), sorted(s.values()).count("test")
        (14, 3)
    """
    unique = sorted(set(groups))
    by_stratum: dict[Hashable, list[str]] = defaultdict(list)
    for group in unique:
        by_stratum[(strata or {}).get(group, "")].append(group)
    rng = random.Random(seed)
    assignment: dict[str, str] = {}
    # Carry the rounding remainder from stratum to stratum so small strata do not all round the
    # same way and starve val/test.
    carry = [0.0, 0.0]
    for stratum in sorted(by_stratum, key=str):
        members = by_stratum[stratum]
        rng.shuffle(members)
        n = len(members)
        want_val = n * fractions[1] + carry[0]
        want_test = n * fractions[2] + carry[1]
        n_val, n_test = int(round(want_val)), int(round(want_test))
        n_val, n_test = min(n_val, n), min(n_test, n - min(n_val, n))
        carry = [want_val - n_val, want_test - n_test]
        for i, group in enumerate(members):
            assignment[group] = "val" if i < n_val else "test" if i < n_val + n_test else "train"
    _ensure_every_split(assignment, unique, rng, fractions)
    return assignment


def _ensure_every_split(assignment: dict[str, str], groups: list[str], rng: random.Random,
                        fractions: tuple[float, float, float]) -> None:
    if len(groups) < 3:
        return
    for split, fraction in zip(("train", "val", "test"), (1.0, *fractions[1:]), strict=True):
        if split in assignment.values() or fraction <= 0:  # asked to stay empty: stays empty
            continue
        counts = {s: list(assignment.values()).count(s) for s in ("train", "val", "test")}
        donor = max(counts, key=counts.get)
        candidates = [g for g in groups if assignment[g] == donor]
        assignment[rng.choice(candidates)] = split
