"""Ranks each region's candidate texts with features alone: does a ranking head without the encoder beat
the feature reference of QUALITY.md (about 61% on the five validation repositories)?

    python training/rank_candidates.py --data /work/data/mined [--cap-per-repo 20000] [--json OUT]

Reads the region records `mergebert mine` wrote: each lists its distinct candidate texts (the clean token
merge and the nine whole-region patterns, `CandidateTexts.swift`) with whether each reproduces the
developer's resolution and its features, and the region's side features (`SideFeatures.swift`). Nothing
is recomputed here. A small MLP scores every candidate from [candidate features, region features]; the
softmax over a region's candidates is trained listwise on the training repositories, the loss
-log sum_{c reproduces} p(c). Validation repositories are never trained on.

Reported on validation code regions (deduplicated as `eval --unique` does): accuracy with every region
answered by its best candidate, the same for the baselines (token merge else ours, ours, theirs) and the
oracle (some candidate reproduces), and coverage at >= 90% precision with the threshold chosen leaving
one repository out (chosen on four, measured on the fifth). The number of epochs is chosen on development
repositories (training repositories held out, about a tenth of the regions), never on validation.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import random
import sys
import time
from collections import defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import FEATURES, VALIDATION_REPOS, is_code, mined_files  # noqa: E402

FILE_PREFIX = "file."  # FileContext.prefix


def regions(folders: list[str], include_partial: bool, encoder: "EncoderScores | None" = None,
            with_tokens: int = 0) -> list[dict]:
    """Region records with candidates, first occurrence of each key only (across files, in sorted order).
    With `encoder`, each candidate also gets the feature `encoder_probability`: what the encoder's region
    outputs give its text (the sum over the kinds that write it, TOKEN for the clean token merge), exactly
    as the resolver computes it (Sources/Resolver/Decision/ModelScoring.swift). With `with_tokens` (a
    length), each record also keeps the encoder's four views cut to that length (`tokens`, `edits`), for
    joint_ranker.py."""
    seen, result = set(), []
    for path in sorted(path for folder in folders for path in mined_files(folder, include_partial)):
        pending = []
        with open(path) as handle:
            for line in handle:
                record = json.loads(line)
                if record["kind"] != "region" or record.get("candidates") is None or record["key"] in seen:
                    continue
                seen.add(record["key"])
                result.append({"repo": record["repo"], "commit": record["commit"], "path": record["path"], "region": record["region"],
                               "language": record["language"], "key": record["key"],
                               "candidates": record["candidates"], "features": record["features"],
                               "regenerated": record.get("regenerated")})
                if with_tokens:
                    result[-1]["tokens"], result[-1]["edits"] = views(record, with_tokens)
                if encoder is not None:
                    pending.append((result[-1], record))
        if encoder is not None:
            encoder.annotate(path, pending)
    return result


def views(record: dict, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The region's four encoder sequences (a|o, o|a, b|o, o|b) cut to `length`, zero-padded: int16 token
    ids and int8 edit types, [4, length]."""
    tokens = np.zeros((4, length), dtype=np.int16)
    edits = np.zeros((4, length), dtype=np.int8)
    for sequence in range(4):
        ids, types = record["token_ids"][sequence][:length], record["edit_types"][sequence][:length]
        tokens[sequence, : len(ids)] = ids
        edits[sequence, : len(types)] = types
    return tokens, edits


