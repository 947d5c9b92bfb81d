"""Writes the tiny golden fixtures that tie the Swift encoder to training/model.py.

    python training/make_golden.py            # writes fixtures/encoder/{tiny,tiny-post-f16,tiny-features}/
    python training/make_golden.py --model models   # golden.json for a trained model directory

Each fixture directory holds config.json, model.safetensors and golden.json (inputs, unpadded, and the
logits PyTorch computes for them). EncoderTests/GoldenTests.swift requires the Swift logits to match
within `tolerance`.
"""

from __future__ import annotations

import argparse
import json
import os
import random

import torch
from safetensors.torch import load_file, save_file

from dataset import FEATURES
from model import Config, MergeEncoder, pad_batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = dict(vocab_size=64, layers=2, width=32, heads=4, ffn=64, max_length=32)
# Sequence lengths of the golden examples: ragged, one empty sequence, one at max_length, a batch of one.
LENGTHS = [(5, 7, 3, 9), (1, 1, 1, 1), (32, 32, 32, 32), (0, 4, 2, 6), (12, 20, 8, 31), (17, 16, 15, 14)]


def randomise(model: MergeEncoder, generator: torch.Generator) -> None:
    """Non-trivial values everywhere (layer norms and biases too) so every parameter is exercised."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("norm.weight"):
                parameter.copy_(1 + 0.2 * noise)
            elif name == "sequence_weights":
                parameter.copy_(1 + 0.5 * noise)
            elif name.endswith(".bias"):
                parameter.copy_(0.1 * noise)
            elif name.startswith("embeddings."):
                parameter.copy_(noise)
            else:
                fan_in = parameter.shape[-1]
                parameter.copy_(noise / fan_in**0.5)


def make_examples(config: Config, rng: random.Random, lengths) -> list[dict]:
    examples = []
    for example_lengths in lengths:
        token_ids, edit_types = [], []
        for length in example_lengths:
            # Tokens from a narrow range so that the sides share tokens and the set features vary.
            ids = [rng.randrange(4, min(config.vocab_size, 24)) for _ in range(length)]
            if ids:
                ids[0] = 2  # [CLS]
            if length > 4:  # [SEP] around the conflict side, as the featurizer writes it
                first = rng.randrange(1, length // 2)
                ids[first] = 3
                ids[rng.randrange(first + 1, length)] = 3
            types = [rng.choice([1, 1, rng.randrange(1, config.edit_types)]) for _ in range(length)]
            token_ids.append(ids)
            edit_types.append(types)
        # Side features as mine writes them: counts on a log scale, fractions and flags in [0, 1], few non-zero.
        features = [round(rng.choice([0.0, 0.0, 1.0, rng.random(), 3 * rng.random()]), 4) for _ in config.features]
        examples.append({"token_ids": token_ids, "edit_types": edit_types, "features": features})
    return examples


def write_golden(model: MergeEncoder, examples: list[dict], path: str, tolerance: float) -> None:
    model.eval()
    names = model.config.features
    values = [e["features"] for e in examples]
    with torch.inference_mode():
        tokens, edits = pad_batch(examples)
        logits = model(tokens, edits, torch.tensor(values, dtype=torch.float32).reshape(len(examples), len(names)))
    for example, row in zip(examples, logits.tolist()):
        example["logits"] = row
    with open(path, "w") as handle:
        json.dump({"tolerance": tolerance, "torch": torch.__version__, "examples": examples}, handle)
        handle.write("\n")


def tiny_fixture(name: str, norm: str, dtype: torch.dtype, seed: int, features: list[str] | None = None) -> None:
    directory = os.path.join(ROOT, "fixtures", "encoder", name)
    os.makedirs(directory, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    config = Config(**TINY, norm=norm, features=features or [])
    model = MergeEncoder(config)
    randomise(model, generator)
    # Round the parameters to the stored precision first, so the golden logits are those of the file.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(dtype).to(torch.float32))
    state = {key: value.to(dtype).contiguous() for key, value in model.state_dict().items()}
    save_file(state, os.path.join(directory, "model.safetensors"), metadata={"format": "pt", "fixture": name})
    config.to_json(os.path.join(directory, "config.json"))
    examples = make_examples(config, random.Random(seed), LENGTHS)
    write_golden(model, examples, os.path.join(directory, "golden.json"), tolerance=1e-4)
    print(f"wrote {directory}")


def model_golden(directory: str) -> None:
    config = Config.from_json(os.path.join(directory, "config.json"))
    model = MergeEncoder(config)
    state = {key: value.to(torch.float32) for key, value in load_file(os.path.join(directory, "model.safetensors")).items()}
    model.load_state_dict(state)
    cap = lambda n: min(n, config.max_length)  # noqa: E731
    lengths = [(n, cap(n + 3), max(n - 5, 1), n) for n in (8, 40, cap(200))]
    examples = make_examples(config, random.Random(7), lengths)
    write_golden(model, examples, os.path.join(directory, "golden.json"), tolerance=1e-3)
    print(f"wrote {directory}/golden.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model directory (config.json + model.safetensors) to write golden.json for")
    arguments = parser.parse_args()
    torch.manual_seed(0)
    if arguments.model:
        model_golden(arguments.model)
    else:
        tiny_fixture("tiny", norm="pre", dtype=torch.float32, seed=1)
        tiny_fixture("tiny-post-f16", norm="post", dtype=torch.float16, seed=2)
        tiny_fixture("tiny-features", norm="pre", dtype=torch.float32, seed=3, features=list(FEATURES))


if __name__ == "__main__":
    main()
