"""Chooses the decision policy's thresholds from what `mergebert eval --regions` wrote, leaving one
repository out at a time, and writes decision.json and the model card's table.

    python training/calibrate.py REGIONS.jsonl... [--target 0.9] [--floor 0.85] [--write models/decision.json]

Each region line holds every candidate text, most probable first (the first is the chosen one), its fate and
whether each candidate reproduces the developer's resolution. A region is taken at thresholds T when its
chosen candidate was not refused (safety checks, guards, a failing model) and its probability reaches
T[its family]; exactly what the resolver does (Sources/Resolver/Decision/DecisionPolicy.swift).

The thresholds maximise coverage on code regions subject to: pooled precision >= target, and every
repository with at least `--minimum` taken regions at precision >= floor. Leave-one-out: for each
repository, thresholds are chosen on the others and measured on it; the pooled held-out figures are what a
new repository can expect. The shipped thresholds are chosen on all of them with the same rule.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict

FAMILIES = ["token_merge", "pattern", "token_patterns"]
NEVER = 1.01  # no probability reaches it: the family resolves nothing
GRID = [round(0.5 + 0.01 * i, 2) for i in range(50)] + [0.995, 1.0, NEVER]


def read(paths: list[str], code_only: bool) -> dict[str, list[tuple[str, float, bool]]]:
    """Per repository, the regions that could be taken: (family, probability, right)."""
    regions: dict[str, list[tuple[str, float, bool]]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for path in paths:
        with open(path) as handle:
            for line in handle:
                region = json.loads(line)
                if code_only and not region["code"]:
                    continue
                counts[region["repo"]] += 1
                if not region["candidates"] or region["fate"] in ("refused", "model_failed", "no_candidate"):
                    continue
                chosen = region["candidates"][0]
                regions[region["repo"]].append((chosen["family"], chosen["probability"], chosen["reproduces"]))
    return {repo: regions.get(repo, []) for repo in counts}, dict(counts)


class Table:
    """Cumulative (taken, right) per family and threshold, per repository: a policy is scored by sums."""

    def __init__(self, regions: list[tuple[str, float, bool]]):
        self.counts = {}
        for family in FAMILIES:
            chosen = [(p, r) for f, p, r in regions if f == family]
            for threshold in GRID:
                taken = [r for p, r in chosen if p >= threshold]
                self.counts[family, threshold] = (len(taken), sum(taken))

    def score(self, policy: dict[str, float]) -> tuple[int, int]:
        taken = right = 0
        for family in FAMILIES:
            t, r = self.counts[family, policy[family]]
            taken += t
            right += r
        return taken, right


def choose(tables: dict[str, Table], target: float, floor: float, minimum: int) -> dict[str, float]:
    """The policy with the most taken regions over `tables` that meets the precision constraints."""
    best, best_taken = {family: NEVER for family in FAMILIES}, -1
    for values in itertools.product(GRID, repeat=len(FAMILIES)):
        policy = dict(zip(FAMILIES, values))
        scores = [table.score(policy) for table in tables.values()]
        taken = sum(t for t, _ in scores)
        right = sum(r for _, r in scores)
        if taken <= best_taken or taken == 0 or right < target * taken:
            continue
        if any(t >= minimum and r < floor * t for t, r in scores):
            continue
        best, best_taken = policy, taken
    return best


def describe(policy: dict[str, float]) -> str:
    return ", ".join(f"{f} {'never' if policy[f] > 1 else format(policy[f], '.2f')}" for f in FAMILIES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("regions", nargs="+", help="eval --regions files, one or more per repository")
    parser.add_argument("--target", type=float, default=0.9, help="pooled precision to reach on the repositories chosen on")
    parser.add_argument("--floor", type=float, default=0.85, help="precision every repository with --minimum taken regions must reach")
    parser.add_argument("--minimum", type=int, default=30)
    parser.add_argument("--write", help="write the chosen thresholds to this decision.json")
    parser.add_argument("--all-files", action="store_true", help="calibrate on every file, not only code")
    arguments = parser.parse_args()

    regions, counts = read(arguments.regions, code_only=not arguments.all_files)
    tables = {repo: Table(rows) for repo, rows in regions.items()}
    print(f"{sum(counts.values())} {'' if arguments.all_files else 'code '}regions in {len(counts)} repositories; "
          f"target {arguments.target:.0%} pooled, floor {arguments.floor:.0%} per repository with {arguments.minimum}+ resolved")
    print()
    print("| held-out repository | regions | thresholds (chosen on the others) | resolved | right | precision | coverage |")
    print("|---|---:|---|---:|---:|---:|---:|")
    held_taken = held_right = 0
    for repo in sorted(tables):
        others = {name: table for name, table in tables.items() if name != repo}
        policy = choose(others, arguments.target, arguments.floor, arguments.minimum)
        taken, right = tables[repo].score(policy)
        held_taken += taken
        held_right += right
        precision = f"{right / taken:.1%}" if taken else "—"
        print(f"| {repo} | {counts[repo]} | {describe(policy)} | {taken} | {right} | {precision} | {taken / counts[repo]:.1%} |")
    total = sum(counts.values())
    pooled = f"{held_right / held_taken:.1%}" if held_taken else "—"
    print(f"| **pooled, each held out** | {total} | | {held_taken} | {held_right} | {pooled} | {held_taken / total:.1%} |")

    policy = choose(tables, arguments.target, arguments.floor, arguments.minimum)
    scores = {repo: table.score(policy) for repo, table in tables.items()}
    taken = sum(t for t, _ in scores.values())
    right = sum(r for _, r in scores.values())
    print()
    print(f"chosen on all {len(tables)}: {describe(policy)}: precision {right / max(taken, 1):.1%}, coverage {taken / total:.1%} "
          f"({taken} of {total}) on the repositories it was chosen on")
    if arguments.write:
        thresholds = {family: min(value, 1.0) for family, value in policy.items()}
        decision = {
            "thresholds": thresholds,
            "calibrated_on": "mergebert eval --unique --all-refs --regions, code files of the validation repositories",
            "rule": f"most regions at pooled precision >= {arguments.target} and >= {arguments.floor} for each repository "
                    f"with {arguments.minimum}+ resolved; training/calibrate.py",
            "leave_one_out": {"precision": round(held_right / max(held_taken, 1), 4), "coverage": round(held_taken / total, 4)},
        }
        if any(value > 1 for value in policy.values()):
            decision["note"] = "a threshold of 1.0 resolves a family only at probability 1"
        with open(arguments.write, "w") as handle:
            json.dump(decision, handle, indent=2, sort_keys=True)
            handle.write("\n")
        print(f"wrote {arguments.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
