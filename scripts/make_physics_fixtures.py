#!/usr/bin/env python3
"""Regenerates fixtures/physics/: reference outputs for the Swift physics transforms (Tests/TransformsTests).

Reference implementations and versions used (pip, in a throw-away virtualenv):
    pip install polanalyser==3.0.0 matplotlib opencv-python-headless numpy flirpy==0.6.2
(polanalyser 3.0.0 imports matplotlib; its demosaicing calls OpenCV's cvtColor; the run recorded in
fixtures/README.md used numpy 2.3.5, opencv-python-headless 5.0.0.93.)

Usage: python3 scripts/make_physics_fixtures.py [--data /work/shared/data] [--out fixtures/physics]

Format: every array is a raw little-endian file (<name>.bin, row-major, C order) and index.json maps
each name to {"file", "dtype" ("uint8" or "float32"), "shape"} plus free-form "meta".
Nothing here is read by the Swift code at run time; only the tests parse these files.
"""
import argparse
import json
import os

import numpy as np

ARRAYS = {}
META = {}


def put(name, array, dtype):
    a = np.ascontiguousarray(np.asarray(array).astype(dtype))
    ARRAYS[name] = a


def write(out):
    os.makedirs(out, exist_ok=True)
    index = {"arrays": {}, "meta": META}
    for name, a in sorted(ARRAYS.items()):
        fname = name + ".bin"
        with open(os.path.join(out, fname), "wb") as f:
            f.write(a.astype(a.dtype.newbyteorder("<")).tobytes())
        index["arrays"][name] = {"file": fname, "dtype": str(a.dtype), "shape": list(a.shape)}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")


# ----------------------------------------------------------------------------------------------
# 1. Polarization (polanalyser 3.0.0)
# ----------------------------------------------------------------------------------------------

def zju_raw2rgbp(i0, i45, i90, i135):
    """SimCMF dataset.py ZJU_RGBP.raw2rgbp (lines 271-286), per channel, float32 as the reference reads PNGs."""
    I = 0.5 * (i0 + i45 + i90 + i135) + 1e-4
    Q = i0 - i90
    U = i45 - i135
    Q[Q == 0] = 1e-4
    I[I == 0] = 1e-4
    dolp = np.sqrt(np.square(Q) + np.square(U)) / I
    dolp[dolp > 1] = 1
    aolp = 0.5 * np.arctan(U / Q)
    return I, aolp, dolp