class EncoderScores:
    """The shipped encoder's region-level probabilities, turned into each candidate text's probability."""

    FEATURE = "encoder_probability"

    def __init__(self, directory: str):
        from safetensors.torch import load_file

        from model import Config, MergeEncoder, pad_batch

        self.config = Config.from_json(os.path.join(directory, "config.json"))
        self.model = MergeEncoder(self.config)
        state = load_file(os.path.join(directory, "model.safetensors"))
        self.model.load_state_dict({key: value.to(torch.float32) for key, value in state.items()})
        self.model.eval()
        self.pad_batch = pad_batch
        self.label_index = {label: i for i, label in enumerate(self.config.labels)}
        self.label_index["token_merge"] = self.label_index["TOKEN"]
        with open(os.path.join(directory, "model.safetensors"), "rb") as handle:
            self.digest = hashlib.sha256(handle.read()).hexdigest()[:12]

    def annotate(self, path: str, pairs: list[tuple[dict, dict]]) -> None:
        """Adds the feature to each kept record's candidates; the encoder's outputs for a mined file are cached
        beside it (recomputed when the file is newer), so that experiments do not run the encoder again."""
        cache = f"{path}.encoder-{self.digest}.npz"
        if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(path):
            stored = np.load(cache)
            known = dict(zip(stored["keys"].tolist(), stored["probabilities"]))
        else:
            known = {}
        missing = [(kept, record) for kept, record in pairs if record["key"] not in known]
        if missing:
            started = time.time()
            for start in range(0, len(missing), 256):
                known.update(zip((record["key"] for _, record in missing[start : start + 256]), self.outputs(missing[start : start + 256])))
            keys = sorted(known)
            np.savez(cache, keys=np.array(keys), probabilities=np.stack([known[key] for key in keys]))
            print(f"encoder: {len(missing)} regions of {os.path.basename(path)} in {time.time() - started:.0f}s", flush=True)
        for kept, record in pairs:
            row = known[record["key"]]
            for candidate in kept["candidates"]:
                candidate["features"][self.FEATURE] = float(sum(row[self.label_index[kind]] for kind in candidate["kinds"]))

    def outputs(self, pairs: list[tuple[dict, dict]]) -> np.ndarray:
        """The encoder's softmax over its labels for each record's region input."""
        examples = [{"token_ids": [ids[: self.config.max_length] for ids in record["token_ids"]],
                     "edit_types": [types[: self.config.max_length] for types in record["edit_types"]]} for _, record in pairs]
        tokens, edits = self.pad_batch(examples)
        features = torch.tensor([[record["features"].get(name, 0.0) for name in self.config.features] for _, record in pairs],
                                dtype=torch.float32)
        with torch.no_grad():
            return torch.softmax(self.model(tokens, edits, features if self.config.features else None), dim=-1).numpy()


