"""PyTorch CPU reference for `mergebert bench encoder`: same architecture, inputs and FLOP count.

    mergebert bench encoder --keep-model /tmp/bench-model      # Swift, writes the random model
    python training/bench_torch.py --model /tmp/bench-model    # PyTorch on the same weights

Without --model it builds the default configuration with random weights (speed does not depend on
values). One thread (torch.set_num_threads(1)), inference mode, median of --iterations after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch
from safetensors.torch import load_file

from model import Config, MergeEncoder, forward_flops

DEFAULT = dict(vocab_size=8192, layers=4, width=256, heads=4, ffn=1024, max_length=512)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory written by `mergebert bench encoder --keep-model DIR`")
    parser.add_argument("--sequence-length", type=int, default=256, help="tokens in each of the four sequences")
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    if arguments.model:
        config = Config.from_json(os.path.join(arguments.model, "config.json"))
        model = MergeEncoder(config)
        model.load_state_dict(load_file(os.path.join(arguments.model, "model.safetensors")))
    else:
        config = Config(**DEFAULT)
        model = MergeEncoder(config)
    model.eval()

    generator = torch.Generator().manual_seed(2)
    results = []
    for batch in (int(size) for size in arguments.batch_sizes.split(",")):
        shape = (batch, 4, arguments.sequence_length)
        tokens = torch.randint(4, config.vocab_size, shape, generator=generator)
        edits = torch.randint(1, config.edit_types, shape, generator=generator)
        # A model that reads side features gets random ones, as `mergebert bench encoder --model` feeds it.
        extra = (torch.rand(batch, len(config.features), generator=generator),) if config.features else ()
        samples, cpu_samples = [], []
        with torch.inference_mode():
            model(tokens, edits, *extra)  # warm-up
            for _ in range(arguments.iterations):
                start, cpu_start = time.perf_counter(), time.thread_time()
                model(tokens, edits, *extra)
                cpu_samples.append(time.thread_time() - cpu_start)
                samples.append(time.perf_counter() - start)
        median = statistics.median(samples)
        count = batch * 4 * arguments.sequence_length
        flops = forward_flops(config, [arguments.sequence_length] * batch * 4)
        results.append(dict(batch_size=batch, tokens=count, median_seconds=median, best_seconds=min(samples),
                            median_cpu_seconds=statistics.median(cpu_samples),
                            tokens_per_second=count / median, gigaflops_per_second=flops / median / 1e9))

    if arguments.json:
        print(json.dumps(dict(torch=torch.__version__, threads=arguments.threads, config=config.__dict__,
                              sequence_length=arguments.sequence_length, results=results), indent=2))
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); layers {config.layers}, width {config.width}, "
          f"heads {config.heads}, ffn {config.ffn}, norm {config.norm}; 4 sequences x {arguments.sequence_length} tokens")
    print("batch  tokens   median ms   best ms   cpu ms   tokens/s   GFLOP/s")
    for r in results:
        print(f"{r['batch_size']:5d}  {r['tokens']:6d}  {r['median_seconds'] * 1000:10.2f}  {r['best_seconds'] * 1000:8.2f}  "
              f"{r['median_cpu_seconds'] * 1000:7.2f}  "
              f"{r['tokens_per_second']:9.0f}  {r['gigaflops_per_second']:8.1f}")


if __name__ == "__main__":
    main()
