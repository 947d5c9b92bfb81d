"""Loads the JSONL records that `mergebert mine` writes and turns them into padded training batches.

    python training/dataset.py [--data /work/data/mined]      # counts and label distributions

Every line of a mined file is one record (see training/README.md for the schema): a `region` (the
whole conflicting hunk as one conflict, plus what the token-level merge made of it) or a
`token_conflict` (one conflict left by the token-level merge of a region). Records are deduplicated by
`key` across all files (files in sorted order, the first occurrence wins), and split by repository:
the validation repositories are never trained on.

Labels and side-feature names are read from `models/config.json`, the file the Swift resolver reads them
from too. The side features are the values `mine` wrote (`SideFeatures.swift` computes them; nothing
here recomputes them): a record's `features` holds its non-zero values by name.

Targets have eleven outputs: the nine patterns, TOKEN ("use the token-level result") and OTHER ("none of
these": the developer wrote something else). TOKEN is a target of a region when the clean token merge is
the developer's resolution, or when the token merge leaves conflicts and every one of them has at least
one correct pattern. OTHER is the target of a record with no other target; it never resolves anything,
it only takes probability away from wrong answers, so that confidence means something on conflicts no
pattern can resolve. Token-conflict records use the nine patterns and OTHER (`allowed` masks TOKEN out
of their softmax).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_CONFIG = os.path.join(ROOT, "models", "config.json")


def shared_config(path: str = SHARED_CONFIG) -> dict:
    """The labels and feature names both sides read (models/config.json)."""
    with open(path) as handle:
        return json.load(handle)


LABELS = shared_config()["labels"]
FEATURES = shared_config().get("features", [])
TOKEN = LABELS.index("TOKEN")
OTHER = LABELS.index("OTHER")
PATTERNS = LABELS[:TOKEN]
# Swapping ours and theirs: sequences (a|o, o|a) <-> (b|o, o|b), and labels A<->B, AB<->BA, ...
SWAP_SEQUENCES = [2, 3, 0, 1]
SWAP_LABELS = [LABELS.index(label.translate(str.maketrans("AB", "BA")) if label in PATTERNS else label) for label in LABELS]
VALIDATION_REPOS = (
    "apollographql/apollo-client",
    "pypa/pip",
    "NuGet/NuGet.Client",
    "prometheus/prometheus",
    "spring-projects/spring-framework",
)
NON_CODE = {"json", "xml", "yaml", "text"}
DEFAULT_DATA = "/work/data/mined"
MAX_LENGTH = 128


def is_code(language: str) -> bool:
    return language not in NON_CODE


def token_target(record: dict) -> bool:
    """Whether "use the token-level result" is a correct answer for a region record."""
    if "token_merge" in record["labels"]:
        return True
    if record.get("token_merge_clean"):
        return False  # a clean token merge that is not the resolution
    conflict_labels = record.get("conflict_labels")
    return bool(conflict_labels) and all(len(labels) > 0 for labels in conflict_labels)


@dataclass
class Split:
    """Padded arrays of one split, one row per record (regions and token conflicts together)."""

    tokens: np.ndarray  # int16 [N, 4, max_length]
    edits: np.ndarray  # int8 [N, 4, max_length]
    lengths: np.ndarray  # int32 [N], longest of the four sequences
    targets: np.ndarray  # bool [N, 10], correct labels
    allowed: np.ndarray  # bool [N, 10], outputs in the softmax (TOKEN only for regions)
    features: np.ndarray  # float32 [N, F], the side features mine wrote
    meta: list[dict] = field(default_factory=list)  # kind, repo, key, language, labels, ...

    def __len__(self) -> int:
        return len(self.meta)

    def trainable(self) -> np.ndarray:
        """Indices of records with at least one target (all of them: a record without a correct
        pattern has OTHER)."""
        return np.nonzero(self.targets.any(axis=1))[0]

    def batch(self, indices, swap: np.ndarray | None = None) -> dict[str, torch.Tensor]:
        """Padded tensors for the given rows; `swap` (bool per row) exchanges ours and theirs."""
        indices = np.asarray(indices)
        length = max(1, int(self.lengths[indices].max()))
        tokens = self.tokens[indices, :, :length].astype(np.int64)
        edits = self.edits[indices, :, :length].astype(np.int64)
        targets = self.targets[indices]
        allowed = self.allowed[indices]
        if swap is not None and swap.any():
            if self.features.shape[1]:
                raise ValueError("swapping ours and theirs would need the side features recomputed")
            tokens[swap] = tokens[swap][:, SWAP_SEQUENCES]
            edits[swap] = edits[swap][:, SWAP_SEQUENCES]
            targets = targets.copy()
            targets[swap] = targets[swap][:, SWAP_LABELS]
        return {
            "token_ids": torch.from_numpy(tokens),
            "edit_types": torch.from_numpy(edits),
            "targets": torch.from_numpy(targets),
            "allowed": torch.from_numpy(allowed),
            "features": torch.from_numpy(self.features[indices]),
        }

    def batches(self, indices, batch_size: int, rng: random.Random | None = None, bucket: int = 50):
        """Index batches. With `rng`: shuffled, grouped by length within chunks of `bucket` batches so
        that batches carry little padding; without: in length order (evaluation)."""
        indices = list(indices)
        if rng is None:
            indices.sort(key=lambda i: self.lengths[i])
            return [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]
        rng.shuffle(indices)
        result = []
        chunk = batch_size * bucket
        for start in range(0, len(indices), chunk):
            part = sorted(indices[start : start + chunk], key=lambda i: self.lengths[i])
            result.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
        rng.shuffle(result)
        return result


def mined_files(data: str, include_partial: bool = False) -> list[str]:
    files = glob.glob(os.path.join(data, "*.jsonl"))
    if include_partial:
        finished = {os.path.basename(f) for f in files}
        # `mine --repos` writes OWNER+NAME.jsonl.partial until a repository is finished.
        files += [f for f in glob.glob(os.path.join(data, "*.jsonl.partial")) if os.path.basename(f)[: -len(".partial")] not in finished]
    return sorted(files)


def load(
    data: str = DEFAULT_DATA,
    validation_repos=VALIDATION_REPOS,
    max_length: int = MAX_LENGTH,
    include_partial: bool = False,
    limit_per_file: int | None = None,
    log=print,
    feature_names: list[str] | None = None,
    cap_per_repo: int | None = None,
    cap_per_merge: int | None = None,
) -> tuple[Split, Split, dict]:
    """Reads every mined file, deduplicates by key across files, and splits by repository.

    A few repositories hold most regions (spring-boot about a third) and a few merges hundreds each. For the
    training split, `cap_per_merge` keeps the first regions of each merge, and `cap_per_repo` keeps about that
    many regions of each repository: a stable sample by key, at the rate the repository's
    `OWNER+NAME.summary.json` (written by `mine --repos`) implies. A region dropped drops its token conflicts."""
    validation_repos = set(validation_repos)
    rates = {}
    if cap_per_repo is not None:
        for path in glob.glob(os.path.join(data, "*.summary.json")):
            summary = json.load(open(path))
            rates[summary["repo"]] = min(1.0, cap_per_repo / max(summary["located"], 1))
    per_merge: Counter = Counter()
    dropped_regions: set[str] = set()
    seen: set[str] = set()
    rows = {"train": [], "validation": []}  # compact rows: the JSON of every record is dropped at once
    stats = Counter()
    files = mined_files(data, include_partial)
    for path in files:
        with open(path) as handle:
            for number, line in enumerate(handle):
                if limit_per_file is not None and number >= limit_per_file:
                    break
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    stats["unparsable"] += 1  # a partial last line of a file still being written
                    continue
                stats["records"] += 1
                if record["key"] in seen:
                    stats["duplicates"] += 1
                    continue
                seen.add(record["key"])
                if record["repo"] not in validation_repos:
                    region_key = record["key"] if record["kind"] == "region" else record["key"].rsplit("-", 1)[0]
                    if record["kind"] == "region":
                        per_merge[(record["repo"], record["commit"])] += 1
                        over_merge = cap_per_merge is not None and per_merge[(record["repo"], record["commit"])] > cap_per_merge
                        # The key is a hex digest: its first digits are a stable uniform draw.
                        over_repo = int(record["key"][:8], 16) / 0xFFFFFFFF >= rates.get(record["repo"], 1.0)
                        if over_merge or over_repo:
                            dropped_regions.add(region_key)
                    if region_key in dropped_regions:
                        stats["capped"] += 1
                        continue
                if any(len(seq) > max_length for seq in record["token_ids"]):
                    stats["truncated"] += 1
                rows["validation" if record["repo"] in validation_repos else "train"].append(_row(record, max_length, feature_names or []))
    splits = {name: _stack(items, max_length, len(feature_names or [])) for name, items in rows.items()}
    stats = dict(stats)
    stats["files"] = [os.path.basename(f) for f in files]
    return splits["train"], splits["validation"], stats


_PATTERN_INDEX = {label: i for i, label in enumerate(PATTERNS)}
_META_KEYS = ("kind", "repo", "key", "language", "labels", "token_merge_clean", "token_conflicts", "conflict_labels")


def _row(record: dict, max_length: int, feature_names: list[str]) -> tuple:
    tokens = np.zeros((4, max_length), dtype=np.int16)
    edits = np.zeros((4, max_length), dtype=np.int8)
    longest = 0
    for s in range(4):
        ids = record["token_ids"][s][:max_length]
        types = record["edit_types"][s][:max_length]
        tokens[s, : len(ids)] = ids
        edits[s, : len(types)] = types
        longest = max(longest, len(ids))
    targets = np.zeros(len(LABELS), dtype=bool)
    allowed = np.zeros(len(LABELS), dtype=bool)
    allowed[:TOKEN] = True
    for label in record["labels"]:
        if label in _PATTERN_INDEX:
            targets[_PATTERN_INDEX[label]] = True
    if record["kind"] == "region":
        allowed[TOKEN] = True
        targets[TOKEN] = token_target(record)
    allowed[OTHER] = True
    targets[OTHER] = not targets.any()
    if feature_names and "features" not in record:
        raise SystemExit("these records have no side features: mine them again with this version of mergebert")
    written = record.get("features") or {}
    values = [written.get(name, 0.0) for name in feature_names]
    return tokens, edits, longest, targets, allowed, np.array(values, dtype=np.float32), {key: record.get(key) for key in _META_KEYS}


def _stack(items: list[tuple], max_length: int, feature_count: int) -> Split:
    if not items:
        return Split(np.zeros((0, 4, max_length), np.int16), np.zeros((0, 4, max_length), np.int8), np.zeros(0, np.int32),
                     np.zeros((0, len(LABELS)), bool), np.zeros((0, len(LABELS)), bool), np.zeros((0, feature_count), np.float32), [])
    tokens, edits, lengths, targets, allowed, values, meta = zip(*items)
    return Split(np.stack(tokens), np.stack(edits), np.array(lengths, dtype=np.int32), np.stack(targets), np.stack(allowed),
                 np.stack(values).reshape(len(items), feature_count), list(meta))


def describe(split: Split, name: str, log=print) -> None:
    """Counts per kind, per repository, code/non-code, and label distributions."""
    kinds = Counter(m["kind"] for m in split.meta)
    repos = Counter(m["repo"] for m in split.meta if m["kind"] == "region")
    log(f"[{name}] records {len(split)}: {dict(kinds)}; repositories {len(repos)}")
    for repo, count in repos.most_common():
        log(f"    {repo}: {count} regions")
    for kind in ("region", "token_conflict"):
        rows = [i for i, m in enumerate(split.meta) if m["kind"] == kind]
        for group, wanted in (("code", True), ("non-code", False)):
            chosen = [i for i in rows if is_code(split.meta[i]["language"]) == wanted]
            if not chosen:
                continue
            counts = Counter()
            for i in chosen:
                for j, label in enumerate(LABELS):
                    if split.targets[i, j]:
                        counts[label] += 1
                if kind == "region" and "token_merge" in split.meta[i]["labels"]:
                    counts["token_merge"] += 1
            total = len(chosen)
            shown = ", ".join(f"{label} {100 * counts[label] / total:.1f}%" for label in LABELS + ["token_merge"] if counts[label])
            log(f"  {kind} {group} n={total}: {shown}")
        if kind == "region" and rows:
            conflicts = Counter(min(split.meta[i]["token_conflicts"] or 0, 2) for i in rows)
            log(f"  region token conflicts: 0 {conflicts[0]}, 1 {conflicts[1]}, 2+ {conflicts[2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--include-partial", action="store_true", help="also read *.jsonl.partial files still being mined")
    arguments = parser.parse_args()
    train, validation, stats = load(arguments.data, include_partial=arguments.include_partial)
    print(f"files {len(stats['files'])}, records {stats.get('records', 0)}, duplicates dropped {stats.get('duplicates', 0)}, "
          f"truncated {stats.get('truncated', 0)}, unparsable {stats.get('unparsable', 0)}")
    describe(train, "train")
    describe(validation, "validation")


if __name__ == "__main__":
    main()
