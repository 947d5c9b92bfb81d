"""Chooses the decision policy's thresholds from what `mergebert eval --regions` wrote, leaving one
repository out at a time, and writes decision.json and the model card's table.

    python training/calibrate.py REGIONS.jsonl... [--target 0.9] [--floor 0.85] [--margin 0.01]
                                 [--write models/decision.json] [--measure VALIDATION-REGIONS.jsonl...]
    python training/calibrate.py CROSS-FITTED.jsonl --margin-check 0 0.01 0.02 [--draws 200] [--draw-size 5]

Each region line holds every candidate text, most probable first (the first is the chosen one), its fate and
whether each candidate reproduces the developer's resolution. A region is taken at thresholds T when its
chosen candidate was not refused (safety checks, guards, a failing model) and its probability reaches
T[its family]; exactly what the resolver does (Sources/Resolver/Decision/DecisionPolicy.swift).

The thresholds maximise coverage on code regions subject to: pooled precision >= target + margin, for all
families together and for each family of HELD_ON_THEIR_OWN on its own (pooled over repositories), so that a
kind of candidate that is right less often (one side of a one-line clash: 84% at p >= 0.74) cannot ride on
the precision of the others (the token merge that combines both sides' edits is the exception, see
HELD_ON_THEIR_OWN); and every repository with at least `--minimum` taken regions at precision >= floor + margin. The margin is
there because thresholds chosen on some repositories lose precision on a new one (stop 25: 90.0% on the
four chosen on, 89.2% on the fifth; with a point of margin 90.3%); the targets themselves are what the
held-out figures are judged by. Leave-one-out: for each repository, thresholds are chosen on the others and
measured on it; the pooled held-out figures are what a new repository can expect. The shipped thresholds
are chosen on all of them with the same rule.

With `--measure`, the thresholds chosen on all of REGIONS are also measured on other repositories' lines:
for example chosen on the out-of-sample answers that `rank_candidates.py --calibration-folds` writes for
the training repositories, and measured on the validation repositories' `eval --regions` lines, which then
play no part in the choice (tried at stop 24: conservative on the validation repositories; the shipped
thresholds are still chosen on them).
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import defaultdict

import numpy as np

# The decision module's families (Sources/Resolver/Decision/Candidate.swift, CandidateFamily).
FAMILIES = ["token_merge", "pattern", "token_patterns", "one_side_of_clash", "side_holding_both_changes"]
# The families each held to the target on their own. The clean token merge that combines both sides' edits is
# not: it is right 72-81% at every probability (stop 29), so held to the target it would never be written, and
# it is what the product is for (every hand-written token-resolvable case is one); a wrong one keeps every
# change of both sides. It answers to the pooled target and the per-repository floor, and `--explain` and
# `mergebert review` name it.
HELD_ON_THEIR_OWN = ["pattern", "token_patterns", "one_side_of_clash", "side_holding_both_changes"]
NEVER = 1.01  # no probability reaches it: the family resolves nothing
MARGIN = 0.01  # what thresholds chosen on some repositories lost on a new one (stop 25: 90.0% -> 89.2%)
GRID = [round(0.5 + 0.01 * i, 2) for i in range(50)] + [0.995, 1.0, NEVER]


def read(paths: list[str], code_only: bool) -> tuple[dict[str, list[tuple[str, float, bool]]], dict[str, int]]:
    """Per repository, the regions that could be taken (family, probability, right), and the regions counted."""
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
    """One repository's takeable regions by family, for scoring any thresholds by counting."""

    def __init__(self, regions: list[tuple[str, float, bool]]):
        self.families = {}
        for family in FAMILIES:
            chosen = sorted((p, r) for f, p, r in regions if f == family)
            probabilities = [p for p, _ in chosen]
            right_from = [0] * (len(chosen) + 1)  # right_from[i]: right regions among chosen[i:]
            for index in range(len(chosen) - 1, -1, -1):
                right_from[index] = right_from[index + 1] + chosen[index][1]
            self.families[family] = (probabilities, right_from)

    def score_family(self, family: str, threshold: float) -> tuple[int, int]:
        probabilities, right_from = self.families[family]
        first = bisect.bisect_left(probabilities, threshold)
        return len(probabilities) - first, right_from[first]

    def score(self, policy: dict[str, float]) -> tuple[int, int]:
        """(taken, right) when each family takes the regions at or above its threshold."""
        taken = right = 0
        for family in self.families:
            family_taken, family_right = self.score_family(family, policy[family])
            taken += family_taken
            right += family_right
        return taken, right


