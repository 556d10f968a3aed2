#!/usr/bin/env python3
"""Regenerates fixtures/physics/: reference outputs for the Swift physics transforms (Tests/TransformsTests).

Reference implementations and versions used (pip, in a throw-away virtualenv):
    pip install polanalyser==3.0.0 matplotlib opencv-python-headless numpy flirpy==0.6.2
(polanalyser 3.0.0 imports matplotlib; its demosaicing calls OpenCV's cvtColor; the run recorded in
fixtures/README.md used numpy 2.3.5, opencv-python-headless 5.0.0.93.)

Usage: python3 scripts/make_physics_fixtures.py [--data DIR] [--out fixtures/physics]

--data is the optional real-capture folder beside the repository (default: shared/data next to the
repository's folder; what it holds is described in fixtures/README.md). The polarization crops need it, so the
script stops with a message when it is absent.

Format: every array is a raw little-endian file (<name>.bin, row-major, C order) and index.json maps
each name to {"file", "dtype" ("uint8" or "float32"), "shape"} plus free-form "meta".
Nothing here is read by the Swift code at run time; only the tests parse these files.
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ARRAYS = {}
META = {}

# The optional real-capture folder beside the repository (fixtures/README.md says what it holds).
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def require_data(data):
    """Stops before writing anything when the real-capture folder is missing: the crops come from it."""
    if not os.path.isdir(data):
        sys.exit(f"make_physics_fixtures: real-capture folder not found: {data}\n"
                 f"Expected the optional folder beside the repository ({DEFAULT_DATA}, see fixtures/README.md); "
                 f"pass --data DIR to use another folder.")


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

    # The labelled polarizer disks of the polarizer scene (0, 45, 90, 135 degrees written above them): 64x64 raw
    # crops at even offsets inside each disk, for a real-data check of the mosaic layout.
    full = cv2.imread(os.path.join(data, "polarization/polarizer_IMX250MZR.png"), cv2.IMREAD_UNCHANGED)
    disks = {0: (1056, 348), 45: (1056, 968), 90: (1056, 1520), 135: (1072, 2076)}
    put("pol_disks_raw", np.stack([full[y:y + 64, x:x + 64] for y, x in disks.values()]), np.uint8)
    META["pol_disks"] = {"labels_degrees": list(disks.keys()), "crop_yx": list(disks.values()),
                         "source": "polarization/polarizer_IMX250MZR.png"}

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


# ----------------------------------------------------------------------------------------------
# 3. HHA (Gupta et al. 2014): an independent NumPy re-implementation of the steps of rcnn-depth's saveHHA.m /
#    processDepthImage.m / computeNormalsSquareSupport.m / getYDir.m, with the conventions documented in
#    Sources/Transforms/Physics/Depth/HHAEncoder.swift (0-based pixels; invalid pixels -> 0).
# ----------------------------------------------------------------------------------------------

def hha_numpy(depth_m, fx, fy, cx, cy, r_feat=3, r_grav=10):
    depth_m = depth_m.astype(np.float64)
    H, W = depth_m.shape
    valid = np.isfinite(depth_m) & (depth_m > 0)
    z = np.where(valid, depth_m, 0.0)
    uu, vv = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    x = (uu - cx) / fx  # X/Z
    y = (vv - cy) / fy  # Y/Z
    P = np.stack([x * z, y * z, z])  # metres

    def normals(r):
        with np.errstate(divide="ignore"):
            iz = np.where(valid, 1.0 / np.where(valid, z, 1.0), 0.0)
        one = valid.astype(np.float64)
        terms = np.stack([x * x, x * y, x, y * y, y, np.ones_like(x), x * iz, y * iz, iz]) * one
        S = np.pad(terms, ((0, 0), (1, 0), (1, 0))).cumsum(1).cumsum(2)
        r0 = np.clip(np.arange(H) - r, 0, H - 1); r1 = np.clip(np.arange(H) + r, 0, H - 1)
        c0 = np.clip(np.arange(W) - r, 0, W - 1); c1 = np.clip(np.arange(W) + r, 0, W - 1)
        s = (S[:, r1 + 1][:, :, c1 + 1] - S[:, r0][:, :, c1 + 1] - S[:, r1 + 1][:, :, c0] + S[:, r0][:, :, c0])
        a, b, c, d, e, f = s[:6]
        # Degenerate windows (< 3 points, or all on one image line) -> NaN; see SurfaceNormals.swift.
        with np.errstate(invalid="ignore", divide="ignore"):
            mx, my = c / f, e / f
            sxx = (a / f - mx * mx) * fx * fx; syy = (d / f - my * my) * fy * fy; sxy = (b / f - mx * my) * fx * fy
            minvar = (sxx + syy) / 2 - np.sqrt(((sxx - syy) / 2) ** 2 + sxy * sxy)
        degenerate = ~((f >= 3) & (minvar >= 0.05))
        i0 = d * f - e * e; i1 = -b * f + c * e; i2 = b * e - c * d
        i3 = a * f - c * c; i4 = -a * e + b * c; i5 = a * d - b * b
        N = np.stack([i0 * s[6] + i1 * s[7] + i2 * s[8], i1 * s[6] + i3 * s[7] + i4 * s[8], i2 * s[6] + i4 * s[7] + i5 * s[8]])
        norm = np.sqrt((N * N).sum(0))
        with np.errstate(invalid="ignore", divide="ignore"):
            N = np.where((norm > 0) & np.isfinite(norm) & ~degenerate, N / norm, np.nan)
        N = N * np.where(N[2] < 0, -1.0, 1.0)
        sn = np.sign((N * P).sum(0))
        sn[~np.isfinite(sn) | (sn == 0)] = 1
        return N * sn

    def gravity(N):
        nn = N.reshape(3, -1)
        nn = nn[:, ~np.isnan(nn[0])]
        g = np.array([0.0, 1.0, 0.0])
        for thresh, iters in [(45, 5), (15, 5)]:
            t = np.deg2rad(thresh)
            for _ in range(iters):
                sim = np.abs(g @ nn)
                NF = nn[:, sim > np.cos(t)]
                NW = nn[:, sim < np.sin(t)]
                A = NW @ NW.T - NF @ NF.T
                w, V = np.linalg.eigh(A)
                ng = V[:, np.argmin(w)]
                ng = ng / np.linalg.norm(ng)
                g = -ng if g @ ng < 0 else ng
        return g

    N1 = normals(r_feat)
    N2 = normals(r_grav)
    g = gravity(N2)
    tilt = np.degrees(np.arccos(np.clip(g[1], -1, 1)))
    gh = g if tilt > 0.1 else np.array([0.0, 1.0, 0.0])
    Pcm = P * 100
    height = -(gh[:, None, None] * Pcm).sum(0)
    ymin = height[valid].min()
    if ymin > -90:
        ymin = -130.0
    dot = (N1 * g[:, None, None]).sum(0)
    angle = np.where(np.isnan(dot), 180.0, np.degrees(np.arccos(np.clip(dot, -1, 1))))
    with np.errstate(divide="ignore"):
        disp = 31000.0 / np.maximum(z * 100, 100)
    raw = np.stack([disp, height - ymin, angle + 128 - 90]) * valid
    q = np.where(raw >= 0, np.floor(raw + 0.5), np.ceil(raw - 0.5))
    q = np.clip(q, 0, 255)
    return raw, q, g, ymin, N1


def synthetic_depth_scene():
    """A floor 1.4 m below a camera pitched 25 deg down and rolled 6 deg, two boxes, two walls, one hole."""
    H, W, fx, fy, cx, cy = 96, 128, 110.0, 110.0, 63.5, 47.5
    pitch, roll = np.deg2rad(-25.0), np.deg2rad(6.0)
    Rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    Rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    Rcw = Rx @ Rz  # camera -> world; world y points down (gravity), camera at the origin
    floor_y = 1.4
    boxes = [((-0.8, floor_y - 0.5, 2.2), (-0.2, floor_y, 2.9)), ((0.3, floor_y - 0.8, 3.0), (1.0, floor_y, 3.6))]
    uu, vv = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    d = np.stack([(uu - cx) / fx, (vv - cy) / fy, np.ones_like(uu)], -1)  # z = 1: t is the depth
    r = d @ Rcw.T
    t = np.full((H, W), np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis, value in [(1, floor_y), (2, 5.0), (0, 1.8)]:  # floor, back wall, right wall
            tt = value / r[..., axis]
            t = np.where((tt > 0) & (tt < t), tt, t)
        for lo, hi in boxes:
            lo, hi = np.array(lo), np.array(hi)
            t1 = (lo - r * 0) / r; t2 = (hi - r * 0) / r
            tmin = np.nanmax(np.minimum(t1, t2), -1); tmax = np.nanmin(np.maximum(t1, t2), -1)
            hit = (tmax >= tmin) & (tmin > 0)
            t = np.where(hit & (tmin < t), tmin, t)
    depth = np.where(np.isfinite(t), t, 0.0)
    depth[10:14, 100:110] = 0.0  # a sensor hole
    g_true = Rcw.T @ np.array([0.0, 1.0, 0.0])
    return depth.astype(np.float32), (fx, fy, cx, cy), g_true


def hha():
    depth, (fx, fy, cx, cy), g_true = synthetic_depth_scene()
    raw, q, g, ymin, _ = hha_numpy(depth, fx, fy, cx, cy)
    put("hha_scene_depth", depth, np.float32)
    put("hha_scene_unquantized", raw, np.float32)
    put("hha_scene_hha", q, np.uint8)
    META["hha_scene"] = {"fx": fx, "fy": fy, "cx": cx, "cy": cy, "gravity_true": g_true.tolist(),
                         "gravity_numpy": g.tolist(), "floor_height_cm": float(ymin)}
    err = np.degrees(np.arccos(np.clip(g @ g_true, -1, 1)))
    print(f"HHA scene: numpy gravity {g}, true {g_true}, error {err:.4f} deg, yMin {ymin:.3f} cm")


def hha_local_real(data, out):
    """Local check only: the GPL-2 SR300 frames are never copied into the repository. Writes to `out` (outside it)."""
    os.makedirs(out, exist_ok=True)
    scale = 0.000124986647
    fx, fy, cx, cy = 476.053619, 476.053497, 311.484558, 246.283234
    for name in ["depth_image_0000", "depth_image_0010"]:
        b = open(os.path.join(data, "depth/visp_castel_sr300", name + ".bin"), "rb").read()
        h, w = np.frombuffer(b[:8], "<u4")
        depth = (np.frombuffer(b[8:], "<u2").reshape(h, w).astype(np.float64) * scale).astype(np.float32)
        raw, q, g, ymin, _ = hha_numpy(depth, fx, fy, cx, cy)
        depth.astype("<f4").tofile(os.path.join(out, name + "_depth.f32"))
        raw.astype("<f4").tofile(os.path.join(out, name + "_unquantized.f32"))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"height": int(h), "width": int(w), "fx": fx, "fy": fy, "cx": cx, "cy": cy,
                       "gravity": g.tolist(), "floor_height_cm": float(ymin)}, f)
        print(f"local real {name}: gravity {g}, yMin {ymin:.2f} cm -> {out}")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=str(DEFAULT_DATA),
                    help="the optional real-capture folder beside the repository (default %(default)s)")
    ap.add_argument("--out", default=os.path.join(here, "..", "fixtures", "physics"))
    ap.add_argument("--local-real-hha", metavar="DIR",
                    help="also write NumPy HHA of the GPL-2 SR300 depth frames to DIR (outside the repo) for "
                         "AIMS_LOCAL_HHA_DIR=DIR swift test; never commit these")
    args = ap.parse_args()
    require_data(args.data)
    if args.local_real_hha:
        assert not os.path.abspath(args.local_real_hha).startswith(os.path.abspath(os.path.join(here, ".."))), \
            "the GPL-2 depth data must stay outside the repository"
        hha_local_real(args.data, args.local_real_hha)
    polarization(args.data)
    thermal()
    hha()
    write(args.out)
    total = sum(a.nbytes for a in ARRAYS.values())
    print(f"wrote {len(ARRAYS)} arrays, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
