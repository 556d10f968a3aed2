#!/usr/bin/env python3
"""Writes fixtures/losses/cases.json: the segmentation losses of `Loss` (Sources/Autodiff/Losses) as the
third-party libraries compute them, values and gradients with respect to the logits (PyTorch autograd).

Truth, not formulas re-typed:
- Dice+CE: `monai.losses.DiceCELoss(include_background=True, to_onehot_y=False, sigmoid=True, squared_pred=True,
  jaccard=False, reduction="mean", smooth_nr=s, smooth_dr=s, batch=False, lambda_dice=1, lambda_ce=1)`;
  the Dice term alone: `monai.losses.DiceLoss` with the same arguments.
  For C > 1 channels MONAI's DiceCELoss switches its CE term to softmax cross-entropy over the channels
  (`nn.CrossEntropyLoss` with the float target as class probabilities); aims's `Loss.diceCE` keeps the sigmoid
  (per-channel `BCEWithLogitsLoss`), the multi-label reading that matches `sigmoid=True` in the Dice term. The
  multi-channel cases therefore take `DiceLoss(...) + torch.nn.BCEWithLogitsLoss()` as truth and also record
  MONAI's DiceCELoss value (`monai_dicece`) to show the difference.
- focal: `torchvision.ops.sigmoid_focal_loss(x, t, alpha, gamma, reduction="mean")`; alpha = -1 means no
  class weighting (torchvision's convention).

Everything is computed in float64 from float32 logits (the truth is the exact loss of the inputs aims sees,
not another float32 rounding of it). Each case: kind, args, logits/target (shape, values), `value`,
`grad` (d value / d logits). Edge cases: all-empty and all-full targets, |logits| up to 60, batch > 1,
a 3-D volume, several channels, smooth 1, gamma 0 and 1.5, alpha 0.5 and -1.

Recorded run: Python 3.11.7, torch 2.15.0 (CPU), monai 1.6.1, torchvision 0.29.2, numpy 2.4.6.
Usage: python3 scripts/make_loss_fixtures.py   (pip install torch torchvision monai numpy)
"""
import json
import os

import numpy as np
import torch
import monai
import torchvision
from monai.losses import DiceCELoss, DiceLoss
from torchvision.ops import sigmoid_focal_loss

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "losses")


def f32(a):
    """Rounds to float32 (the values aims holds), returned as float64 for the truth computation."""
    return np.asarray(a, np.float32).astype(np.float64)


