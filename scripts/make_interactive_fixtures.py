#!/usr/bin/env python3
"""Writes fixtures/interactive/: the truth for aims's interactive-evaluation helpers.

- distance_transform.json: binary masks and scipy.ndimage.distance_transform_edt of each, as given (distance to
  the nearest zero pixel; the grid edge is not background) and padded with one zero pixel on every side, then
  cropped (the image edge counts as background, as RITM's clicker pads).
- clicks.json: (truth, prediction, clicked pixels) cases and the next click of RITM's
  `isegm/inference/clicker.py: Clicker._get_next_click` (padding=True), ported with scipy's exact EDT in place of
  cv2.distanceTransform(DIST_L2, maskSize 0) (also exact): positive when the false-negative distance maximum is
  strictly larger, the first pixel in raster order (np.where) among the maxima, clicked pixels zeroed.
- bootstrap.json: per-image IoU lists, resample indices drawn by NumPy, the resampled object-level means
  (sum of the drawn images' IoUs / their region count) and numpy.percentile (linear) of them at 2.5 and 97.5
  and at other q; plus numpy.percentile of a small array at several q.

Usage: /work/venv/bin/python scripts/make_interactive_fixtures.py   (numpy, scipy)
"""
import json
import os

import numpy as np
from scipy.ndimage import distance_transform_edt

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "interactive")


def mask_rows(m):
    return ["".join("1" if v else "0" for v in row) for row in m]


def padded_edt(m):
    return distance_transform_edt(np.pad(m, 1))[1:-1, 1:-1]


def masks(rng):
    out = []
    # A blob made of rectangles, touching the right edge (padding changes its distances there).
    a = np.zeros((9, 13), bool)
    a[1:8, 2:7] = True
    a[3:6, 6:13] = True
    a[4, 4] = False              # a hole
    out.append(a)
    # Random noise thresholded, with a large rectangle: many ties and isolated pixels.
    b = rng.random((24, 31)) < 0.35
    b[5:20, 8:27] = True
    b[12, 15] = False
    out.append(b)
    # A disk and a ring, off-centre, with a bar through the ring.
    yy, xx = np.mgrid[0:40, 0:40]
    r1 = np.hypot(yy - 14.3, xx - 12.8)
    r2 = np.hypot(yy - 27.0, xx - 28.5)
    c = (r1 < 9.5) | ((r2 > 5) & (r2 < 10.2))
    c[25:29, 15:38] = True
    out.append(c)
    return out


def ritm_next_click(gt, pred, clicked):
    fn = np.logical_and(gt, np.logical_not(pred))
    fp = np.logical_and(np.logical_not(gt), pred)
    fn_dt = padded_edt(fn)
    fp_dt = padded_edt(fp)
    not_clicked = np.ones(gt.shape, bool)
    for y, x in clicked:
        not_clicked[y, x] = False
    fn_dt = fn_dt * not_clicked
    fp_dt = fp_dt * not_clicked
    fn_max, fp_max = np.max(fn_dt), np.max(fp_dt)
    positive = bool(fn_max > fp_max)
    ys, xs = np.where(fn_dt == fn_max) if positive else np.where(fp_dt == fp_max)
    return {"y": int(ys[0]), "x": int(xs[0]), "positive": positive, "distance": float(max(fn_max, fp_max))}


def click_cases(rng, shapes):
    cases = []
    gt = shapes[2]
    # First click: nothing predicted.
    cases.append(("first click on the disk and ring", gt, np.zeros_like(gt), []))
    # The disk predicted, the ring missed: a positive click in the ring's thickest part.
    yy, xx = np.mgrid[0:40, 0:40]
    disk = np.hypot(yy - 14.3, xx - 12.8) < 9.5
    cases.append(("ring missed", gt, disk, []))
    # The truth plus a big spill on the left: a negative click in the spill.
    spill = gt.copy()
    spill[20:40, 0:14] = True
    cases.append(("spill", gt, spill, []))
    # Both errors, equal depth (two 3x3 squares): a tie clicks negative.
    t = np.zeros((12, 12), bool)
    t[1:4, 1:4] = True
    p = np.zeros((12, 12), bool)
    p[7:10, 7:10] = True
    cases.append(("tie", t, p, []))
    # The same, with the negative square's centre already clicked: its depth drops to the next pixels.
    cases.append(("tie, centre clicked", t, p, [(8, 8)]))
    # Random truth and prediction.
    g = shapes[1]
    q = rng.random(g.shape) < 0.5
    cases.append(("random", g, q, [(10, 10), (0, 0)]))
    return [{"name": n, "truth": mask_rows(a), "prediction": mask_rows(b), "clicked": [[y, x] for y, x in c],
             "expected": ritm_next_click(a, b, c)} for n, a, b, c in cases]


def bootstrap(rng):
    counts = rng.integers(1, 6, size=10)
    ious = [[float(v) for v in rng.random(int(n))] for n in counts]
    sums = np.array([sum(v) for v in ious])
    n = np.array([len(v) for v in ious])
    indices = rng.integers(0, 10, size=(500, 10))
    means = sums[indices].sum(axis=1) / n[indices].sum(axis=1)
    qs = [0, 2.5, 5, 50, 95, 97.5, 100]
    small = [0.1, 0.4, 0.35, 0.8, 0.8, 0.05, 0.6]
    small_qs = [0, 2.5, 10, 25, 33.3, 50, 62.5, 90, 97.5, 100]
    return {
        "ious": ious,
        "indices": indices.tolist(),
        "means": means.tolist(),
        "mean": float(sums.sum() / n.sum()),
        "percentiles": {str(q): float(np.percentile(means, q)) for q in qs},
        "small": small,
        "smallPercentiles": {str(q): float(np.percentile(small, q)) for q in small_qs},
    }


def main():
    rng = np.random.default_rng(19)
    os.makedirs(OUT, exist_ok=True)
    shapes = masks(rng)
    dt = [{"mask": mask_rows(m), "edt": distance_transform_edt(m).ravel().tolist(), "edtPadded": padded_edt(m).ravel().tolist()}
          for m in shapes]
    files = {"distance_transform.json": dt, "clicks.json": click_cases(rng, shapes), "bootstrap.json": bootstrap(rng)}
    for name, value in files.items():
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(value, f, separators=(",", ":"))
            f.write("\n")
    print("wrote", ", ".join(sorted(files)), "to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
