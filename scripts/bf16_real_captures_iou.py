#!/usr/bin/env python3
"""`aims predict --image` in fp32 and in bf16 on the real captures of the optional folder beside the repository
(docs/RELIABILITY.md §2, "Real captures"): DICOM slices, a Sentinel-2 NIR section, FLIR thermal JPEGs and
IMX250MZR polarization mosaics, three boxes each (the centre half, the centre quarter, an off-centre square).
Prints each prompt's fp32/bf16 mask IoU and both predicted IoUs, then the summary PERFORMANCE.md §8 quotes.

    pip install numpy pillow
    make build
    python3 scripts/bf16_real_captures_iou.py [--aims .build/release/aims] [--data DIR] [--json]
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ["medical/dicom/" + f for f in ["emri_small.dcm", "US1_UNCR.dcm", "CT_small.dcm", "MR_small.dcm",
                                           "MR-SIEMENS-DICOM-WithOverlays.dcm", "MR2_J2KR.dcm", "MR2_UNCI.dcm", "693_UNCI.dcm"]] + \
           ["nir/sentinel2_BGRN_section_2.tif", "thermal/flir_e60_IR_moving_car.jpg", "thermal/flir_t420_solar_halo.jpg",
            "thermal/flir_i7_four_ducks.jpg", "polarization/fruits_IMX250MZR.png", "polarization/polarizer_IMX250MZR.png"]


def predict(aims, image, box, precision, out):
    r = subprocess.run([aims, "predict", "--image", str(image), "--box", ",".join(map(str, box)), "--out", str(out),
                        "--precision", precision, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"aims predict failed on {image}: {r.stderr.strip()}")
    return json.loads(r.stdout), np.array(Image.open(out)) > 127


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aims", default=str(ROOT / ".build" / "release" / "aims"))
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the real-capture folder")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    data = Path(a.data)
    if not data.is_dir():
        sys.exit(f"real-capture folder not found: {data} (pass --data DIR)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in CAPTURES:
            image = data / name
            if not image.exists():
                print(f"{name}: absent, skipped", file=sys.stderr)
                continue
            h, w = predict(a.aims, image, [0, 0, 8, 8], "fp32", tmp / "probe.png")[1].shape[:2]
            for box in [[w // 4, h // 4, 3 * w // 4, 3 * h // 4], [3 * w // 8, 3 * h // 8, 5 * w // 8, 5 * h // 8],
                        [w // 10, h // 10, w // 2, h // 2]]:
                (f, mf), (b, mb) = predict(a.aims, image, box, "fp32", tmp / "a.png"), predict(a.aims, image, box, "bf16", tmp / "b.png")
                union = int((mf | mb).sum())
                iou = float((mf & mb).sum() / union) if union else 1.0
                rows.append({"capture": name, "box": box, "fp32Pixels": int(mf.sum()), "maskIoU": iou,
                             "predictedIoU": {"fp32": f["predictedIoU"], "bf16": b["predictedIoU"]}})
                if not a.json:
                    print(f"{name} box {box}: {mf.sum()} px, mask IoU {iou:.4f}, predicted IoU {f['predictedIoU']:.4f} / "
                          f"{b['predictedIoU']:.4f}", flush=True)
    ious = np.array([r["maskIoU"] for r in rows])
    dp = np.array([abs(r["predictedIoU"]["fp32"] - r["predictedIoU"]["bf16"]) for r in rows])
    summary = {"prompts": len(rows), "captures": len({r["capture"] for r in rows}), "maskIoUMin": float(ious.min()),
               "maskIoUMedian": float(np.median(ious)), "maskIoUMean": float(ious.mean()), "atLeast099": int((ious >= 0.99).sum()),
               "predictedIoUDifferenceMedian": float(np.median(dp)), "predictedIoUDifferenceMax": float(dp.max())}
    if a.json:
        print(json.dumps({"summary": summary, "prompts": rows}, indent=1))
    else:
        print(f"{summary['prompts']} prompts on {summary['captures']} captures: mask IoU min {summary['maskIoUMin']:.4f}, "
              f"median {summary['maskIoUMedian']:.4f}, mean {summary['maskIoUMean']:.4f}, {summary['atLeast099']} at 0.99 or "
              f"more; predicted IoU moves by {summary['predictedIoUDifferenceMedian']:.4f} (median), "
              f"{summary['predictedIoUDifferenceMax']:.4f} (max)")


if __name__ == "__main__":
    main()
