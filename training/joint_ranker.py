"""The Transformer encoder and the candidate ranker trained as one model, listwise over each region's texts.

    python training/joint_ranker.py --data DATA/mined DATA/mined-more --encoder models --json OUT.json

The question this answers (issue 14): does the encoder, reading MergeBERT's four views of the region, add
anything to the ranker over features when both learn together? (Its probability used as a frozen feature
did not help: it was trained on the ranker's training repositories and over-trusted there.)

The model: the encoder (model.py, initialised from `--encoder`'s weights or from scratch) reads the four
views and the side features as it does in the resolver, giving the region vector `combined` and its label
logits. Each candidate row of rank_candidates.py (candidate features, region features, standardised; a
"none of these" row last) is joined with a small projection of `combined` and the encoder's score of that
candidate's text (the log-sum-exp of the logits of the kinds that write it: TOKEN for the clean token merge);
the ranking MLP scores the rows, and the softmax over them is trained as rank_candidates.py trains it
(-log of the summed probability of the reproducing rows). Same data, splits, caps and development
repositories as rank_candidates.py; figures on the same validation code regions, in its terms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import FEATURES, MAX_LENGTH  # noqa: E402
from model import Config, MergeEncoder  # noqa: E402
from rank_candidates import FILE_PREFIX, Scorer, leave_one_out, regions, split, summary, vectors  # noqa: E402


class JointRanker(torch.nn.Module):
    """Encoder + ranking MLP; `forward` returns each row's score ([batch, rows])."""

    def __init__(self, config: Config, row_width: int, hidden: int, projection: int):
        super().__init__()
        self.encoder = MergeEncoder(config)
        self.projection = torch.nn.Linear(config.width, projection)
        self.scorer = Scorer(row_width + projection + 1, hidden)

    def forward(self, tokens, edits, features, rows, kinds) -> torch.Tensor:
        """`rows` [batch, rows, width] standardised candidate rows; `kinds` [batch, rows, labels] which labels
        write each row's text (none for the "none of these" row and for padding)."""
        combined = self.encoder.region(tokens, edits, features)
        logits = self.encoder.classifier(combined)
        expanded = logits[:, None, :].expand(-1, rows.shape[1], -1).masked_fill(~kinds, float("-inf"))
        has_kind = kinds.any(-1)
        text_score = torch.where(has_kind, torch.logsumexp(expanded.masked_fill(~has_kind[..., None], 0.0), -1), torch.zeros_like(has_kind, dtype=rows.dtype))
        region = F.gelu(self.projection(combined))[:, None, :].expand(-1, rows.shape[1], -1)
        return self.scorer(torch.cat([rows, region, text_score[..., None]], dim=-1))


def kind_matrix(record: dict, labels: list[str], none_row: bool) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    index["token_merge"] = index["TOKEN"]
    matrix = np.zeros((len(record["candidates"]) + none_row, len(labels)), dtype=bool)
    for row, candidate in enumerate(record["candidates"]):
        for kind in candidate["kinds"]:
            if kind in index:
                matrix[row, index[kind]] = True
    return matrix


def batch_of(items, feature_names: list[str]):
    """Padded tensors of a list of (record, (rows, reproduces), kinds)."""
    most = max(len(rows) for _, (rows, _), _ in items)
    length = max(1, max(int((record["tokens"] != 0).sum(-1).max()) for record, _, _ in items))
    count, width, labels = len(items), items[0][1][0].shape[1], items[0][2].shape[1]
    x = np.zeros((count, most, width), dtype=np.float32)
    kinds = np.zeros((count, most, labels), dtype=bool)
    valid = np.zeros((count, most), dtype=bool)
    right = np.zeros((count, most), dtype=bool)
    tokens = np.zeros((count, 4, length), dtype=np.int64)
    edits = np.zeros((count, 4, length), dtype=np.int64)
    features = np.zeros((count, len(feature_names)), dtype=np.float32)
    for i, (record, (rows, reproduces), kind) in enumerate(items):
        x[i, : len(rows)] = rows
        kinds[i, : len(rows)] = kind
        valid[i, : len(rows)] = True
        right[i, : len(rows)] = reproduces
        tokens[i] = record["tokens"][:, :length]
        edits[i] = record["edits"][:, :length]
        features[i] = [record["features"].get(name, 0.0) for name in feature_names]
    return tuple(torch.from_numpy(a) for a in (tokens, edits, features, x, kinds, valid, right))


