#!/usr/bin/env python3
"""The step-time and scaling-efficiency model of docs/SCALING.md, checked against `aims bench distributed`.

    mpirun -np 2 --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \\
        .build/release/aims bench distributed --weights fixtures/sam/sam_tiny.pth --strategy full --steps 1 \\
        --sizes 0.01,0.1,1,2.83,19.47,39.1,100,377.3 --repetitions 5 --json > sums.json
    python3 scripts/scaling_model.py [--sums sums.json]

Without --sums it uses the measurement recorded below (this repository's 2-core machine, loopback TCP).
Prints Markdown: the fit of the sum model to the measurement, then the predicted step time and efficiency of
ViT-B full fine-tuning and LoRA on 8, 64 and 256 nodes at 10, 25 and 100 Gb/s, without and with overlap.

The model (docs/SCALING.md, section 2): one optimizer step on N nodes, b images per node,
    T_step = T_compute + T_sum
    T_sum  = k · 2(N − 1) · α  +  2 (N − 1)/N · S / B  +  S · c
where S is the gradient in bytes, k the buckets (32 MiB each), α the latency of one message, B the link's
bandwidth (η × the nominal rate), c the seconds per byte of the local rank-order addition and copies.
With overlap, the buckets of the layers backward has finished are summed while it goes on; what stays exposed
is max(T_sum − ρ · T_compute, T_sum / k) with ρ the share of the step backward takes after the first bucket is
ready, and T_compute grows by cores/(cores − 1): on a CPU, communication takes a core from the computation.
"""
import argparse
import json
import math

# `aims bench distributed` sums on 2 ranks, loopback TCP, best of 5 (the command above, 2026-12-06):
# (values, rank-order seconds, MPI_Allreduce seconds).
RECORDED = [(4_867_500, 0.0175, 0.0141), (9_775_000, 0.0345, 0.0269), (25_000_000, 0.0850, 0.0648),
            (94_325_000, 0.2900, 0.2124)]

GB = 1e9
BUCKET = 8 << 20            # values per bucket (TensorSum's default)
ALPHA = 30e-6               # s, one MPI message over TCP on Ethernet (ping-pong latency of a cluster NIC)
ETA = 0.9                   # TCP goodput / line rate
CORES = 32                  # cores per node
# Compute per image of ViT-B at 1024² on one node: this machine's full fine-tuning step (15.5 s on 2 cores,
# docs/PERFORMANCE.md) on 32 cores of the same speed, threads scaling perfectly; LoRA at 0.71 of it
# (`aims bench sam --model vit_b --size 512`: train-lora 4.97 s against train-full 6.96 s, same run).
T_FULL = 15.5 * 2 / CORES
T_LORA = 0.71 * T_FULL
MODELS = [("ViT-B full fine-tuning", 94_322_082, T_FULL, 0.6), ("ViT-B LoRA (rank 100 on q, v)", 4_868_030, T_LORA, 0.5)]


def fit(rows):
    """Least squares of MPI_Allreduce seconds = bytes·(N−1)/N·2 / B (N = 2) and of the rank-order extra c·bytes."""
    xs = [4 * v for v, _, _ in rows]
    inv_b = sum(x * t for x, (_, _, t) in zip(xs, rows)) / sum(x * x for x in xs)   # t = x / B
    c = sum(x * (o - t) for x, (_, o, t) in zip(xs, rows)) / sum(x * x for x in xs)
    return 1 / inv_b, c


def t_sum(values, nodes, bandwidth, c, alpha=ALPHA, bucket=BUCKET):
    s = 4 * values
    k = math.ceil(values / bucket)
    return k * 2 * (nodes - 1) * alpha + 2 * (nodes - 1) / nodes * s / bandwidth + s * c, k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sums", help="JSON of `mpirun -np 2 aims bench distributed --json` (its sums of 4.8 M values or more are fitted)")
    ap.add_argument("--images-per-node", type=int, default=1)
    args = ap.parse_args()
    rows = RECORDED
    if args.sums:
        report = json.load(open(args.sums))
        rows = [(s["values"], s["rankOrderSeconds"], s["allreduceSeconds"]) for s in report["sums"] if s["values"] >= 4_000_000]
    loop_b, c = fit(rows)
    print(f"Fit (2 ranks, loopback): MPI_Allreduce bandwidth B = {loop_b / GB:.2f} GB/s, rank-order extra c = {c * GB:.3f} s/GB\n")
    print("| values | MB | rank-order measured (s) | model (s) | MPI_Allreduce measured (s) | model (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for v, o, t in rows:
        s = 4 * v
        print(f"| {v:,} | {s / 1e6:.1f} | {o:.4f} | {s / loop_b + s * c:.4f} | {t:.4f} | {s / loop_b:.4f} |")

    b = args.images_per_node
    for name, values, t_img, rho in MODELS:
        tc = b * t_img
        print(f"\n**{name}**: {values:,} gradients ({4 * values / 1e6:.0f} MB), compute {tc:.2f} s per step "
              f"({b} image(s) per node), ρ = {rho}\n")
        print("| nodes | link | T_sum (s) | step, no overlap (s) | efficiency | step, overlap (s) | efficiency |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for nodes in (8, 64, 256):
            for gbit in (10, 25, 100):
                bw = gbit / 8 * GB * ETA
                ts, k = t_sum(values, nodes, bw, c)
                plain = tc + ts
                # With overlap: buckets of ~a transformer block each (12 for ViT-B) so that there is something to overlap.
                ts12, _ = t_sum(values, nodes, bw, c, bucket=math.ceil(values / 12))
                tc_o = tc * CORES / (CORES - 1)
                over = tc_o + max(ts12 - rho * tc_o, ts12 / 12)
                print(f"| {nodes} | {gbit} Gb/s | {ts:.3f} | {plain:.2f} | {tc / plain:.0%} | {over:.2f} | {tc / over:.0%} |")


if __name__ == "__main__":
    main()