def arr(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def monai_dicece(x, t, smooth):
    return DiceCELoss(include_background=True, to_onehot_y=False, sigmoid=True, squared_pred=True, jaccard=False,
                      reduction="mean", smooth_nr=smooth, smooth_dr=smooth, batch=False,
                      lambda_dice=1.0, lambda_ce=1.0)(x, t)


def monai_dice(x, t, smooth):
    return DiceLoss(include_background=True, to_onehot_y=False, sigmoid=True, squared_pred=True, jaccard=False,
                    reduction="mean", smooth_nr=smooth, smooth_dr=smooth, batch=False)(x, t)


def evaluate(fn, logits, target):
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(target, dtype=torch.float64)
    v = fn(x, t)
    v.backward()
    return float(v.item()), x.grad.numpy()


def main():
    rng = np.random.default_rng(20250117)
    cases = []

    def add(name, kind, logits, target, args, fn, **extra):
        logits, target = f32(logits), f32(target)
        value, grad = evaluate(fn, logits, target)
        c = {"name": name, "kind": kind, "args": args, "logits": arr(logits), "target": arr(target),
             "value": value, "grad": arr(grad)}
        c.update(extra)
        cases.append(c)

    def rand_logits(shape, scale=2.0):
        return rng.normal(0, scale, shape)

    def rand_target(shape, p=0.4):
        return (rng.random(shape) < p).astype(np.float64)

    # ---- Dice + CE (C = 1: MONAI's DiceCELoss itself) ----
    dice_ce_cases = [
        ("dicece_batch2", rand_logits((2, 1, 8, 8)), rand_target((2, 1, 8, 8)), 1e-5),
        ("dicece_empty_target", rand_logits((1, 1, 6, 6)), np.zeros((1, 1, 6, 6)), 1e-5),
        ("dicece_full_target", rand_logits((1, 1, 6, 6)), np.ones((1, 1, 6, 6)), 1e-5),
        ("dicece_large_logits", rng.choice([-1, 1], (2, 1, 5, 5)) * rng.uniform(15, 60, (2, 1, 5, 5)),
         rand_target((2, 1, 5, 5), 0.5), 1e-5),
        ("dicece_empty_and_full_batch", rand_logits((2, 1, 4, 4), 3.0),
         np.stack([np.zeros((1, 4, 4)), np.ones((1, 4, 4))]), 1e-5),
        ("dicece_smooth1", rand_logits((1, 1, 4, 4)), rand_target((1, 1, 4, 4)), 1.0),
        ("dicece_volume", rand_logits((1, 1, 3, 4, 5)), rand_target((1, 1, 3, 4, 5)), 1e-5),
    ]
    for name, x, t, s in dice_ce_cases:
        add(name, "diceCE", x, t, {"smooth": s}, lambda a, b, s=s: monai_dicece(a, b, s))

    # ---- several channels: Dice = MONAI DiceLoss; CE term = BCEWithLogits (see the docstring) ----
    x, t = rand_logits((2, 3, 5, 5)), rand_target((2, 3, 5, 5))
    t[1, 2] = 0  # one (item, channel) pair with an empty target
    add("dice_channels3", "dice", x, t, {"smooth": 1e-5}, lambda a, b: monai_dice(a, b, 1e-5))
    xs, ts = torch.tensor(f32(x)), torch.tensor(f32(t))
    add("dicece_channels3", "diceCE", x, t, {"smooth": 1e-5},
        lambda a, b: monai_dice(a, b, 1e-5) + torch.nn.BCEWithLogitsLoss()(a, b),
        monai_dicece=float(monai_dicece(xs.double(), ts.double(), 1e-5)))

    # ---- sigmoid focal loss (torchvision) ----
    focal_cases = [
        ("focal_batch2", rand_logits((2, 1, 8, 8)), rand_target((2, 1, 8, 8)), 0.25, 2.0),
        ("focal_empty_target", rand_logits((1, 1, 6, 6)), np.zeros((1, 1, 6, 6)), 0.25, 2.0),
        ("focal_full_target", rand_logits((1, 1, 6, 6)), np.ones((1, 1, 6, 6)), 0.25, 2.0),
        ("focal_large_logits", rng.choice([-1, 1], (2, 1, 5, 5)) * rng.uniform(15, 60, (2, 1, 5, 5)),
         rand_target((2, 1, 5, 5), 0.5), 0.25, 2.0),
        ("focal_gamma0", rand_logits((1, 2, 4, 4)), rand_target((1, 2, 4, 4)), 0.25, 0.0),
        ("focal_gamma1_5_alpha0_5", rand_logits((1, 1, 6, 6)), rand_target((1, 1, 6, 6)), 0.5, 1.5),
        ("focal_no_alpha", rand_logits((2, 1, 4, 4)), rand_target((2, 1, 4, 4)), -1.0, 2.0),
    ]
    for name, x, t, a, g in focal_cases:
        add(name, "focal", x, t, {"alpha": a, "gamma": g},
            lambda p, q, a=a, g=g: sigmoid_focal_loss(p, q, alpha=a, gamma=g, reduction="mean"))

    os.makedirs(OUT, exist_ok=True)
    doc = {"versions": {"torch": torch.__version__, "monai": monai.__version__,
                        "torchvision": torchvision.__version__, "numpy": np.__version__},
           "cases": cases}
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    for c in cases:
        print(f"{c['name']:32s} {c['value']:.9g}" + (f"  (MONAI DiceCELoss {c['monai_dicece']:.9g})" if "monai_dicece" in c else ""))


if __name__ == "__main__":
    main()
