"""Trains the merge encoder (training/model.py) on the records `mergebert mine` wrote.

    python training/train.py --out /work/data/run --max-minutes 90

One model, eleven outputs: the nine patterns, TOKEN ("use the token-level result", regions only) and
OTHER (no pattern reproduces the resolution). Token-conflict records train the nine patterns and OTHER
(TOKEN is masked out of their softmax); region records train all eleven. The loss maximises the summed
probability of the correct label set, -log sum_{y in labels} p(y); a record without a correct pattern
trains OTHER, which is never chosen but takes probability away from the patterns, so that confidence is
low where nothing the resolver can offer is right. Optional augmentations: swapping ours and theirs (`--swap-prob`), and
replacing ordinary token ids by UNKNOWN (`--token-dropout`) so that the model leans on the edit structure
more than on repository-specific tokens.

Validation (repositories never trained on, see dataset.py) measures the model, not a decision: the set
loss per record, and how often the most probable output (OTHER included) is a correct one, for regions and
token conflicts, code and not. The checkpoint with the lowest validation loss is kept as `best.pt` in
`--out`: the thresholds are applied to probabilities, so they should be calibrated more than sharp. What the
resolver then decides is measured by the Swift binary itself (`mergebert eval --regions`,
validation_report.py and calibrate.py): the decision is implemented once, in Sources/Resolver/Decision.

Many processes or GPUs: the same script under torchrun, for example

    torchrun --nproc_per_node 8 training/train.py --out /data/run --batch-size 512

runs DistributedDataParallel (NCCL on GPUs, gloo on CPUs): every process draws the same batches and trains
on its slice of each, gradients are averaged, and the time budget and evaluations are decided together;
process 0 evaluates, logs and writes the checkpoints. `--batch-size` is the batch of all processes together.
Without torchrun it is one process, as before.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataset import DEFAULT_DATA, FEATURES, LABELS, OTHER, VALIDATION_REPOS, Split, describe, is_code, load  # noqa: E402
from model import Config, MergeEncoder, parameter_count  # noqa: E402


RANK = int(os.environ.get("RANK", "0"))
WORLD = int(os.environ.get("WORLD_SIZE", "1"))
DISTRIBUTED = "LOCAL_RANK" in os.environ  # started by torchrun, even with one process


def log(*parts) -> None:
    if RANK == 0:
        print(time.strftime("%H:%M:%S"), *parts, flush=True)


def device_for_process() -> torch.device:
    """This process's GPU under torchrun (LOCAL_RANK), else the first GPU, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def agreed(values: list[float]) -> list[float]:
    """The largest of each value over all processes, so that every process takes the same decisions."""
    if not DISTRIBUTED:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=DEVICE if DEVICE.type == "cuda" else "cpu")
    torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MAX)
    return tensor.tolist()


DEVICE = torch.device("cpu")