def choose(tables: dict[str, Table], target: float, floor: float, minimum: int) -> dict[str, float]:
    """The policy with the most taken regions over `tables` that meets the precision constraints: every
    combination of the grid's thresholds, counted at once with numpy."""
    tables = list(tables.values())
    # A family no table has a region of takes no threshold from the search (one grid point, never), which
    # keeps the grid small: the ranker never proposes token-level patterns.
    grids = [GRID if any(table.families[family][0] for table in tables) else [NEVER] for family in FAMILIES]
    shape = tuple(len(grid) for grid in grids)
    taken_total = np.zeros(shape, dtype=np.int64)
    right_total = np.zeros(shape, dtype=np.int64)
    feasible = np.ones(shape, dtype=bool)
    # Each family held on its own, pooled: a family below the target may not ride on the others' precision.
    for axis, family in enumerate(FAMILIES):
        if family not in HELD_ON_THEIR_OWN:
            continue
        counts = np.array([[table.score_family(family, threshold) for threshold in grids[axis]] for table in tables]).sum(axis=0)
        view = [1] * len(FAMILIES)
        view[axis] = len(grids[axis])
        own = (counts[:, 0] == 0) | (counts[:, 1] >= target * counts[:, 0])
        feasible &= own.reshape(view)
    for table in tables:
        taken = np.zeros(shape, dtype=np.int64)
        right = np.zeros(shape, dtype=np.int64)
        for axis, family in enumerate(FAMILIES):
            counts = np.array([table.score_family(family, threshold) for threshold in grids[axis]], dtype=np.int64)
            view = [1] * len(FAMILIES)
            view[axis] = len(grids[axis])
            taken = taken + counts[:, 0].reshape(view)
            right = right + counts[:, 1].reshape(view)
        feasible &= ~((taken >= minimum) & (right < floor * taken))
        taken_total += taken
        right_total += right
    feasible &= (taken_total > 0) & (right_total >= target * taken_total)
    if not feasible.any():
        return {family: NEVER for family in FAMILIES}
    # The most taken; among equals, the last in C order: the highest thresholds, the cautious choice.
    best = np.where(feasible, taken_total, -1).ravel()
    index = np.unravel_index(best.size - 1 - int(np.argmax(best[::-1])), shape)
    return {family: grid[i] for family, grid, i in zip(FAMILIES, grids, index)}


def held_out(tables: dict[str, Table], target: float, floor: float, minimum: int) -> list[tuple[str, dict[str, float], tuple[int, int]]]:
    """Leave one repository out: for each, the policy chosen on the others and its (taken, right) on it."""
    results = []
    for repo in sorted(tables):
        policy = choose({name: table for name, table in tables.items() if name != repo}, target, floor, minimum)
        results.append((repo, policy, tables[repo].score(policy)))
    return results


def describe(policy: dict[str, float]) -> str:
    return ", ".join(f"{f} {'never' if policy[f] > 1 else format(policy[f], '.2f')}" for f in FAMILIES)