def polarization(data):
    import cv2
    import polanalyser as pa

    crops = {
        # name: (file, y, x); even offsets keep the 2x2 mosaic phase of the full frame.
        "pol_polarizer": ("polarization/polarizer_IMX250MZR.png", 1280, 768),
        "pol_fruits": ("polarization/fruits_IMX250MZR.png", 1280, 1280),
    }
    size = 64
    angles = np.deg2rad([0, 45, 90, 135])
    for name, (path, y, x) in crops.items():
        full = cv2.imread(os.path.join(data, path), cv2.IMREAD_UNCHANGED)
        assert full.dtype == np.uint8 and full.ndim == 2
        crop = np.ascontiguousarray(full[y:y + size, x:x + size])
        imgs = pa.demosaicing(crop, pa.COLOR_PolarMono)  # [I0, I45, I90, I135], uint8
        stokes = pa.calcStokes(imgs, angles)  # (H, W, 3) float64 via the pseudo-inverse
        put(name + "_raw", crop, np.uint8)
        put(name + "_demosaiced", np.stack(imgs), np.float32)  # [4, H, W] angles 0,45,90,135
        put(name + "_stokes", np.moveaxis(stokes, -1, 0), np.float32)  # [3, H, W]
        with np.errstate(divide="ignore", invalid="ignore"):
            put(name + "_dolp", pa.cvtStokesToDoLP(stokes), np.float32)
        put(name + "_aolp", pa.cvtStokesToAoLP(stokes), np.float32)
        f = [im.astype(np.float32) for im in imgs]
        zi, za, zd = zju_raw2rgbp(*f)
        put(name + "_zju", np.stack([zi, za, zd]), np.float32)  # [3, H, W]: I, AoLP, DoLP
        META[name] = {"source": path, "crop_y": y, "crop_x": x, "size": size}

    # Colour polarization (IMX250MYR): no real capture is available, so a deterministic synthetic mosaic.
    rng = np.random.default_rng(20241126)
    h, w = 24, 32
    base = rng.integers(20, 236, size=(h // 4, w // 4))
    mosaic = np.kron(base, np.ones((4, 4))) + rng.integers(-20, 21, size=(h, w))
    mosaic = np.clip(mosaic, 0, 255).astype(np.uint8)
    imgs = pa.demosaicing(mosaic, pa.COLOR_PolarRGB)  # 4 x (H, W, 3) BGR, uint8
    put("polrgb_raw", mosaic, np.uint8)
    # [4 angles, 3 colours in R, G, B order, H, W]
    put("polrgb_demosaiced", np.stack([np.moveaxis(im[..., ::-1], -1, 0) for im in imgs]), np.float32)
    META["polrgb"] = {"source": "synthetic, numpy default_rng(20241126)", "shape": [h, w]}
    META["polarization_layout"] = "polanalyser 3.0.0: (row0,col0)=90, (0,1)=45, (1,0)=135, (1,1)=0"

# ----------------------------------------------------------------------------------------------
# 2. Thermal radiometry (flirpy 0.6.2 flirpy.util.raw.raw2temp)
# ----------------------------------------------------------------------------------------------

def thermal():
    from flirpy.util.raw import raw2temp

    duo = dict(R1=364058.0, R2=1.0, B=1428.0, F=1.0, O=-228.0)  # FLIR Duo Pro R, flirpy test_data/frame_000000.txt
    le = dict(R1=16125.788, R2=0.010903, B=1420.1, F=1.0, O=-5588.0)  # frame_000000_le.fff (F assumed 1)
    atm = dict(alpha1=0.006569, alpha2=0.012620, beta1=-0.002276, beta2=-0.006670, x=1.9)
    sets = [
        # name, constants, emissivity, reflected °C, atmosphere °C, RH fraction, distance m, window trans., window °C, raw grid
        ("duo_frame", duo, 0.94, 20.0, 20.0, 0.30, 50.0, 1.0, 22.0, np.linspace(2400, 3000, 61)),
        ("duo_window", duo, 0.80, 30.0, 15.0, 0.60, 5.0, 0.85, 35.0, np.linspace(1500, 9000, 76)),
        ("duo_plain", duo, 0.95, 25.0, 20.0, 0.0, 0.0, 1.0, 20.0, np.linspace(1200, 12000, 55)),
        ("le_camera", le, 0.98, 10.0, 5.0, 0.45, 12.0, 1.0, 20.0, np.linspace(12000, 17000, 51)),
    ]
    META["thermal_sets"] = []
    for name, k, e, refl, atemp, rh, od, irt, wtemp, grid in sets:
        meta = {
            "Atmospheric Trans Alpha 1": atm["alpha1"], "Atmospheric Trans Alpha 2": atm["alpha2"],
            "Atmospheric Trans Beta 1": atm["beta1"], "Atmospheric Trans Beta 2": atm["beta2"],
            "Atmospheric Trans X": atm["x"],
            "Planck R1": k["R1"], "Planck R2": k["R2"], "Planck O": k["O"], "Planck B": k["B"], "Planck F": k["F"],
            "Emissivity": e, "IR Window Transmission": irt, "IR Window Temperature": wtemp,
            "Object Distance": od, "Atmospheric Temperature": atemp, "Reflected Apparent Temperature": refl,
            # A fraction: flirpy uses the value as given unless it exceeds 1 (see fixtures/README.md).
            "Relative Humidity": rh,
        }
        raw = grid.astype(np.float64)
        put("thermal_" + name + "_raw", raw, np.float64)
        put("thermal_" + name + "_celsius", raw2temp(raw, meta), np.float64)
        META["thermal_sets"].append({"name": name, "r1": k["R1"], "r2": k["R2"], "b": k["B"], "f": k["F"], "o": k["O"],
                                     "emissivity": e, "reflected": refl, "atmospheric": atemp, "humidity": rh,
                                     "distance": od, "windowTransmission": irt, "windowTemperature": wtemp, **atm})
    # flirpy's humidity handling with ExifTool's percent string ("30.0 %" -> 30): recorded to document the difference.
    name, k, e, refl, atemp, rh, od, irt, wtemp, grid = sets[0]
    meta = {"Atmospheric Trans Alpha 1": atm["alpha1"], "Atmospheric Trans Alpha 2": atm["alpha2"],
            "Atmospheric Trans Beta 1": atm["beta1"], "Atmospheric Trans Beta 2": atm["beta2"],
            "Atmospheric Trans X": atm["x"], "Planck R1": k["R1"], "Planck R2": k["R2"], "Planck O": k["O"],
            "Planck B": k["B"], "Planck F": k["F"], "Emissivity": e, "IR Window Transmission": irt,
            "IR Window Temperature": "22.0 C", "Object Distance": "50.00 m", "Atmospheric Temperature": "20.0 C",
            "Reflected Apparent Temperature": "20.0 C", "Relative Humidity": "30.0 %"}
    put("thermal_duo_frame_percent_humidity_celsius", raw2temp(grid.astype(np.float64), meta), np.float64)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--out", default=os.path.join(here, "..", "fixtures", "physics"))
    args = ap.parse_args()
    polarization(args.data)
    thermal()
    write(args.out)
    total = sum(a.nbytes for a in ARRAYS.values())
    print(f"wrote {len(ARRAYS)} arrays, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