def set_loss(logits: torch.Tensor, targets: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Per example -log sum_{y in targets} p(y), the softmax taken over the allowed outputs."""
    negative = torch.finfo(logits.dtype).min
    normaliser = torch.logsumexp(logits.masked_fill(~allowed, negative), dim=-1)
    correct = torch.logsumexp(logits.masked_fill(~(targets & allowed), negative), dim=-1)
    return normaliser - correct


@torch.inference_mode()
def probabilities(model: MergeEncoder, split: Split, batch_size: int = 256) -> np.ndarray:
    """Softmax over the allowed outputs for every row of the split (0 where not allowed)."""
    model.eval()
    result = np.zeros((len(split), len(model.config.labels)), dtype=np.float32)
    for indices in split.batches(range(len(split)), batch_size):
        batch = {name: tensor.to(DEVICE) for name, tensor in split.batch(indices).items()}
        logits = model(batch["token_ids"], batch["edit_types"], batch["features"])
        logits = logits.masked_fill(~batch["allowed"], float("-inf"))
        result[indices] = torch.softmax(logits, dim=-1).cpu().numpy()
    return result


def evaluate(model: MergeEncoder, split: Split) -> dict:
    """Mean set loss and top-1 accuracy (the most probable allowed output is a target) per kind and group."""
    probs = probabilities(model, split)
    allowed = split.allowed
    chosen = np.argmax(np.where(allowed, probs, -1.0), axis=1)
    right = split.targets[np.arange(len(split)), chosen]
    correct_mass = np.where(split.targets & allowed, probs, 0.0).sum(axis=1)
    loss = -np.log(np.clip(correct_mass, 1e-12, None))
    metrics = {}
    for kind in ("region", "token_conflict"):
        for group, wanted in (("code", True), ("non_code", False), ("all", None)):
            rows = [i for i, m in enumerate(split.meta) if m["kind"] == kind and (wanted is None or is_code(m["language"]) == wanted)]
            if not rows:
                continue
            metrics[f"{kind}.{group}"] = {
                "records": len(rows),
                "loss": float(loss[rows].mean()),
                "accuracy": float(right[rows].mean()),
                "other": float((chosen[rows] == OTHER).mean()),
            }
    metrics["loss"] = float(loss.mean()) if len(split) else float("inf")
    return metrics


def report(metrics: dict, name: str = "validation") -> None:
    log(f"  {name} loss {metrics['loss']:.4f}")
    for key, value in metrics.items():
        if isinstance(value, dict):
            log(f"    {key:22s} n={value['records']:6d} loss {value['loss']:.4f} top-1 {100 * value['accuracy']:5.1f}% "
                f"(OTHER chosen {100 * value['other']:4.1f}%)")


def save(path: str, model: MergeEncoder, config: Config, extra: dict) -> None:
    state = {key: value.detach().cpu().clone() for key, value in model.state_dict().items()}
    torch.save({"config": asdict(config), "state_dict": state, **extra}, path + ".tmp")
    os.replace(path + ".tmp", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--include-partial", action="store_true", help="also read *.jsonl.partial files still being mined (testing only)")
    parser.add_argument("--validation-repos", default=",".join(VALIDATION_REPOS), help="comma-separated OWNER/NAME")
    parser.add_argument("--out", default="/work/data/run", help="directory for best.pt, last.pt, metrics.jsonl")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=512)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--vocab-size", type=int, default=16384)
    parser.add_argument("--norm", choices=["pre", "post"], default="pre")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup-steps", type=int, default=200)
    parser.add_argument("--epochs", type=float, default=10)
    parser.add_argument("--max-minutes", type=float, default=90, help="training time budget (the schedule follows it)")
    parser.add_argument("--eval-minutes", type=float, default=10, help="evaluate on validation this often")
    parser.add_argument("--swap-prob", type=float, default=0.0,
                        help="probability of swapping ours and theirs (default off: it cost 5-14 points of validation accuracy)")
    parser.add_argument("--token-dropout", type=float, default=0.0,
                        help="probability of replacing an ordinary token id (not CLS/SEP/newline) by UNKNOWN while training")
    parser.add_argument("--region-weight", type=float, default=1.0, help="loss weight of region records")
    parser.add_argument("--no-features", action="store_true", help="the views alone, without the side features mine wrote")
    parser.add_argument("--no-language-features", action="store_true", help="side features without the language one-hot")
    parser.add_argument("--limit-per-file", type=int, help="read at most this many lines per file (testing)")
    parser.add_argument("--cap-per-repo", type=int, help="train on about this many regions of each repository at most")
    parser.add_argument("--cap-per-merge", type=int, help="train on at most this many regions of each merge")
    arguments = parser.parse_args()

    global DEVICE
    DEVICE = device_for_process()
    if DISTRIBUTED:
        torch.distributed.init_process_group(backend="nccl" if DEVICE.type == "cuda" else "gloo")
        if DEVICE.type == "cuda":
            torch.cuda.set_device(DEVICE)
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)
    rng = random.Random(arguments.seed)
    swap_rng = np.random.default_rng(arguments.seed)
    os.makedirs(arguments.out, exist_ok=True)

    started = time.time()
    validation_repos = [r for r in arguments.validation_repos.split(",") if r]
    feature_names = [] if arguments.no_features else list(FEATURES)
    if arguments.no_language_features:
        feature_names = [name for name in feature_names if not name.startswith("language=")]
    train, validation, stats = load(
        arguments.data, validation_repos, arguments.max_length, arguments.include_partial, arguments.limit_per_file,
        feature_names=feature_names, cap_per_repo=arguments.cap_per_repo, cap_per_merge=arguments.cap_per_merge,
    )
    log(f"loaded in {time.time() - started:.0f}s: {stats}")
    describe(train, "train", log)
    describe(validation, "validation", log)

    config = Config(
        vocab_size=arguments.vocab_size,
        layers=arguments.layers,
        width=arguments.width,
        heads=arguments.heads,
        ffn=arguments.ffn,
        max_length=arguments.max_length,
        labels=list(LABELS),
        norm=arguments.norm,
        features=feature_names,
    )
    model = MergeEncoder(config).to(DEVICE)
    log(f"config {asdict(config)}; parameters {parameter_count(config):,}; {WORLD} process(es) on {DEVICE.type}")
    # `model` is what is evaluated and saved; `trained` what the optimizer steps (the DDP wrapper under torchrun).
    trained = torch.nn.parallel.DistributedDataParallel(model, device_ids=[DEVICE] if DEVICE.type == "cuda" else None) \
        if DISTRIBUTED else model

    trainable = train.trainable()
    is_region = np.array([m["kind"] == "region" for m in train.meta])
    steps_per_epoch = math.ceil(len(trainable) / arguments.batch_size)
    total_steps = max(1, int(arguments.epochs * steps_per_epoch))
    budget = arguments.max_minutes * 60
    log(f"trainable records {len(trainable)} ({int(train.targets[:, OTHER].sum())} of them OTHER); "
        f"{steps_per_epoch} steps per epoch, at most {total_steps} steps or {arguments.max_minutes} minutes")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith("embeddings.")]
    rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and not n.startswith("embeddings."))]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": arguments.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=arguments.lr
    )

    metrics_path = os.path.join(arguments.out, "metrics.jsonl")
    best = float("inf")
    step = 0
    examples = 0
    train_started = time.time()
    last_eval = train_started
    eval_total = 0.0  # seconds spent evaluating, left out of the training throughput
    running = []

    def progress() -> float:
        return max(step / total_steps, (time.time() - train_started) / budget)

    def throughput() -> float:
        return examples / max(time.time() - train_started - eval_total, 1e-9)

    def run_evaluation(final: bool = False) -> None:
        nonlocal best, last_eval, eval_total
        if RANK != 0:
            # Process 0 evaluates and saves; the others wait for it, then go on together.
            if DISTRIBUTED:
                torch.distributed.barrier()
            last_eval = time.time()
            model.train()
            return
        elapsed = time.time() - train_started
        eval_started = time.time()
        # Without validation data (a smoke test on the first mined files) measure the training split.
        measured = validation if len(validation) else train
        metrics = evaluate(model, measured)
        eval_seconds = time.time() - eval_started
        entry = {
            "step": step,
            "epoch": step / steps_per_epoch,
            "examples": examples,
            "minutes": elapsed / 60,
            "examples_per_second": throughput(),
            "train_loss": float(np.mean(running)) if running else None,
            "validation": metrics,
            "eval_seconds": eval_seconds,
        }
        log(f"step {step} epoch {entry['epoch']:.2f} examples {examples} ({entry['examples_per_second']:.1f}/s) "
            f"loss {entry['train_loss'] if entry['train_loss'] is None else round(entry['train_loss'], 4)} eval {eval_seconds:.0f}s")
        extra = {"step": step, "metrics": metrics, "arguments": vars(arguments), "stats": stats}
        report(metrics, "validation" if len(validation) else "TRAIN (no validation data)")
        score = metrics["loss"]
        if score < best:
            best = score
            save(os.path.join(arguments.out, "best.pt"), model, config, extra)
            log(f"  new best validation loss {score:.4f} -> best.pt")
        if final:
            save(os.path.join(arguments.out, "last.pt"), model, config, extra)
        with open(metrics_path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")
        running.clear()
        last_eval = time.time()
        eval_total += last_eval - eval_started
        if DISTRIBUTED:
            torch.distributed.barrier()
        model.train()

    model.train()
    done = False
    while not done:
        for indices in train.batches(trainable, arguments.batch_size, rng):
            if len(indices) < WORLD:
                continue  # every process sees the same short batch and skips it
            indices = indices[RANK::WORLD]  # every process draws the same batch and trains on its slice
            evaluate_now = time.time() - last_eval >= arguments.eval_minutes * 60
            fraction, evaluate_now = agreed([progress(), float(evaluate_now)])
            if evaluate_now:
                run_evaluation()
            if fraction >= 1:
                done = True
                break
            warm = min(1.0, (step + 1) / arguments.warmup_steps)
            for group in optimizer.param_groups:
                group["lr"] = arguments.lr * warm * 0.5 * (1 + math.cos(math.pi * fraction))
            swap = swap_rng.random(len(indices)) < arguments.swap_prob if arguments.swap_prob > 0 else None
            batch = train.batch(indices, swap)
            if arguments.token_dropout > 0:
                ids = batch["token_ids"]
                drop = torch.from_numpy(swap_rng.random(tuple(ids.shape)) < arguments.token_dropout) & (ids > 4)
                ids[drop] = 1  # UNKNOWN
            batch = {name: tensor.to(DEVICE) for name, tensor in batch.items()}
            logits = trained(batch["token_ids"], batch["edit_types"], batch["features"])
            per_example = set_loss(logits, batch["targets"], batch["allowed"])
            weights = torch.from_numpy(np.where(is_region[np.asarray(indices)], arguments.region_weight, 1.0).astype(np.float32)).to(DEVICE)
            loss = (per_example * weights).sum() / weights.sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            running.append(loss.item())
            step += 1
            examples += len(indices) * WORLD
            if step % 100 == 0:
                log(f"step {step} loss {np.mean(running[-100:]):.4f} lr {optimizer.param_groups[0]['lr']:.2e} "
                    f"{throughput():.1f} examples/s progress {100 * progress():.1f}%")
    run_evaluation(final=True)
    log(f"finished: {step} steps, {examples} examples in {(time.time() - train_started) / 60:.1f} minutes "
        f"({throughput():.1f} examples/s while training); best validation loss {best:.4f}")
    if DISTRIBUTED:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
