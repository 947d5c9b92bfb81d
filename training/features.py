"""The model's numeric side input: facts about a conflict that four separate views cannot show.

Mirror of `Sources/Encoder/ConflictFeatures.swift`; the golden test ties the two together (golden.json
holds the facts and the token sequences, Swift computes the features itself and must reproduce the
logits). The four views a|o, o|a, b|o, o|b never put ours next to theirs, yet whether one side's change
already contains the other's is what most often decides between taking one side, both, or the token
merge. So the features compare the sides' changed tokens as sets, count edits, and carry what the
resolver knows about the region (is the token merge clean, how many token conflicts) and its language.

`config.features` lists the names in order; `values()` computes them. Every name is one of
`FACT_NAMES`, `<view>.<count>` for the views `VIEW_NAMES` and counts `COUNT_NAMES`, `SET_NAMES`,
or `language=<name>`.
"""

from __future__ import annotations

import math

START, SEPARATOR, NEWLINE = 2, 3, 4
EQUAL = 1
VIEW_NAMES = ["a_o", "o_a", "b_o", "o_b"]
COUNT_NAMES = ["length", "equal", "insert", "delete", "replace"]
FACT_NAMES = ["region", "token_merge_clean", "token_conflicts", "code"]
SET_NAMES = [
    "a_changes_in_b_changes",
    "b_changes_in_a_changes",
    "a_changes_within_b",
    "b_changes_within_a",
    "same_changes",
    "a_removals_in_b_removals",
    "b_removals_in_a_removals",
    "same_sides",
    "sides_jaccard",
    "a_changes_nothing",
    "b_changes_nothing",
    "a_removes_nothing",
    "b_removes_nothing",
]
LANGUAGES = ["java", "kotlin", "csharp", "typescript", "javascript", "go", "swift", "python", "objc", "shell",
             "json", "xml", "yaml", "text"]
NON_CODE = {"json", "xml", "yaml", "text"}
DEFAULT_NAMES = (FACT_NAMES + [f"{view}.{count}" for view in VIEW_NAMES for count in COUNT_NAMES] + SET_NAMES
                 + [f"language={language}" for language in LANGUAGES])


def side_part(ids: list[int], edits: list[int]) -> tuple[list[int], list[int]]:
    """The positions between the first separator and the next (the conflict side without its context)."""
    try:
        start = ids.index(SEPARATOR) + 1
    except ValueError:
        start = 1 if ids and ids[0] == START else 0
    try:
        end = ids.index(SEPARATOR, start)
    except ValueError:
        end = len(ids)
    return ids[start:end], edits[start:end]


def _fraction(part: set, whole: set) -> float:
    return len(part & whole) / len(part) if part else 0.0


def values(names: list[str], token_ids: list[list[int]], edit_types: list[list[int]], facts: dict) -> list[float]:
    """Feature values in the order of `names`. `facts`: region (bool), token_merge_clean (bool),
    token_conflicts (int), language (str)."""
    parts = [side_part(list(ids), list(edits)) for ids, edits in zip(token_ids, edit_types)]
    table: dict[str, float] = {
        "region": float(bool(facts["region"])),
        "token_merge_clean": float(bool(facts["token_merge_clean"])),
        "token_conflicts": math.log1p(facts["token_conflicts"] or 0),
        "code": float(facts["language"] not in NON_CODE),
    }
    for view, (ids, edits) in zip(VIEW_NAMES, parts):
        table[f"{view}.length"] = math.log1p(len(ids))
        for edit, count in zip((1, 2, 3, 4), COUNT_NAMES[1:]):
            table[f"{view}.{count}"] = math.log1p(sum(1 for e in edits if e == edit))
    changed = [{t for t, e in zip(ids, edits) if e != EQUAL and t != NEWLINE} for ids, edits in parts]
    everything = [{t for t in ids if t != NEWLINE} for ids, _ in parts]
    a_changes, a_removals, b_changes, b_removals = changed
    a_all, b_all = everything[0], everything[2]
    union = a_all | b_all
    table.update({
        "a_changes_in_b_changes": _fraction(a_changes, b_changes),
        "b_changes_in_a_changes": _fraction(b_changes, a_changes),
        "a_changes_within_b": float(a_changes <= b_all),
        "b_changes_within_a": float(b_changes <= a_all),
        "same_changes": float(a_changes == b_changes),
        "a_removals_in_b_removals": _fraction(a_removals, b_removals),
        "b_removals_in_a_removals": _fraction(b_removals, a_removals),
        "same_sides": float(a_all == b_all),
        "sides_jaccard": len(a_all & b_all) / len(union) if union else 0.0,
        "a_changes_nothing": float(not a_changes),
        "b_changes_nothing": float(not b_changes),
        "a_removes_nothing": float(not a_removals),
        "b_removes_nothing": float(not b_removals),
    })
    result = []
    for name in names:
        if name.startswith("language="):
            result.append(float(facts["language"] == name[len("language="):]))
        else:
            result.append(table[name])
    return result


__all__ = ["DEFAULT_NAMES", "values", "side_part"]