def measured(paths: list[str], policy: dict[str, float], code_only: bool) -> list[str]:
    """The Markdown table of `policy` on the repositories of `paths`, each and pooled."""
    regions, counts = read(paths, code_only=code_only)
    lines = [f"Measured on {len(counts)} other repositories at {describe(policy)}:", "",
             "| repository | regions | resolved | right | precision | coverage |", "|---|---:|---:|---:|---:|---:|"]
    all_taken = all_right = 0
    for repo in sorted(counts):
        taken, right = Table(regions[repo]).score(policy)
        all_taken, all_right = all_taken + taken, all_right + right
        precision = f"{right / taken:.1%}" if taken else "—"
        lines.append(f"| {repo} | {counts[repo]} | {taken} | {right} | {precision} | {taken / counts[repo]:.1%} |")
    total = sum(counts.values())
    pooled = f"{all_right / all_taken:.1%}" if all_taken else "—"
    lines.append(f"| **pooled** | {total} | {all_taken} | {all_right} | {pooled} | {all_taken / max(total, 1):.1%} |")
    return lines


def family_curves(tables: dict[str, Table], thresholds=(0.5, 0.6, 0.7, 0.8, 0.9)) -> list[str]:
    """Each family's own precision (right of taken, pooled) at some thresholds: which families are right at
    a rate that a threshold can raise, and which at about the same rate whatever the probability."""
    lines = ["Each family on its own, pooled (precision, regions taken):", "",
             "| family | " + " | ".join(f">= {t}" for t in thresholds) + " |", "|---|" + "---:|" * len(thresholds)]
    for family in FAMILIES:
        cells = []
        for threshold in thresholds:
            taken, right = (sum(values) for values in zip(*(table.score_family(family, threshold) for table in tables.values())))
            cells.append(f"{right / taken:.1%} ({taken})" if taken else "—")
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return lines


def calibrate(paths: list[str], target: float = 0.9, floor: float = 0.85, minimum: int = 30, write: str | None = None,
              code_only: bool = True, measure: list[str] | None = None, margin: float = MARGIN) -> str:
    """The leave-one-repository-out table (Markdown) and, with `write`, decision.json for the policy chosen on all."""
    regions, counts = read(paths, code_only=code_only)
    tables = {repo: Table(rows) for repo, rows in regions.items()}
    lines = [f"{sum(counts.values())} {'code ' if code_only else ''}regions in {len(counts)} repositories; target {target:.0%} pooled, "
             f"floor {floor:.0%} for each repository with {minimum}+ resolved; chosen with a margin of {margin:.0%} "
             f"({target + margin:.0%} and {floor + margin:.0%} on the repositories chosen on).", "",
             "| held-out repository | regions | thresholds (chosen on the others) | resolved | right | precision | coverage |",
             "|---|---:|---|---:|---:|---:|---:|"]
    held_taken = held_right = 0
    for repo, policy, (taken, right) in held_out(tables, target + margin, floor + margin, minimum):
        held_taken += taken
        held_right += right
        precision = f"{right / taken:.1%}" if taken else "—"
        lines.append(f"| {repo} | {counts[repo]} | {describe(policy)} | {taken} | {right} | {precision} | {taken / counts[repo]:.1%} |")
    total = sum(counts.values())
    pooled = f"{held_right / held_taken:.1%}" if held_taken else "—"
    lines.append(f"| **pooled, each held out** | {total} | | {held_taken} | {held_right} | {pooled} | {held_taken / total:.1%} |")

    policy = choose(tables, target + margin, floor + margin, minimum)
    taken, right = (sum(values) for values in zip(*(table.score(policy) for table in tables.values())))
    lines += ["", f"Chosen on all {len(tables)}: {describe(policy)}; on them: precision {right / max(taken, 1):.1%}, "
              f"coverage {taken / total:.1%} ({taken} of {total}).", ""] + family_curves(tables)
    if measure:
        lines += [""] + measured(measure, policy, code_only)
    if write:
        decision = {
            "thresholds": {family: min(value, 1.0) for family, value in policy.items()},
            "calibrated_on": f"{'code files' if code_only else 'all files'} of {len(tables)} repositories: "
                             + ", ".join(sorted(tables)),
            "rule": f"the most regions at pooled precision >= {target + margin:.2f}, also for each family but token_merge on its own, with >= "
                    f"{floor + margin:.2f} for each repository with {minimum}+ resolved: targets {target} and {floor} with a margin of "
                    f"{margin} (training/calibrate.py)",
            "leave_one_out": {"precision": round(held_right / max(held_taken, 1), 4), "coverage": round(held_taken / total, 4)},
        }
        with open(write, "w") as handle:
            json.dump(decision, handle, indent=2, sort_keys=True)
            handle.write("\n")
        print(f"wrote {write}", file=sys.stderr)
    return "\n".join(lines)


