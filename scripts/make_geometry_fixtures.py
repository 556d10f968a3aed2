#!/usr/bin/env python3
"""Regenerates fixtures/geometry/: reference outputs for the Swift geometric transforms
(Tests/TransformsTests/Geometry). Nothing here is read by the Swift code at run time.

Reference implementations (the run recorded in fixtures/README.md used torch 2.13.0+cpu,
numpy 2.4.6, Pillow 13.0.0, safetensors 0.8.0):
    pip install torch numpy Pillow safetensors

Usage: python3 scripts/make_geometry_fixtures.py [--out fixtures/geometry]

Writes one safetensors file per topic, float32 tensors:
  interpolate.safetensors  input `x` [2,5,7] and `big` [1,61,83]; for each output size HxW:
                           `bilinear_HxW`, `area_HxW`, `nearest_HxW` = torch.nn.functional.interpolate
                           (align_corners=False, antialias=False; nearest is torch's legacy rule).
  pillow.safetensors       `label` [7,9] int ids as float; `nearest_HxW` = PIL Image (mode "I")
                           .resize((W,H), Image.NEAREST) for each size; `label_b` [8,14] and
                           `b_nearest_HxW`, sizes where Pillow's accumulated source positions
                           differ from the closed form floor((i+0.5)*in/out).
  flip_rot.safetensors     `x` [2,4,6]; `flip_w`, `flip_h` = torch.flip(x, [2] / [1]);
                           `rot90_k1..3` = torch.rot90(x, k, dims=[1, 2]).
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.numpy import save_file

SIZES = [(3, 4), (5, 7), (10, 14), (8, 11), (2, 3), (1, 1), (13, 5)]
BIG_SIZES = [(128, 97), (29, 40)]
PIL_SIZES = [(4, 5), (7, 9), (13, 20), (21, 27), (2, 3), (3, 7), (20, 6), (6, 18)]
PIL_SIZES_B = [(6, 5), (6, 6)]


def interpolate(x, size, mode):
    t = torch.from_numpy(x)[None]
    kw = {} if mode in ("area", "nearest") else {"align_corners": False, "antialias": False}
    return F.interpolate(t, size=size, mode=mode, **kw)[0].numpy().astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "geometry"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20261125)

    x = rng.uniform(-1.0, 1.0, size=(2, 5, 7)).astype(np.float32)
    big = rng.uniform(0.0, 1.0, size=(1, 61, 83)).astype(np.float32)
    out = {"x": x, "big": big}
    for (h, w) in SIZES:
        for mode in ("bilinear", "area", "nearest"):
            out[f"{mode}_{h}x{w}"] = interpolate(x, (h, w), mode)
    for (h, w) in BIG_SIZES:
        for mode in ("bilinear", "area", "nearest"):
            out[f"big_{mode}_{h}x{w}"] = interpolate(big, (h, w), mode)
    save_file(out, os.path.join(args.out, "interpolate.safetensors"))

    label = rng.integers(0, 50, size=(7, 9)).astype(np.int32)
    pil = Image.fromarray(label).convert("I")
    assert pil.mode == "I"
    out = {"label": label.astype(np.float32)}
    for (h, w) in PIL_SIZES:
        r = np.asarray(pil.resize((w, h), Image.NEAREST), dtype=np.int32)
        out[f"nearest_{h}x{w}"] = r.astype(np.float32)
    # 8x14 -> 6x5 and 6x6: sizes where Pillow's accumulated positions differ from floor((i+0.5)*in/out).
    label_b = rng.integers(0, 50, size=(8, 14)).astype(np.int32)
    pil_b = Image.fromarray(label_b).convert("I")
    out["label_b"] = label_b.astype(np.float32)
    for (h, w) in PIL_SIZES_B:
        r = np.asarray(pil_b.resize((w, h), Image.NEAREST), dtype=np.int32)
        out[f"b_nearest_{h}x{w}"] = r.astype(np.float32)
    save_file(out, os.path.join(args.out, "pillow.safetensors"))

    y = rng.uniform(-1.0, 1.0, size=(2, 4, 6)).astype(np.float32)
    t = torch.from_numpy(y)
    out = {
        "x": y,
        "flip_w": torch.flip(t, [2]).numpy().copy(),
        "flip_h": torch.flip(t, [1]).numpy().copy(),
    }
    for k in (1, 2, 3):
        out[f"rot90_k{k}"] = torch.rot90(t, k, dims=[1, 2]).numpy().copy()
    save_file(out, os.path.join(args.out, "flip_rot.safetensors"))


if __name__ == "__main__":
    main()
