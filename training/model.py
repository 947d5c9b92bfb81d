"""PyTorch mirror of the Swift encoder (Sources/Encoder/TransformerEncoder.swift).

Same architecture, same parameter names: `model.state_dict()` saved with safetensors is exactly what
`MergeEncoderModel(directory:)` reads, next to the `config.json` that `Config.to_json` writes.

Inputs are padded tensors of shape [batch, 4, length] (the four sequences a|o, o|a, b|o, o|b);
token id 0 is padding, and padding may only trail. The Swift side packs sequences without padding,
which computes the same thing as the key padding mask used here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_LABELS = ["A", "B", "O", "AB", "BA", "A-O", "B-O", "AB-O", "BA-O"]
SEQUENCES = 4
PAD, UNKNOWN, START, SEPARATOR = 0, 1, 2, 3


@dataclass
class Config:
    vocab_size: int
    layers: int
    width: int
    heads: int
    ffn: int
    max_length: int
    edit_types: int = 5
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))
    norm: str = "pre"  # "pre" (GPT-2) or "post" (BERT)
    layer_norm_epsilon: float = 1e-5
    # Names of the numeric side features (features.py); empty: the classifier sees the views alone.
    features: list[str] = field(default_factory=list)

    @staticmethod
    def from_json(path: str) -> "Config":
        with open(path) as handle:
            return Config(**json.load(handle))

    def to_json(self, path: str) -> None:
        with open(path, "w") as handle:
            json.dump(asdict(self), handle, indent=2, sort_keys=True)
            handle.write("\n")


class Embeddings(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.token = nn.Embedding(config.vocab_size, config.width)
        self.position = nn.Embedding(config.max_length, config.width)
        self.edit_type = nn.Embedding(config.edit_types, config.width)
        # BERT normalises the embeddings; GPT-2 style leaves that to the first layer's norm.
        self.norm = nn.LayerNorm(config.width, eps=config.layer_norm_epsilon) if config.norm == "post" else None

    def forward(self, token_ids: torch.Tensor, edit_types: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(token_ids.shape[-1], device=token_ids.device)
        x = self.token(token_ids) + self.position(positions) + self.edit_type(edit_types)
        return self.norm(x) if self.norm is not None else x


class Attention(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.width, 3 * config.width)  # rows: [q | k | v], heads contiguous
        self.output = nn.Linear(config.width, config.width)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        rows, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=-1)
        shape = (rows, length, self.heads, width // self.heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=additive_mask)
        return self.output(context.transpose(1, 2).reshape(rows, length, width))


class FeedForward(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.up = nn.Linear(config.width, config.ffn)
        self.down = nn.Linear(config.ffn, config.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.gelu(self.up(x), approximate="tanh"))


class Layer(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.pre = config.norm == "pre"
        self.attention = Attention(config)
        self.attention_norm = nn.LayerNorm(config.width, eps=config.layer_norm_epsilon)
        self.feed_forward = FeedForward(config)
        self.feed_forward_norm = nn.LayerNorm(config.width, eps=config.layer_norm_epsilon)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        if self.pre:
            x = x + self.attention(self.attention_norm(x), additive_mask)
            return x + self.feed_forward(self.feed_forward_norm(x))
        x = self.attention_norm(x + self.attention(x, additive_mask))
        return self.feed_forward_norm(x + self.feed_forward(x))


class MergeEncoder(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        if config.width % config.heads:
            raise ValueError("width must be a multiple of heads")
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList(Layer(config) for _ in range(config.layers))
        self.final_norm = nn.LayerNorm(config.width, eps=config.layer_norm_epsilon) if config.norm == "pre" else None
        self.sequence_weights = nn.Parameter(torch.ones(SEQUENCES))
        if config.features:
            self.feature_projection = nn.Linear(len(config.features), config.width)
            self.head = nn.Linear(config.width, config.width)
        self.classifier = nn.Linear(config.width, len(config.labels))

    def pooled(self, token_ids: torch.Tensor, edit_types: torch.Tensor) -> torch.Tensor:
        """Mean-pooled encodings of [rows, length] sequences -> [rows, width]."""
        mask = token_ids != PAD
        # A large finite negative rather than -inf keeps fully padded (empty) sequences finite.
        additive_mask = torch.zeros(mask.shape, dtype=torch.float32, device=token_ids.device)
        additive_mask = additive_mask.masked_fill(~mask, -1e9)[:, None, None, :]
        x = self.embeddings(token_ids, edit_types)
        for layer in self.layers:
            x = layer(x, additive_mask)
        if self.final_norm is not None:
            x = self.final_norm(x)
        weights = mask.to(x.dtype)[..., None]
        return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)

    def forward(self, token_ids: torch.Tensor, edit_types: torch.Tensor, features: torch.Tensor | None = None) -> torch.Tensor:
        """[batch, 4, length] token ids and edit types (and [batch, features] side features when the
        configuration names some) -> [batch, labels] logits."""
        return self.classifier(self.region(token_ids, edit_types, features))

    def region(self, token_ids: torch.Tensor, edit_types: torch.Tensor, features: torch.Tensor | None = None) -> torch.Tensor:
        """The region vector the classifier reads: the weighted views joined with the side features, [batch, width]."""
        batch, sequences, length = token_ids.shape
        if sequences != SEQUENCES:
            raise ValueError(f"expected {SEQUENCES} sequences per example, got {sequences}")
        pooled = self.pooled(token_ids.reshape(-1, length), edit_types.reshape(-1, length))
        pooled = pooled.reshape(batch, SEQUENCES, -1)
        combined = (pooled * self.sequence_weights[None, :, None]).sum(dim=1)
        if self.config.features:
            if features is None or features.shape != (batch, len(self.config.features)):
                raise ValueError(f"expected [{batch}, {len(self.config.features)}] features")
            # The side features join the pooled views, then one residual GELU layer lets them interact.
            combined = combined + self.feature_projection(features)
            combined = combined + F.gelu(self.head(combined), approximate="tanh")
        return combined


def pad_batch(examples: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    """Lists of {"token_ids": 4 lists, "edit_types": 4 lists} -> padded [batch, 4, length] tensors."""
    length = max(1, max(len(seq) for example in examples for seq in example["token_ids"]))
    tokens = torch.zeros((len(examples), SEQUENCES, length), dtype=torch.long)
    edits = torch.zeros((len(examples), SEQUENCES, length), dtype=torch.long)
    for index, example in enumerate(examples):
        for sequence in range(SEQUENCES):
            ids, types = example["token_ids"][sequence], example["edit_types"][sequence]
            tokens[index, sequence, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            edits[index, sequence, : len(types)] = torch.tensor(types, dtype=torch.long)
    return tokens, edits


def parameter_count(config: Config) -> int:
    return sum(p.numel() for p in MergeEncoder(config).parameters())


def forward_flops(config: Config, sequence_lengths: list[int]) -> float:
    """Multiply-add FLOPs (2 per MAC) of the encoder over sequences of the given lengths."""
    d, f = config.width, config.ffn
    per_token = 2 * (3 * d * d + d * d + 2 * d * f)
    total = 0.0
    for length in sequence_lengths:
        total += config.layers * (length * per_token + 2 * 2 * length * length * d)
    return total


__all__ = ["Config", "MergeEncoder", "pad_batch", "forward_flops", "parameter_count"]
