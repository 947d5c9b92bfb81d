"""Exports a training checkpoint as the model directory the Swift encoder loads.

    python training/export.py --checkpoint /work/data/run/best.pt --out models

Writes `config.json` (the keys Sources/Encoder/EncoderConfiguration.swift reads; labels are the nine
patterns then TOKEN), `model.safetensors` (F16 by default), `golden.json` (make_golden.py's format, so
`swift test --filter EncoderTests` checks the shipped model against PyTorch), a provisional `decision.json`
(threshold 1: it resolves nothing until `validation_report.py --calibrate` measures the exported model with
the Swift binary and chooses the thresholds) and `MODEL_CARD.md` (data, repositories and commits,
configuration, validation loss).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import sys
from collections import Counter

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import DEFAULT_DATA, LABELS, VALIDATION_REPOS, is_code, mined_files, token_target  # noqa: E402
from make_golden import model_golden  # noqa: E402
from model import Config, MergeEncoder, parameter_count  # noqa: E402


def percent(value) -> str:
    return f"{100 * value:.1f}%"


def label_distribution(data: str, validation_repos: set[str]) -> list[str]:
    """Markdown rows: deduplicated records per split, kind and code/non-code, and the share of each label."""
    seen: set[str] = set()
    counts: dict[tuple, Counter] = {}
    for path in mined_files(data):
        with open(path) as handle:
            for line in handle:
                record = json.loads(line)
                if record["key"] in seen:
                    continue
                seen.add(record["key"])
                split = "validation" if record["repo"] in validation_repos else "train"
                group = "code" if is_code(record["language"]) else "non-code"
                counter = counts.setdefault((split, record["kind"], group), Counter())
                counter["records"] += 1
                labels = set(record["labels"]) - {"token_merge"}
                if record["kind"] == "region" and token_target(record):
                    labels.add("TOKEN")
                for label in labels or {"OTHER"}:
                    counter[label] += 1
    names = LABELS
    rows = ["| split | kind | group | records | " + " | ".join(names) + " |", "|---|---|---|---|" + "---|" * len(names)]
    for key in sorted(counts):
        counter = counts[key]
        rows.append(f"| {key[0]} | {key[1]} | {key[2]} | {counter['records']} | "
                    + " | ".join(f"{100 * counter[n] / counter['records']:.1f}%" for n in names) + " |")
    return rows


def training_minutes(checkpoint_path: str, step: int | None) -> float | None:
    """Minutes of training up to the checkpoint's step, from the run's metrics.jsonl."""
    path = os.path.join(os.path.dirname(checkpoint_path), "metrics.jsonl")
    if not os.path.exists(path):
        return None
    for line in open(path):
        entry = json.loads(line)
        if entry.get("step") == step:
            return entry.get("minutes")
    return None


def model_card(checkpoint: dict, config: Config, data: str, dtype: str, checkpoint_path: str, weights_bytes: int) -> str:
    arguments = checkpoint.get("arguments", {})
    metrics = checkpoint.get("metrics") or {}
    stats = checkpoint.get("stats", {})
    validation_repos = arguments.get("validation_repos", ",".join(VALIDATION_REPOS)).split(",")
    minutes = training_minutes(checkpoint_path, checkpoint.get("step"))
    lines = [
        "# Model card: merge encoder",
        "",
        "A MergeBERT-style classifier over the four aligned sequences a|o, o|a, b|o, o|b of a conflict, plus",
        f"{len(config.features)} side features (Sources/Resolver/Decision/SideFeatures.swift; `mine` writes them).",
        f"Outputs: {', '.join(config.labels)}. TOKEN: use the token-level merge of the region, each token conflict",
        "resolved by its own best pattern. OTHER: none of these; never an answer, its probability is the model's doubt.",
        "",
        "## Architecture",
        "",
        f"layers {config.layers}, width {config.width}, heads {config.heads}, ffn {config.ffn}, max_length "
        f"{config.max_length}, vocabulary {config.vocab_size} (hashed), norm {config.norm}; "
        f"{parameter_count(config):,} parameters; weights {dtype}, {weights_bytes / 1e6:.1f} MB.",
        "",
        "## Training",
        "",
        f"Hardware: CPU only ({platform.machine()}, {os.cpu_count()} cores, {arguments.get('threads')} PyTorch thread(s)); "
        + (f"the checkpoint is from minute {minutes:.0f} of training, " if minutes is not None else "")
        + f"step {checkpoint.get('step')}. Reproduce with `training/reproduce.sh` (training/README.md). Arguments:",
        "",
        "```",
        json.dumps(arguments, indent=1, sort_keys=True),
        "```",
        "",
        f"Records read {stats.get('records')}, duplicates dropped {stats.get('duplicates')} (by key, across repositories).",
        f"Validation repositories (never trained on): {', '.join(validation_repos)}.",
        "",
        "Deduplicated records and the share of each correct label (a record can have several; OTHER: none):",
        "",
    ]
    lines += label_distribution(data, set(validation_repos)) + [""]
    summaries = sorted(glob.glob(os.path.join(data, "*.summary.json")))
    if summaries:
        lines += ["Mined repositories (`mine --repos`: HEAD, refs walked, merges, regions, located regions, seconds):", "",
                  "| repository | HEAD | refs | merges | regions | located | seconds |", "|---|---|---|---:|---:|---:|---:|"]
        for path in summaries:
            summary = json.load(open(path))
            lines.append(f"| {summary['repo']} | {(summary.get('head') or '')[:12]} | {' '.join(summary.get('references') or [])} | "
                         f"{summary['merges']} | {summary['regions']} | {summary['located']} | {summary['seconds']:.0f} |")
        lines.append("")
    if metrics:
        lines += ["## Validation in training (records of the validation repositories)", "",
                  f"Mean set loss {metrics['loss']:.4f}. Top-1: the most probable output (OTHER included) is a correct one.", "",
                  "| records | n | loss | top-1 | OTHER chosen |", "|---|---:|---:|---:|---:|"]
        for key, value in metrics.items():
            if isinstance(value, dict):
                lines.append(f"| {key} | {value['records']} | {value['loss']:.4f} | {percent(value['accuracy'])} | {percent(value['other'])} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="/work/data/run/best.pt")
    parser.add_argument("--out", default="models")
    parser.add_argument("--dtype", choices=["f16", "f32"], default="f16")
    parser.add_argument("--data", default=DEFAULT_DATA, help="mined data directory (for commits.txt in the model card)")
    arguments = parser.parse_args()

    checkpoint = torch.load(arguments.checkpoint, map_location="cpu", weights_only=False)
    config = Config(**checkpoint["config"])
    model = MergeEncoder(config)
    model.load_state_dict(checkpoint["state_dict"])  # strict: the names are exactly what Swift reads
    dtype = torch.float16 if arguments.dtype == "f16" else torch.float32
    state = {key: value.to(dtype).contiguous() for key, value in model.state_dict().items()}
    os.makedirs(arguments.out, exist_ok=True)
    save_file(state, os.path.join(arguments.out, "model.safetensors"), metadata={"format": "pt"})
    config.to_json(os.path.join(arguments.out, "config.json"))
    model_golden(arguments.out)  # reloads the stored (rounded) weights, so the logits are those of the file
    decision = {"threshold": 1.0, "note": "provisional: run training/validation_report.py --calibrate"}
    with open(os.path.join(arguments.out, "decision.json"), "w") as handle:
        json.dump(decision, handle, indent=2, sort_keys=True)
        handle.write("\n")
    with open(os.path.join(arguments.out, "MODEL_CARD.md"), "w") as handle:
        weights_bytes = os.path.getsize(os.path.join(arguments.out, "model.safetensors"))
        handle.write(model_card(checkpoint, config, arguments.data, arguments.dtype.upper(), arguments.checkpoint, weights_bytes))
    print(f"wrote {arguments.out}/config.json, model.safetensors ({arguments.dtype}), golden.json, decision.json (provisional), MODEL_CARD.md")


if __name__ == "__main__":
    main()
