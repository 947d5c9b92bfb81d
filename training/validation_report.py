"""Scores a model directory with `mergebert eval --unique` on every validation repository and writes the
figures (code files) as a Markdown section for models/MODEL_CARD.md.

    python training/validation_report.py --model models --clones /work/.mirror --out /work/data/validation

For each repository it runs the release binary on `CLONES/OWNER+NAME/repo` with the model, keeps the JSON
report in `--out`, and prints a table: the model at its default threshold (precision, accuracy, coverage), the
model answering every region (threshold 0), the baselines (take ours, take theirs, token merge, token merge
else ours), and the precision/coverage curve. The model's figures come from the report's curve, which counts
exactly the candidates the resolver writes at each threshold (safety checks included). The pooled row adds
the counts of the five repositories. With `--calibrate`, decision.json's threshold becomes the lowest curve
threshold from which the pooled precision on code files stays at `--target-precision` or above (points with
fewer than 20 resolved regions do not count).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import VALIDATION_REPOS  # noqa: E402
from export import stable_threshold  # noqa: E402

BASELINES = ["take_ours", "take_theirs", "token_merge", "token_merge_else_ours"]


def run_eval(binary: str, clones: str, repo: str, model: str, out: str, reuse: bool) -> dict:
    path = os.path.join(out, repo.replace("/", "+") + ".json")
    if not (reuse and os.path.exists(path)):
        clone = os.path.join(clones, repo.replace("/", "+"), "repo")
        subprocess.run([binary, "eval", "--repo", clone, "--name", repo, "--unique", "--model", model, "--json", path + ".tmp"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(path + ".tmp", path)
    with open(path) as handle:
        return json.load(handle)


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


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


def calibrate(report: dict, target: float) -> dict:
    """The lowest threshold of the pooled code curve from which precision stays at `target` or above."""
    return stable_threshold(report["code_curve"], report["code"]["mergebert"]["regions"], target, "validation code",
                            calibrated_on="mergebert eval --unique, code files of the validation repositories, pooled",
                            fallback=0.99)


def point_at(report: dict, threshold: float) -> dict:
    return next(p for p in report["code_curve"] if abs(p["threshold"] - threshold) < 1e-9)


def markdown(reports: list[dict], threshold: float) -> str:
    rows = reports + [pooled(reports)]
    lines = [
        "## Validation: `mergebert eval --unique`, code files, located regions",
        "",
        f"The model at its calibrated threshold {threshold}, the model answering every region (threshold 0), and the baselines.",
        "Accuracy counts every located region (a region left conflicted is not correct); precision counts the regions",
        "a tool resolved.",
        "",
        "| repository | regions | model: precision | model: coverage | model: accuracy | model at threshold 0: accuracy | "
        "take ours | take theirs | token merge (precision / coverage) | token merge else ours | best baseline |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for report in rows:
        code = report["code"]
        model = point_at(report, threshold)
        answered = point_at(report, 0)["accuracy"]
        best = max(code[name]["accuracy"] for name in BASELINES)
        lines.append(
            f"| {report['repo']} | {code['mergebert']['regions']} | {percent(model['precision'])} | {percent(model['coverage'])} | "
            f"{percent(model['accuracy'])} | {percent(answered)} | {percent(code['take_ours']['accuracy'])} | "
            f"{percent(code['take_theirs']['accuracy'])} | {percent(code['token_merge']['precision'])} / "
            f"{percent(code['token_merge']['coverage'])} | {percent(code['token_merge_else_ours']['accuracy'])} | {percent(best)} |"
        )
    lines += ["", "Precision / coverage of the model by threshold (code files):", ""]
    thresholds = [point["threshold"] for point in rows[-1]["code_curve"]]
    lines.append("| repository | " + " | ".join(f"{t:g}" for t in thresholds) + " |")
    lines.append("|---|" + "---|" * len(thresholds))
    for report in rows:
        lines.append(f"| {report['repo']} | " + " | ".join(f"{percent(p['precision'])} / {percent(p['coverage'])}"
                                                           for p in report["code_curve"]) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models")
    parser.add_argument("--clones", default="/work/.mirror")
    parser.add_argument("--out", default="/work/data/validation", help="directory for the JSON reports")
    parser.add_argument("--reuse", action="store_true", help="read the reports already in --out instead of running eval again")
    parser.add_argument("--binary", default=".build/release/mergebert")
    parser.add_argument("--repos", default=",".join(VALIDATION_REPOS))
    parser.add_argument("--calibrate", action="store_true", help="rewrite the model's decision.json from the pooled code curve")
    parser.add_argument("--target-precision", type=float, default=0.85)
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    reports = [run_eval(arguments.binary, arguments.clones, repo, arguments.model, arguments.out, arguments.reuse)
               for repo in arguments.repos.split(",") if repo]
    decision_path = os.path.join(arguments.model, "decision.json")
    if arguments.calibrate:
        decision = calibrate(pooled(reports), arguments.target_precision)
        with open(decision_path, "w") as handle:
            json.dump(decision, handle, indent=2, sort_keys=True)
            handle.write("\n")
        print(f"decision.json: {json.dumps(decision, sort_keys=True)}", file=sys.stderr)
    with open(decision_path) as handle:
        threshold = json.load(handle)["threshold"]
    print(markdown(reports, threshold))


if __name__ == "__main__":
    main()
