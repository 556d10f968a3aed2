#!/usr/bin/env python3
"""Writes fixtures/eval/: random label maps and mask logits, and the evaluation metrics computed
exactly as the SimCMF reference does (mt-cly/SimCMF @0cdc5c1):

- regions: ids > 0 with pixel count > CNT_THRESHOLD at the input size (dataset.py test items);
- click: utils.random_click(middle=True) = np.argwhere(mask == rid)[len // 2], flipped to (x, y);
- target: torch legacy nearest resize input -> mask size (src = floor(dst * float32(in / out)));
- IoU: utils.iou (utils.py 190-197) on int32 masks, (inter + 1e-6) / (union + 1e-6), float64;
- Dice: utils.dice_coeff / DiceCoeff (utils.py 199-235) in float32, (2 inter + 1e-4) / (|P| + |G| + 1e-4);
- threshold 0 on the logits (function.py 73); mIoU = eiou_sum / masks_num (function.py 153-162).

Also the training candidates (count >= threshold, id 0 dropped) and what the reference's
np.delete(vals, counts < T)[1:] would give instead.

Usage: python3 scripts/make_eval_fixtures.py   (numpy only)
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "eval")
S, M, T = 40, 16, 20  # input size, mask size (non-integer ratio 2.5), CNT_THRESHOLD


def labels(rng):
    maps = []
    # 0: rectangles of several sizes, one region with exactly T pixels (kept for training, not for evaluation)
    a = np.zeros((S, S), np.int32)
    a[2:14, 3:20] = 1
    a[20:38, 5:12] = 2
    a[25:29, 13:18] = 3          # 4 x 5 = 20 = T pixels
    a[15:35, 22:39] = 4
    a[30:33, 30:33] = 0
    maps.append(a)
    # 1: random blobs with a diagonal region (median raster pixel is not the centroid)
    b = np.zeros((S, S), np.int32)
    for i in range(S):
        b[i, max(0, i - 4):min(S, i + 4)] = 7
    b[0:10, 28:40] = 9
    b[b == 0] = rng.choice([0, 0, 0, 11], size=int((b == 0).sum()))  # noisy region 11 (many pixels, scattered)
    maps.append(b)
    # 2: background smaller than T (the reference's [1:] would drop region 1 instead of 0), one tiny region
    c = np.ones((S, S), np.int32)
    c[0:2, 0:5] = 0              # 10 background pixels
    c[20:40, 0:40] = 2
    c[39, 39] = 5                # one pixel: never a region
    c[3:5, 10:25] = 8            # 30 pixels on input rows 3-4, which the nearest resize to 16 never samples
    maps.append(c)
    # 3: no valid region (only small ones): skipped
    d = np.zeros((S, S), np.int32)
    d[5:9, 5:9] = 3              # 16 pixels
    d[30:32, 10:20] = 6          # 20 pixels: not > T
    maps.append(d)
    return np.stack(maps)


def nearest_index(n_in, n_out):
    scale = np.float32(n_in) / np.float32(n_out)
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64), n_in - 1)


def iou(outputs, labels):                      # utils.py 190-197
    SMOOTH = 1e-6
    intersection = (outputs & labels).sum((1, 2))
    union = (outputs | labels).sum((1, 2))
    return ((intersection + SMOOTH) / (union + SMOOTH)).mean()


def dice_coeff(pred, target):                  # utils.py 199-235 (torch float32, batch of 1)
    eps = np.float32(0.0001)
    inter = np.dot(pred.reshape(-1).astype(np.float32), target.reshape(-1).astype(np.float32)).astype(np.float32)
    union = np.float32(pred.sum(dtype=np.float32) + target.sum(dtype=np.float32) + eps)
    return float(np.float32((np.float32(2) * inter + eps) / union))


def main():
    rng = np.random.default_rng(20241126)
    os.makedirs(OUT, exist_ok=True)
    maps = labels(rng)
    rows, cols = nearest_index(S, M), nearest_index(S, M)
    pairs, logits = [], []
    eiou, edice, skipped = 0.0, 0.0, 0
    train = []
    for k, lab in enumerate(maps):
        vals, counts = np.unique(lab, return_counts=True)
        fixed = [int(v) for v, c in zip(vals, counts) if v != 0 and c >= T]
        reference = [int(v) for v in np.delete(vals, np.where(counts < T))[1:]]
        train.append({"image": k, "candidates": fixed, "reference_candidates": reference})
        regions = [int(v) for v, c in zip(vals, counts) if v > 0 and c > T]
        if not regions:
            skipped += 1
            continue
        small = lab[rows][:, cols]
        for rid in regions:
            idx = np.argwhere(lab == rid)
            y, x = idx[len(idx) // 2]
            gt = (small == rid).astype(np.int32)
            lg = (np.where(gt > 0, 1.0, -1.0) + rng.normal(0, 1.3, size=(M, M))).astype(np.float32)
            if rid in (8, 9):
                lg = -np.abs(lg) - 0.1            # empty prediction (region 8: empty truth too, IoU = Dice = 1)
            pred = (lg > 0).astype(np.int32)
            i_ = float(iou(pred[None], gt[None]))
            d_ = dice_coeff(pred, gt)
            eiou += i_
            edice += d_
            pairs.append({"image": k, "region": rid, "click": [int(x), int(y)], "pixel_count": int(len(idx)),
                          "iou": i_, "dice": d_})
            logits.append(lg)
    np.save(os.path.join(OUT, "labels.npy"), maps.astype(np.int32))
    np.save(os.path.join(OUT, "logits.npy"), np.stack(logits).astype(np.float32))
    ref = {"input_size": S, "mask_size": M, "threshold": T, "pairs": pairs,
           "mIoU": eiou / len(pairs), "mDice": edice / len(pairs), "skipped_images": skipped,
           "target_rows": [int(r) for r in rows], "training": train}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"{len(pairs)} pairs, mIoU {ref['mIoU']:.6f}, mDice {ref['mDice']:.6f}, skipped {skipped}")


if __name__ == "__main__":
    main()