def margin_check(paths: list[str], margins: list[float], draws: int, size: int, target: float = 0.9, floor: float = 0.85,
                 minimum: int = 30, seed: int = 1) -> str:
    """How much margin the rule needs, measured away from the validation repositories: draws `draws` random
    sets of `size` repositories from REGIONS (for example the training repositories' cross-fitted answers),
    runs the leave-one-out of `calibrate` on each set with each margin, and reports the pooled held-out
    precision and coverage over the draws, and how often they reached the target."""
    regions, counts = read(paths, code_only=True)
    tables = {repo: Table(rows) for repo, rows in regions.items() if counts[repo] >= minimum}
    generator = np.random.default_rng(seed)
    names = sorted(tables)
    lines = [f"{draws} draws of {size} of {len(names)} repositories (each with {minimum}+ code regions); target {target:.0%}:", "",
             "| margin | held-out precision, mean | draws reaching the target | held-out coverage, mean |", "|---:|---:|---:|---:|"]
    sets = [list(generator.choice(names, size=size, replace=False)) for _ in range(draws)]
    for margin in margins:
        precisions, coverages = [], []
        for chosen in sets:
            scores = [score for _, _, score in held_out({name: tables[name] for name in chosen}, target + margin, floor + margin, minimum)]
            taken_all, right_all = (sum(values) for values in zip(*scores))
            if taken_all:
                precisions.append(right_all / taken_all)
            coverages.append(taken_all / sum(counts[repo] for repo in chosen))
        reached = sum(p >= target for p in precisions)
        lines.append(f"| {margin:.2f} | {np.mean(precisions):.1%} | {reached} of {len(precisions)} | {np.mean(coverages):.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("regions", nargs="+", help="eval --regions files, one or more per repository")
    parser.add_argument("--target", type=float, default=0.9, help="pooled precision to reach on the repositories chosen on")
    parser.add_argument("--floor", type=float, default=0.85, help="precision every repository with --minimum resolved must reach")
    parser.add_argument("--minimum", type=int, default=30)
    parser.add_argument("--margin", type=float, default=MARGIN,
                        help="choose at target + margin and floor + margin, so that a new repository still reaches the targets")
    parser.add_argument("--write", help="write the chosen thresholds to this decision.json")
    parser.add_argument("--all-files", action="store_true", help="calibrate on every file, not only code")
    parser.add_argument("--measure", nargs="+", metavar="REGIONS", help="also measure the chosen thresholds on these region lines")
    parser.add_argument("--margin-check", nargs="+", type=float, metavar="MARGIN",
                        help="instead of calibrating: measure these margins on random draws of --draw-size repositories")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--draw-size", type=int, default=5)
    arguments = parser.parse_args()
    if arguments.margin_check:
        print(margin_check(arguments.regions, arguments.margin_check, arguments.draws, arguments.draw_size, arguments.target,
                           arguments.floor, arguments.minimum))
        return
    print(calibrate(arguments.regions, arguments.target, arguments.floor, arguments.minimum, arguments.write, not arguments.all_files,
                    arguments.measure, arguments.margin))


if __name__ == "__main__":
    main()
