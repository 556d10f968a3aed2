#!/usr/bin/env python3
"""Polarization conversion speed: polanalyser + NumPy against `aims bench convert`, on the same raw
mosaic in the same run, reported as a ratio (the issue's aim: aims at least 5x faster).

    pip install polanalyser==3.0.0 opencv-python-headless matplotlib numpy
    make build   # or: swift build -c release
    python3 scripts/bench_convert.py [MOSAIC.png] [--repetitions N] [--aims .build/release/aims] [--json]

MOSAIC defaults to ../shared/data/polarization/polarizer_IMX250MZR.png (2448x2048, 8-bit). Both
sides decode the PNG, demosaic with OpenCV's bilinear rule (polanalyser's COLOR_PolarMono), compute
the Stokes vector, DoLP and AoLP; each stage's best time over the repetitions is kept. aims computes
the last three in one fused pass (row `polarimetry`, against the sum of polanalyser's three stages);
--separate makes it time them one by one.

    python3 scripts/bench_convert.py --thermal [DIR]   # flirpy 0.6.2 vs `aims bench convert --modality thermal`

--thermal times flirpy's `Fff(path).get_radiometric_image()` on every .fff and each frame of every .seq in DIR
(default fixtures/thermal) plus writing it as float32 TIFF (tifffile), against aims's whole conversion of the same
files (decode, Planck radiometry, float32 TIFF with metadata); R-JPEGs are left out (flirpy does not read them).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_side(path, reps):
    import cv2
    import numpy as np
    import polanalyser as pa
    angles = np.deg2rad([0, 45, 90, 135])
    best = {}

    def timed(stage, fn):
        t0 = time.perf_counter()
        out = fn()
        best[stage] = min(best.get(stage, float("inf")), time.perf_counter() - t0)
        return out

    for _ in range(reps):
        img = timed("decode", lambda: cv2.imread(path, cv2.IMREAD_GRAYSCALE))
        imgs = timed("demosaic", lambda: pa.demosaicing(img, pa.COLOR_PolarMono))
        stokes = timed("stokes", lambda: pa.calcStokes(imgs, angles))
        timed("dolp", lambda: pa.cvtStokesToDoLP(stokes))
        timed("aolp", lambda: pa.cvtStokesToAoLP(stokes))
    return {"seconds": best, "totalSeconds": sum(best.values()), "width": img.shape[1], "height": img.shape[0],
            "versions": {"polanalyser": getattr(pa, "__version__", "3.x"), "opencv": cv2.__version__, "numpy": np.__version__}}


def thermal_side(folder, reps, aims):
    import tempfile
    import tifffile
    from flirpy.io.fff import Fff
    from flirpy.io.seq import Seq
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith((".fff", ".seq")))
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(reps):
            t0 = time.perf_counter()
            for k, path in enumerate(files):
                frames = [Seq(path)[i] for i in range(len(Seq(path)))] if path.endswith(".seq") else [Fff(path)]
                for i, f in enumerate(frames):
                    tifffile.imwrite(os.path.join(tmp, f"{k}_{i}.tif"), f.get_radiometric_image().astype("float32"))
            best = min(best, time.perf_counter() - t0)
    out = subprocess.run([aims, "bench", "convert", "--modality", "thermal", "--repetitions", str(reps), "--json"] + files,
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    return {"files": [os.path.basename(f) for f in files], "flirpySeconds": best, "aimsSeconds": ours["bestSeconds"],
            "speedup": best / ours["bestSeconds"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thermal", nargs="?", const=os.path.join(ROOT, "fixtures", "thermal"), default=None,
                    help="instead: thermal conversion against flirpy on the FFF/SEQ files of this folder")
    ap.add_argument("mosaic", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "polarization",
                                                              "polarizer_IMX250MZR.png"))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--aims", default=os.path.join(ROOT, ".build", "release", "aims"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--separate", action="store_true", help="aims times stokes, dolp and aolp one by one")
    a = ap.parse_args()
    if a.thermal:
        r = thermal_side(a.thermal, a.repetitions, a.aims)
        print(json.dumps(r, indent=1, sort_keys=True) if a.json else
              f"{', '.join(r['files'])}: flirpy {r['flirpySeconds']:.4f} s, aims {r['aimsSeconds']:.4f} s, ratio {r['speedup']:.2f}")
        return
    ref = python_side(a.mosaic, a.repetitions)
    out = subprocess.run([a.aims, "bench", "convert", "--input", a.mosaic, "--repetitions", str(a.repetitions), "--json"]
                         + (["--separate"] if a.separate else []),
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    result = {"mosaic": a.mosaic, "repetitions": a.repetitions, "polanalyser": ref, "aims": ours,
              "speedup": ref["totalSeconds"] / ours["totalSeconds"]}
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=True))
        return
    print(f"{os.path.basename(a.mosaic)}: {ours['width']}x{ours['height']}, best of {a.repetitions}")
    print(f"{'stage':10s} {'polanalyser':>12s} {'aims':>10s} {'ratio':>7s}")
    rows = ["decode", "demosaic", "stokes", "dolp", "aolp"]
    if "polarimetry" in ours["seconds"]:  # aims fuses the last three stages into one pass
        rows = rows[:2] + ["polarimetry"]
        ref["seconds"]["polarimetry"] = sum(ref["seconds"][k] for k in ["stokes", "dolp", "aolp"])
    for stage in rows:
        p, s = ref["seconds"][stage], ours["seconds"].get(stage, float("nan"))
        print(f"{stage:10s} {p:12.4f} {s:10.4f} {p / s:7.2f}")
    print(f"{'total':10s} {ref['totalSeconds']:12.4f} {ours['totalSeconds']:10.4f} {result['speedup']:7.2f}")


if __name__ == "__main__":
    sys.exit(main())
