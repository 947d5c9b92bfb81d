"""Scores a model directory with `mergebert eval --unique --all-refs` on every validation repository and
writes the figures (code files) as a Markdown section for models/MODEL_CARD.md.

    python training/validation_report.py --model models --clones /work/.mirror --out /work/data/validation [--calibrate]

For each repository it runs the release binary on `CLONES/OWNER+NAME/repo` with the model, keeps the JSON
report and the per-region decisions (`--regions`) in `--out`. With `--calibrate`, calibrate.py chooses
decision.json's thresholds from those decisions, leaving one repository out at a time, and its table is
printed first. Then a table per repository: the model at decision.json's thresholds (precision, coverage,
accuracy: computed from the region decisions, so exactly what the resolver writes, safety checks and
guards included), the model answering every region (threshold 0), and the baselines (take ours, take
theirs, token merge, token merge else ours); and the single-threshold precision/coverage curve. The pooled
row adds the counts of the five repositories.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import VALIDATION_REPOS  # noqa: E402
import calibrate as calibration  # noqa: E402

BASELINES = ["take_ours", "take_theirs", "token_merge", "token_merge_else_ours"]


def run_eval(binary: str, clones: str, repo: str, model: str, out: str, reuse: bool) -> dict:
    path = os.path.join(out, repo.replace("/", "+") + ".json")
    if not (reuse and os.path.exists(path)):
        clone = os.path.join(clones, repo.replace("/", "+"), "repo")
        subprocess.run([binary, "eval", "--repo", clone, "--name", repo, "--unique", "--all-refs", "--model", model,
                        "--json", path + ".tmp", "--regions", regions_path(out, repo)], check=True, stdout=subprocess.DEVNULL)
        os.replace(path + ".tmp", path)
    with open(path) as handle:
        return json.load(handle)


def regions_path(out: str, repo: str) -> str:
    return os.path.join(out, repo.replace("/", "+") + ".regions.jsonl")


def percent(value: float | None) -> str:
    """A share as a percentage; none (a threshold that takes nothing has no precision) as a dash."""
    return "—" if value is None else f"{100 * value:.1f}%"


def pooled(reports: list[dict]) -> dict:
    """Counts summed over repositories: tools' resolved/correct/regions and the curve's taken/correct."""
    tools = {}
    for name in ["mergebert"] + BASELINES:
        resolved = sum(r["code"].get(name, {}).get("resolved", 0) for r in reports)
        correct = sum(r["code"].get(name, {}).get("correct", 0) for r in reports)
        regions = sum(r["code"].get(name, {}).get("regions", 0) for r in reports)
        tools[name] = {"resolved": resolved, "correct": correct, "regions": regions,
                       "precision": correct / resolved if resolved else 0.0, "accuracy": correct / regions if regions else 0.0,
                       "coverage": resolved / regions if regions else 0.0}
    curve = []
    regions = tools["mergebert"]["regions"]
    for index, point in enumerate(reports[0]["code_curve"]):
        taken = sum(r["code_curve"][index]["coverage"] * r["code"]["mergebert"]["regions"] for r in reports)
        correct = sum(r["code_curve"][index]["accuracy"] * r["code"]["mergebert"]["regions"] for r in reports)
        curve.append({"threshold": point["threshold"], "precision": correct / taken if taken else 0.0,
                      "coverage": taken / regions if regions else 0.0, "accuracy": correct / regions if regions else 0.0})
    return {"repo": "pooled", "code": tools, "code_curve": curve}


def point_at(report: dict, threshold: float) -> dict:
    return next(p for p in report["code_curve"] if abs(p["threshold"] - threshold) < 1e-9)


def markdown(reports: list[dict], policy: dict[str, float], scores: dict[str, tuple[int, int]]) -> str:
    """`scores`: per repository, (resolved, right) of the model at `policy` on code regions."""
    rows = reports + [pooled(reports)]
    scores = dict(scores)
    scores["pooled"] = (sum(t for t, _ in scores.values()), sum(r for _, r in scores.values()))
    lines = [
        "## Validation: `mergebert eval --unique --all-refs`, code files, located regions",
        "",
        f"The model at decision.json's thresholds ({calibration.describe(policy)}), the model answering every region",
        "(threshold 0), and the baselines.",
        "Accuracy counts every located region (a region left conflicted is not correct); precision counts the regions",
        "a tool resolved.",
        "",
        "| repository | regions | model: precision | model: coverage | model: accuracy | model at threshold 0: accuracy | "
        "take ours | take theirs | token merge (precision / coverage) | token merge else ours | best baseline |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for report in rows:
        code = report["code"]
        regions = code["mergebert"]["regions"]
        taken, right = scores.get(report["repo"], (0, 0))
        precision = percent(right / taken) if taken else "—"
        answered = point_at(report, 0)["accuracy"]
        best = max(code[name]["accuracy"] for name in BASELINES)
        lines.append(
            f"| {report['repo']} | {regions} | {precision} | {percent(taken / max(regions, 1))} | "
            f"{percent(right / max(regions, 1))} | {percent(answered)} | {percent(code['take_ours']['accuracy'])} | "
            f"{percent(code['take_theirs']['accuracy'])} | {percent(code['token_merge']['precision'])} / "
            f"{percent(code['token_merge']['coverage'])} | {percent(code['token_merge_else_ours']['accuracy'])} | {percent(best)} |"
        )
    lines += ["", "Precision / coverage of the model with one threshold for every kind of candidate (code files):", ""]
    thresholds = [point["threshold"] for point in rows[-1]["code_curve"]]
    lines.append("| repository | " + " | ".join(f"{t:g}" for t in thresholds) + " |")
    lines.append("|---|" + "---|" * len(thresholds))
    for report in rows:
        lines.append(f"| {report['repo']} | " + " | ".join(f"{percent(p['precision'])} / {percent(p['coverage'])}"
                                                           for p in report["code_curve"]) + " |")
    return "\n".join(lines) + "\n"


def outside_regenerated(paths: list[str]) -> str:
    """Accuracy with every region answered, on the code regions mergebert answers at threshold 0: the table
    above counts the regions of generated files (which it leaves to their generator at every threshold) as
    wrong for the model and as whatever a baseline's guess gives. From the `eval --regions` lines: a region
    with no candidate at all is one of those; the baseline is the clean token merge, else ours."""
    answered = model = baseline = left = 0
    for path in paths:
        with open(path) as handle:
            for line in handle:
                region = json.loads(line)
                if not region["code"]:
                    continue
                if region["fate"] == "no_candidate":
                    left += 1
                    continue
                candidates = region["candidates"]
                answered += 1
                model += region["fate"] != "refused" and bool(candidates) and candidates[0]["reproduces"]
                merge = next((c for c in candidates if "token_merge" in c["kinds"]), None)
                ours = next((c for c in candidates if "A" in c["kinds"]), None)
                baseline += bool((merge or ours or {}).get("reproduces"))
    return (f"Outside the {left} code regions left to their generator (generated files, at every threshold), {answered} regions: "
            f"the model at threshold 0 is right on {percent(model / max(answered, 1))}, token merge else ours on "
            f"{percent(baseline / max(answered, 1))}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models")
    parser.add_argument("--clones", default="/work/.mirror")
    parser.add_argument("--out", default="/work/data/validation", help="directory for the JSON reports")
    parser.add_argument("--reuse", action="store_true", help="read the reports already in --out instead of running eval again")
    parser.add_argument("--binary", default=".build/release/mergebert")
    parser.add_argument("--repos", default=",".join(VALIDATION_REPOS))
    parser.add_argument("--calibrate", action="store_true", help="rewrite the model's decision.json with calibrate.py")
    parser.add_argument("--target", type=float, default=0.9, help="calibrate.py --target")
    parser.add_argument("--floor", type=float, default=0.85, help="calibrate.py --floor")
    parser.add_argument("--margin", type=float, default=calibration.MARGIN, help="calibrate.py --margin")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    repos = [repo for repo in arguments.repos.split(",") if repo]
    reports = [run_eval(arguments.binary, arguments.clones, repo, arguments.model, arguments.out, arguments.reuse) for repo in repos]
    paths = [regions_path(arguments.out, repo) for repo in repos]
    decision_path = os.path.join(arguments.model, "decision.json")
    if arguments.calibrate:
        print(calibration.calibrate(paths, arguments.target, arguments.floor, write=decision_path, margin=arguments.margin))
    with open(decision_path) as handle:
        decision = json.load(handle)
    policy = decision.get("thresholds") or {family: decision["threshold"] for family in calibration.FAMILIES}
    policy.setdefault("one_side_of_clash", policy["pattern"])  # a decision.json from before that family
    policy.setdefault("side_holding_both_changes", policy["token_merge"])  # the same
    regions, _ = calibration.read(paths, code_only=True)
    scores = {repo: calibration.Table(rows).score(policy) for repo, rows in regions.items()}
    print(markdown(reports, policy, scores))
    print(outside_regenerated(paths))


if __name__ == "__main__":
    main()