def probabilities(model: JointRanker, items, feature_names) -> list[np.ndarray]:
    model.eval()
    result = [None] * len(items)
    order = sorted(range(len(items)), key=lambda i: int((items[i][0]["tokens"] != 0).sum(-1).max()))
    with torch.no_grad():
        for start in range(0, len(order), 256):
            chosen = order[start : start + 256]
            tokens, edits, features, x, kinds, valid, _ = batch_of([items[i] for i in chosen], feature_names)
            p = torch.softmax(model(tokens, edits, features, x, kinds).masked_fill(~valid, float("-inf")), -1).numpy()
            for row, i in enumerate(chosen):
                result[i] = p[row, : valid[row].sum()]
    model.train()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["/work/data/mined"])
    parser.add_argument("--encoder", help="a model directory whose encoder weights start training (default: from scratch)")
    parser.add_argument("--cap-per-repo", type=int, default=20000)
    parser.add_argument("--cap-per-merge", type=int, default=20)
    parser.add_argument("--without", nargs="+", default=[], metavar="NAME")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--projection", type=int, default=16, help="width of the encoder's region vector each row sees")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--encoder-lr", type=float, default=2e-4)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-minutes", type=float, default=600)
    parser.add_argument("--json")
    parser.add_argument("--save", help="write the trained model's state_dict here (torch.save)")
    arguments = parser.parse_args()
    torch.manual_seed(arguments.seed)
    torch.set_num_threads(arguments.threads)
    rng = random.Random(arguments.seed)
    started = time.time()

    if arguments.encoder:
        config = Config.from_json(os.path.join(arguments.encoder, "config.json"))
    else:
        config = Config(vocab_size=16384, layers=2, width=128, heads=4, ffn=512, max_length=MAX_LENGTH,
                        labels=json.load(open(os.path.join(os.path.dirname(__file__), "..", "models", "config.json")))["labels"],
                        features=list(FEATURES))
    records = regions(arguments.data, False, with_tokens=config.max_length)
    candidate_names = sorted({name for r in records for c in r["candidates"] for name in c["features"]} - set(arguments.without))
    region_names = list(FEATURES) + sorted({name for r in records for name in r["features"] if name.startswith(FILE_PREFIX)} - set(arguments.without))
    train, development, validation, development_repos, _, training_repos = split(records, arguments.cap_per_repo, arguments.cap_per_merge, rng)
    del records

    def prepared(items):
        return [(record, rows, kind_matrix(record, config.labels, True))
                for record, rows in zip(items, vectors(items, candidate_names, True, region_names))]
    train_items, development_items, validation_items = prepared(train), prepared(development), prepared(validation)
    stacked = np.concatenate([rows for _, (rows, _), _ in train_items])
    mean, std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    for items in (train_items, development_items, validation_items):
        for index, (record, (rows, reproduces), kind) in enumerate(items):
            items[index] = (record, ((rows - mean) / std, reproduces), kind)
    print(f"read in {time.time() - started:.0f}s; training on {len(train_items)} regions from {training_repos} repositories; "
          f"development {len(development_items)}, validation {len(validation_items)} code regions", flush=True)

    model = JointRanker(config, stacked.shape[1], arguments.hidden, arguments.projection)
    if arguments.encoder:
        from safetensors.torch import load_file
        state = load_file(os.path.join(arguments.encoder, "model.safetensors"))
        model.encoder.load_state_dict({key: value.to(torch.float32) for key, value in state.items()})
    encoder_parameters = list(model.encoder.parameters())
    rest = [p for name, p in model.named_parameters() if not name.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": encoder_parameters, "lr": arguments.encoder_lr, "weight_decay": 0.01},
                                   {"params": rest, "lr": arguments.lr, "weight_decay": 1e-4}])
    development_records = [record for record, _, _ in development_items]
    best_state, best_accuracy, history = None, -1.0, []
    deadline = started + arguments.max_minutes * 60
    for epoch in range(arguments.epochs):
        # Batches of similar length, shuffled: little padding, as train.py does.
        order = list(range(len(train_items)))
        rng.shuffle(order)
        chunks = [sorted(order[i : i + 64 * arguments.batch_size], key=lambda j: int((train_items[j][0]["tokens"] != 0).sum(-1).max()))
                  for i in range(0, len(order), 64 * arguments.batch_size)]
        batches = [chunk[i : i + arguments.batch_size] for chunk in chunks for i in range(0, len(chunk), arguments.batch_size)]
        rng.shuffle(batches)
        losses, epoch_started = [], time.time()
        for step, chosen in enumerate(batches):
            tokens, edits, features, x, kinds, valid, right = batch_of([train_items[i] for i in chosen], config.features)
            logits = model(tokens, edits, features, x, kinds).masked_fill(~valid, float("-inf"))
            loss = (torch.logsumexp(logits, -1) - torch.logsumexp(logits.masked_fill(~right, float("-inf")), -1)).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
            if step % 200 == 0:
                print(f"epoch {epoch + 1} step {step}/{len(batches)} loss {np.mean(losses[-200:]):.4f} "
                      f"({time.time() - epoch_started:.0f}s)", flush=True)
            if time.time() > deadline:
                break
        development_probabilities = probabilities(model, development_items, config.features)
        # No development repository (a few repositories, each above a tenth): the last epoch stands.
        accuracy = summary(development_records, [rows for _, rows, _ in development_items],
                           development_probabilities).get("ranker", float(epoch))
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "development_accuracy": accuracy})
        said = f"development accuracy {accuracy:.1%}" if development_items else "no development regions"
        print(f"epoch {epoch + 1}: train loss {np.mean(losses):.4f}; {said} ({time.time() - started:.0f}s)", flush=True)
        if accuracy > best_accuracy:
            best_accuracy, best_state = accuracy, {key: value.clone() for key, value in model.state_dict().items()}
        if time.time() > deadline:
            break
    model.load_state_dict(best_state)
    validation_records = [record for record, _, _ in validation_items]
    validation_probabilities = probabilities(model, validation_items, config.features)
    figures = summary(validation_records, [rows for _, rows, _ in validation_items], validation_probabilities)
    by_repo = defaultdict(list)
    for record, point in zip(validation_records, figures.pop("scored")):
        by_repo[record["repo"]].append(point)
    figures["leave_one_out_at_90"] = leave_one_out(by_repo)
    figures["history"] = history
    figures["development_repositories"] = sorted(development_repos)
    figures["arguments"] = vars(arguments)
    print(json.dumps(figures, indent=1, default=str))
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1, default=str)
    if arguments.save:
        torch.save({"state": model.state_dict(), "mean": mean, "std": std, "candidate_names": candidate_names,
                    "region_names": region_names, "config": vars(config)}, arguments.save)


if __name__ == "__main__":
    main()