def vectors(records: list[dict], candidate_names: list[str], none_row: bool = False,
            region_names: list[str] = FEATURES) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per region: a [candidates, features] matrix (candidate features, then the region's side features) and
    which candidates reproduce the resolution. With `none_row`, a last row stands for "none of these texts"
    (the developer wrote something else): its candidate features are all zero (no real candidate has zero
    kinds), and it is the right answer exactly when no candidate reproduces the resolution."""
    index = {name: i for i, name in enumerate(candidate_names)}
    region_index = {name: len(candidate_names) + i for i, name in enumerate(region_names)}
    width = len(candidate_names) + len(region_names)
    out = []
    for record in records:
        matrix = np.zeros((len(record["candidates"]) + none_row, width), dtype=np.float32)
        for row, candidate in enumerate(record["candidates"]):
            for name, value in candidate["features"].items():
                if name in index:
                    matrix[row, index[name]] = value
        for row in range(len(matrix)):
            for name, value in record["features"].items():
                if name in region_index:
                    matrix[row, region_index[name]] = value
        reproduces = [c["reproduces"] for c in record["candidates"]]
        if none_row:
            reproduces.append(not any(reproduces))
        out.append((matrix, np.array(reproduces, dtype=bool)))
    return out


class Scorer(torch.nn.Module):
    def __init__(self, width: int, hidden: int):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.GELU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def padded(batch: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    most = max(len(m) for m, _ in batch)
    width = batch[0][0].shape[1]
    x = np.zeros((len(batch), most, width), dtype=np.float32)
    valid = np.zeros((len(batch), most), dtype=bool)
    right = np.zeros((len(batch), most), dtype=bool)
    for i, (matrix, reproduces) in enumerate(batch):
        x[i, : len(matrix)] = matrix
        valid[i, : len(matrix)] = True
        right[i, : len(matrix)] = reproduces
    return torch.from_numpy(x), torch.from_numpy(valid), torch.from_numpy(right)


def probabilities(heads: "Scorer | list[Scorer]", data: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Each region's candidate probabilities: the softmax of each head's scores, averaged over the heads."""
    heads = heads if isinstance(heads, list) else [heads]
    result = []
    with torch.no_grad():
        for start in range(0, len(data), 512):
            x, valid, _ = padded(data[start : start + 512])
            p = 0
            for head in heads:
                head.eval()
                p = p + torch.softmax(head(x).masked_fill(~valid, float("-inf")), dim=-1).numpy()
                head.train()
            p = p / len(heads)
            result += [p[i, : valid[i].sum()] for i in range(len(p))]
    return result


def summary(records: list[dict], data, probs) -> dict:
    """Accuracy of the ranker and the baselines, and the best candidate's (probability, right) per region."""
    counts = defaultdict(int)
    scored = []
    for record, (matrix, reproduces), p in zip(records, data, probs):
        kinds = [c["kinds"] for c in record["candidates"]]
        # A "none of these" row, when there is one, is last: never an answer.
        p, reproduces = p[: len(kinds)], reproduces[: len(kinds)]
        best = int(np.argmax(p))
        counts["ranker"] += bool(reproduces[best])
        counts["oracle"] += bool(reproduces.any())
        token = next((i for i, k in enumerate(kinds) if "token_merge" in k), None)
        ours = next(i for i, k in enumerate(kinds) if "A" in k)
        theirs = next(i for i, k in enumerate(kinds) if "B" in k)
        counts["token_merge_else_ours"] += bool(reproduces[token if token is not None else ours])
        counts["take_ours"] += bool(reproduces[ours])
        counts["take_theirs"] += bool(reproduces[theirs])
        scored.append((float(p[best]), bool(reproduces[best])))
    total = max(len(records), 1)
    return {"regions": len(records), **{name: count / total for name, count in counts.items()}, "scored": scored}


def leave_one_out(by_repo: dict[str, list[tuple[float, bool]]], target: float = 0.9) -> dict:
    """The lowest threshold reaching `target` precision on the other repositories, measured on each in turn."""
    def pick(points):
        points = sorted(points, reverse=True)
        best, right = None, 0
        for taken, (probability, correct) in enumerate(points, 1):
            right += correct
            if right / taken >= target:
                best = probability
        return best
    held_taken = held_right = total = 0
    rows = {}
    for repo, points in by_repo.items():
        others = [point for other, pts in by_repo.items() if other != repo for point in pts]
        threshold = pick(others)
        taken = [correct for probability, correct in points if threshold is not None and probability >= threshold]
        rows[repo] = {"threshold": threshold, "regions": len(points), "resolved": len(taken), "right": sum(taken)}
        held_taken += len(taken)
        held_right += sum(taken)
        total += len(points)
    return {"precision": held_right / held_taken if held_taken else None, "coverage": held_taken / max(total, 1), "repositories": rows}


class Confidence(torch.nn.Module):
    """How likely the ranker's best text is right, from that text's input row and the ranker's view of the
    region (best and second probability, number of candidates): trained on the ranker's out-of-sample
    answers, so that its probability is what a repository the ranker never saw gets."""

    def __init__(self, width: int, hidden: int):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(width + 3, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def confidence_inputs(data: list[tuple[np.ndarray, np.ndarray]], probs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per region: the best candidate's row, its probability, the runner-up's, log(1 + candidates); and whether it is right."""
    rows, right = [], []
    for (matrix, reproduces), p in zip(data, probs):
        order = np.argsort(-p, kind="stable")
        second = float(p[order[1]]) if len(p) > 1 else 0.0
        rows.append(np.concatenate([matrix[order[0]], [float(p[order[0]]), second, np.log1p(len(p))]]))
        right.append(bool(reproduces[order[0]]))
    return np.array(rows, dtype=np.float32), np.array(right, dtype=np.float32)


def train_confidence(x: np.ndarray, y: np.ndarray, development_x: np.ndarray, development_y: np.ndarray, seed: int,
                     epochs: int = 12, hidden: int = 32) -> Confidence:
    """Binary cross-entropy on out-of-sample answers; the epoch with the lowest development loss is kept."""
    torch.manual_seed(seed)
    model = Confidence(x.shape[1] - 3, hidden)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_of = torch.nn.BCEWithLogitsLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    dx, dy = torch.from_numpy(development_x), torch.from_numpy(development_y)
    best_state, best_loss = None, float("inf")
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        order = torch.randperm(len(tx), generator=generator)
        for start in range(0, len(tx), 256):
            batch = order[start : start + 256]
            loss = loss_of(model(tx[batch]), ty[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            development_loss = loss_of(model(dx), dy).item()
        print(f"confidence epoch {epoch + 1}: development loss {development_loss:.4f}", flush=True)
        if development_loss < best_loss:
            best_loss, best_state = development_loss, {key: value.clone() for key, value in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model


def export(heads: list[Scorer], mean: np.ndarray, std: np.ndarray, candidate_names: list[str], region_names: list[str], path: str,
           examples: list[dict] | None = None, none_candidate: bool = False) -> None:
    """Writes the ranking heads as JSON for `CandidateRanker.swift`: feature names, the standardisation, and
    each head's linear layers (GELU between them); the probability of a candidate is the average over the
    heads of their softmaxes (with `none_candidate`, over the candidates and a "none of these" row whose
    candidate features are zero). `examples`, when given, are stored with the probabilities PyTorch
    computes for the candidates, so that the Swift test checks the same numbers. Each layer's weights are
    stored as little-endian float32 in base64 (`weight_float32`, `bias_float32`, with the weight's `shape`
    [outputs, inputs]): exactly the trained values, and a file the driver reads in a few milliseconds where
    the same numbers as JSON arrays took about 30."""
    def packed(tensor: torch.Tensor) -> str:
        return base64.b64encode(tensor.detach().float().contiguous().numpy().astype("<f4").tobytes()).decode("ascii")
    document = {
        "candidate_features": candidate_names, "region_features": region_names, "none_candidate": none_candidate,
        "mean": [float(v) for v in mean], "std": [float(v) for v in std],
        "heads": [{"layers": [{"shape": list(layer.weight.shape), "weight_float32": packed(layer.weight), "bias_float32": packed(layer.bias)}
                              for layer in head.net if isinstance(layer, torch.nn.Linear)]} for head in heads],
    }
    # In double precision from the float32 values stored: what the Swift side computes.
    heads = [copy.deepcopy(head).float().double() for head in heads]
    if examples is not None:
        for example in examples:
            count = len(example["candidates"])
            matrix = np.zeros((count + none_candidate, len(candidate_names) + len(region_names)), dtype=np.float64)
            for row, candidate in enumerate(example["candidates"]):
                for column, name in enumerate(candidate_names):
                    matrix[row, column] = candidate.get(name, 0.0)
            for row in range(len(matrix)):
                for column, name in enumerate(region_names):
                    matrix[row, len(candidate_names) + column] = example["region"].get(name, 0.0)
            x = torch.from_numpy((matrix - mean) / std).double()
            with torch.no_grad():
                example["probabilities"] = (sum(torch.softmax(head(x), dim=-1) for head in heads) / len(heads))[:count].tolist()
        document["examples"] = examples
    with open(path, "w") as handle:
        json.dump(document, handle, indent=1)


def golden(path: str, seed: int = 7, none_candidate: bool = False) -> None:
    """Two small random ranking heads and random inputs with PyTorch's probabilities: the fixture of the Swift
    test (`fixtures/ranker/tiny.json`; with a "none of these" row, `tiny-none.json`)."""
    generator = np.random.default_rng(seed)
    torch.manual_seed(seed)
    candidate_names, region_names = ["kind=A", "kind=B", "keeps_base", "length_vs_ours"], ["region", "same_sides", "code"]
    heads = [Scorer(len(candidate_names) + len(region_names), 5) for _ in range(2)]
    with torch.no_grad():
        for parameter in (p for head in heads for p in head.parameters()):
            parameter.mul_(4)  # larger than an initialisation, so that the probabilities differ clearly
    mean = generator.normal(size=len(candidate_names) + len(region_names))
    std = generator.uniform(0.5, 2.0, size=len(candidate_names) + len(region_names))
    examples = []
    for count in (1, 2, 4):
        examples.append({
            "candidates": [{name: float(generator.normal()) for name in candidate_names if generator.random() < 0.8} for _ in range(count)],
            "region": {name: float(generator.normal()) for name in region_names if generator.random() < 0.8},
        })
    export(heads, mean, std, candidate_names, region_names, path, examples, none_candidate)


def agreement(path: str, validation: list[dict], probs: list[np.ndarray]) -> dict:
    """The shipped model's decisions (fate `resolved` in `eval --regions` lines) alone, and kept only where
    the ranker's best candidate is the same text (they share a kind), on the code regions both saw."""
    ranked = {}
    for record, p in zip(validation, probs):
        best = int(np.argmax(p[: len(record["candidates"])]))
        ranked[(record["repo"], record["commit"], record["path"], record["region"])] = set(record["candidates"][best]["kinds"])
    alone = agreed = agreed_right = alone_right = regions = 0
    with open(path) as handle:
        for line in handle:
            region = json.loads(line)
            key = (region["repo"], region["commit"], region["path"], region["region"])
            if not region["code"] or key not in ranked:
                continue
            regions += 1
            if region["fate"] != "resolved":
                continue
            alone += 1
            alone_right += bool(region["right"])
            if ranked[key] & set(region["candidates"][0]["kinds"]):
                agreed += 1
                agreed_right += bool(region["right"])
    return {"regions": regions, "encoder": {"resolved": alone, "precision": alone_right / max(alone, 1), "coverage": alone / max(regions, 1)},
            "encoder_and_ranker": {"resolved": agreed, "precision": agreed_right / max(agreed, 1), "coverage": agreed / max(regions, 1)}}


def train_head(seed: int, train_data, development, development_data, width: int, arguments) -> Scorer:
    """One ranking head, trained listwise; the epoch is chosen on development repositories, never on validation."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    train_data = list(train_data)
    model = Scorer(width, arguments.hidden)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    best_state, best_accuracy = None, -1.0
    for epoch in range(arguments.epochs):
        rng.shuffle(train_data)
        losses = []
        for start in range(0, len(train_data), 256):
            x, valid, right = padded(train_data[start : start + 256])
            logits = model(x).masked_fill(~valid, float("-inf"))
            loss = (torch.logsumexp(logits, -1) - torch.logsumexp(logits.masked_fill(~right, float("-inf")), -1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        # Without development repositories (a tiny smoke run) the last epoch is kept.
        development_accuracy = summary(development, development_data, probabilities(model, development_data)).get("ranker", epoch)
        if development_accuracy > best_accuracy:
            best_accuracy = development_accuracy
            best_state = {key: value.clone() for key, value in model.state_dict().items()}
        print(f"head {seed} epoch {epoch + 1}: train loss {np.mean(losses):.4f}; development accuracy {development_accuracy:.1%}", flush=True)
    model.load_state_dict(best_state)
    return model


def repository_folds(train_all, train_repos: list[str], folds: int):
    """Cross-fitting by repository: the training repositories in a stable order of their names' digests, dealt
    into `folds` folds; per fold, the regions of the other folds that teach something (to train on) and the
    indices of this fold's regions (to answer)."""
    repos = sorted(set(train_repos), key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    fold_of = {repo: index % folds for index, repo in enumerate(repos)}
    for fold in range(folds):
        inside = [v for v, repo in zip(train_all, train_repos) if fold_of[repo] != fold and v[1].any()]
        yield fold, inside, [index for index, repo in enumerate(train_repos) if fold_of[repo] == fold]


def fitted_confidence(arguments, train_all, train_repos, development, development_data, width, heads) -> Confidence:
    """Cross-fits the ranker over folds of the training repositories and trains the confidence model on the
    answers each fold's ranker gave the repositories it never saw; development regions (answered by the
    final heads, which never saw them either) choose its epoch."""
    xs, ys = [], []
    for fold, inside, answered in repository_folds(train_all, train_repos, arguments.confidence_folds):
        outside = [train_all[index] for index in answered]
        head = train_head(arguments.seed + 100 + fold, inside, development, development_data, width, arguments)
        x, y = confidence_inputs(outside, probabilities(head, outside))
        xs.append(x)
        ys.append(y)
        print(f"fold {fold + 1}: {len(outside)} out-of-sample regions, best text right on {y.mean():.1%}", flush=True)
    development_x, development_y = confidence_inputs(development_data, probabilities(heads, development_data))
    return train_confidence(np.concatenate(xs), np.concatenate(ys), development_x, development_y, arguments.seed)


def cross_fitted_answers(arguments, train_all, train_records, development, development_data, width, path: str) -> None:
    """Writes, for every training region, the answer of rankers that never saw its repository, in the shape
    of `eval --regions` lines (calibrate.py reads them): the training repositories are split into K folds
    (by their names' digests); for each fold `--calibration-heads` heads train on the others (epochs chosen on the
    development repositories as always) and answer it. Thresholds chosen on these answers come from dozens
    of repositories the rankers never saw, none of them a validation repository, so the validation figures
    at those thresholds are held out entirely."""
    folds = arguments.calibration_folds
    with open(path, "w") as handle:
        for fold, inside, answered in repository_folds(train_all, [record["repo"] for record in train_records], folds):
            outside = [(train_all[index], train_records[index]) for index in answered]
            heads = [train_head(arguments.seed + 1000 * (fold + 1) + offset, inside, development, development_data, width, arguments)
                     for offset in range(arguments.calibration_heads)]
            probs = probabilities(heads, [v for v, _ in outside])
            for ((_, reproduces), record), p in zip(outside, probs):
                kinds = [c["kinds"] for c in record["candidates"]]
                best = int(np.argmax(p[: len(kinds)]))
                handle.write(json.dumps({
                    "repo": record["repo"], "commit": record["commit"], "path": record["path"], "region": record["region"],
                    "code": bool(is_code(record["language"])), "fate": "answered",
                    "candidates": [{"family": "token_merge" if "token_merge" in kinds[best] else "pattern",
                                    "probability": float(p[best]), "reproduces": bool(reproduces[best])}],
                }) + "\n")
            print(f"calibration fold {fold + 1} of {folds}: {len(outside)} regions answered out of sample", flush=True)


def split(records: list[dict], cap_per_repo: int, cap_per_merge: int, rng: random.Random):
    """Training, development and validation regions. Validation: the code regions of VALIDATION_REPOS.
    Development (chooses the epoch): training repositories in a stable order of their names' digests,
    none holding more than a tenth of the regions, until they hold a tenth; their code regions. Training:
    the other repositories' regions outside lock and generated files, at most `cap_per_merge` per merge and
    `cap_per_repo` per repository. Also returns the development repositories, how many regions in lock or
    generated files were left out, and how many repositories train."""
    validation = [r for r in records if r["repo"] in VALIDATION_REPOS and is_code(r["language"])]
    by_repo = defaultdict(list)
    for r in records:
        if r["repo"] not in VALIDATION_REPOS:
            by_repo[r["repo"]].append(r)
    total = sum(len(items) for items in by_repo.values())
    development_repos, held = set(), 0
    for repo in sorted(by_repo, key=lambda name: hashlib.sha256(name.encode()).hexdigest()):
        if held >= total / 10 or len(by_repo) - len(development_repos) <= 1:
            break
        if len(by_repo[repo]) <= total / 10:
            development_repos.add(repo)
            held += len(by_repo[repo])
    development = [r for repo in sorted(development_repos) for r in by_repo.pop(repo) if is_code(r["language"])]
    train = []
    regenerated = 0
    for repo, items in sorted(by_repo.items()):
        # Lock files and generated code keep git's markers in the resolver; what developers commit there is
        # regenerated, not merged, so it would only teach noise (mined since stop 24; older data lacks the mark).
        regenerated += sum(item["regenerated"] is not None for item in items)
        items = [item for item in items if item["regenerated"] is None]
        rng.shuffle(items)
        per_merge = defaultdict(int)
        kept = []
        for item in items:
            per_merge[item["commit"]] += 1
            if per_merge[item["commit"]] <= cap_per_merge:
                kept.append(item)
        train += kept[: cap_per_repo]
    return train, development, validation, development_repos, regenerated, len(by_repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["/work/data/mined"], help="folders of mined records")
    parser.add_argument("--include-partial", action="store_true")
    parser.add_argument("--cap-per-repo", type=int, default=20000, help="train on at most this many regions of each repository")
    parser.add_argument("--cap-per-merge", type=int, default=20, help="train on at most this many regions of each merge")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--no-region-features", action="store_true", help="candidate features alone")
    parser.add_argument("--without", nargs="+", default=[], metavar="NAME",
                        help="leave these candidate or file-context features out (an ablation), e.g. the edit layout's names")
    parser.add_argument("--seed", type=int, default=1, help="the first head's seed; head k uses seed + k")
    parser.add_argument("--heads", type=int, default=1, help="train this many heads (seeds) and average their probabilities")
    parser.add_argument("--encoder", help="a model directory: add its region-level probability of each candidate text as a feature")
    parser.add_argument("--confidence-folds", type=int, default=0, metavar="K",
                        help="also train a confidence model on the ranker's out-of-sample answers: K rankers, each trained "
                        "without a K-th of the training repositories, answer that K-th")
    parser.add_argument("--none-candidate", action="store_true",
                        help="score a 'none of these texts' row with each region's candidates, trained on the regions whose "
                        "developer wrote another text, so that a text's probability counts that outcome too")
    parser.add_argument("--calibration-folds", type=int, default=0, metavar="K",
                        help="also write every training region's out-of-sample answer (K folds of the training repositories, "
                        "--calibration-heads heads each) to --calibration-out, for calibrate.py to choose thresholds on")
    parser.add_argument("--calibration-heads", type=int, default=2, help="heads averaged by each fold's ranker")
    parser.add_argument("--calibration-out", help="where --calibration-folds writes its `eval --regions`-shaped lines")
    parser.add_argument("--repository-bagging", type=float, default=0, metavar="SHARE",
                        help="train each head on a random SHARE of the training repositories, so that the heads disagree "
                        "where a repository's habits decide")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--export", help="write the trained ranking head here (JSON for CandidateRanker.swift)")
    parser.add_argument("--golden", help="only write the Swift test's fixture (a random head, random inputs, PyTorch's outputs) here")
    parser.add_argument("--regions", help="`eval --regions` lines of the shipped model on the validation repositories: "
                        "also report its decisions when the ranker must agree")
    arguments = parser.parse_args()
    if arguments.confidence_folds and arguments.none_candidate:
        parser.error("--confidence-folds reads the best text's row and does not know the none row; use one or the other")
    if arguments.calibration_folds and not arguments.calibration_out:
        parser.error("--calibration-folds needs --calibration-out")
    if arguments.golden:
        golden(arguments.golden, none_candidate=arguments.none_candidate)
        return
    torch.manual_seed(arguments.seed)
    rng = random.Random(arguments.seed)
    started = time.time()

    torch.set_num_threads(arguments.threads)
    records = regions(arguments.data, arguments.include_partial, EncoderScores(arguments.encoder) if arguments.encoder else None)
    candidate_names = sorted({name for r in records for c in r["candidates"] for name in c["features"]} - set(arguments.without))
    # The region's side features (config.json's names), then what the file's other regions say
    # (FileContext.swift: `file.*`), when the records carry it.
    region_names = list(FEATURES) + sorted({name for r in records for name in r["features"] if name.startswith(FILE_PREFIX)} - set(arguments.without))
    if arguments.no_region_features:
        for r in records:
            r["features"] = {}
        region_names = []
    train, development, validation, development_repos, regenerated, training_repos = split(records, arguments.cap_per_repo, arguments.cap_per_merge, rng)
    train_all = vectors(train, candidate_names, arguments.none_candidate, region_names)
    train_repos = [item["repo"] for item in train]
    # Without a "none" row a region nothing reproduces teaches nothing.
    train_data = [v for v in train_all if v[1].any()]
    validation_data = vectors(validation, candidate_names, arguments.none_candidate, region_names)
    development_data = vectors(development, candidate_names, arguments.none_candidate, region_names)
    print(f"{len(records)} regions read in {time.time() - started:.0f}s; training on {len(train_data)} from {training_repos} repositories "
          f"(caps {arguments.cap_per_repo} per repository, {arguments.cap_per_merge} per merge); development {sorted(development_repos)} "
          f"({len(development)} code regions); validation code regions {len(validation)}; {len(candidate_names)} candidate features; "
          f"{regenerated} training regions in lock or generated files left out", flush=True)

    width = train_data[0][0].shape[1]
    # Standardise columns on the training data, so the MLP sees comparable scales.
    stacked = np.concatenate([m for m, _ in train_data])
    mean, std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    train_data = [((m - mean) / std, r) for m, r in train_data]
    train_all = [((m - mean) / std, r) for m, r in train_all]
    validation_data = [((m - mean) / std, r) for m, r in validation_data]
    development_data = [((m - mean) / std, r) for m, r in development_data]
    if arguments.calibration_folds:
        cross_fitted_answers(arguments, train_all, train, development, development_data, width, arguments.calibration_out)
    def bagged(offset: int):
        """The training regions of a random share of the training repositories (all of them without bagging)."""
        if not arguments.repository_bagging:
            return train_data
        names = sorted(set(train_repos))
        chosen = set(random.Random(arguments.seed + offset).sample(names, max(1, round(arguments.repository_bagging * len(names)))))
        return [v for v, repo in zip(train_all, train_repos) if repo in chosen and v[1].any()]
    heads = [train_head(arguments.seed + offset, bagged(offset), development, development_data, width, arguments)
             for offset in range(arguments.heads)]
    model = heads

    figures = summary(validation, validation_data, probabilities(model, validation_data))
    figures["development_repositories"] = sorted(development_repos)
    by_validation_repo = defaultdict(list)
    scored = figures.pop("scored")
    for record, point in zip(validation, scored):
        by_validation_repo[record["repo"]].append(point)
    figures["leave_one_out_at_90"] = leave_one_out(by_validation_repo)
    if arguments.confidence_folds:
        confidence = fitted_confidence(arguments, train_all, train_repos, development, development_data, width, model)
        with torch.no_grad():
            x, _ = confidence_inputs(validation_data, probabilities(model, validation_data))
            calibrated = torch.sigmoid(confidence(torch.from_numpy(x))).numpy()
        by_confidence = defaultdict(list)
        for record, (_, correct), value in zip(validation, scored, calibrated):
            by_confidence[record["repo"]].append((float(value), correct))
        figures["confidence_leave_one_out_at_90"] = leave_one_out(by_confidence)
    figures["per_repository"] = {}
    for repo in sorted(by_validation_repo):
        subset = [i for i, r in enumerate(validation) if r["repo"] == repo]
        part = summary([validation[i] for i in subset], [validation_data[i] for i in subset],
                       probabilities(model, [validation_data[i] for i in subset]))
        part.pop("scored")
        figures["per_repository"][repo] = part
    if arguments.export:
        export(model, mean, std, candidate_names, region_names, arguments.export, none_candidate=arguments.none_candidate)
    if arguments.regions:
        figures["with_the_encoder"] = agreement(arguments.regions, validation, probabilities(model, validation_data))
    print(json.dumps({k: v for k, v in figures.items()}, indent=1, default=str))
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
