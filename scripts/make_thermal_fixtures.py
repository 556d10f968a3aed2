#!/usr/bin/env python3
"""Writes fixtures/thermal/: real FLIR files (MIT flirpy test data; CC0/public-domain Wikimedia
R-JPEGs) and reference.json with what ExifTool reads from them: the camera's radiometric
constants (`exiftool -n -j`) and the raw thermal image (`exiftool -b -RawThermalImage`, decoded
with tifffile or Pillow; FLIR's PNG samples byte-swapped as ExifTool documents).

    apt-get install libimage-exiftool-perl;  pip install numpy tifffile pillow
    python3 scripts/make_thermal_fixtures.py [--shared ../shared]

The SEQ fixture is the first two frames of flirpy's test.seq (a SEQ is FFF frames back to back).

flirpy.json (no ExifTool needed: `--flirpy-only`, run with /work/venv/bin/python after `pip install flirpy`):
per-pixel temperatures in °C from flirpy 0.6.2's own readers, `Fff(path).get_radiometric_image()` for the FFF file
and `Seq(path)[k].get_radiometric_image()` for each SEQ frame; for the FLIR E60 R-JPEG, the FFF structure is
first cut out of the JPEG's APP1 "FLIR" segments (flirpy reads FFF bytes, not JPEGs) and given to `Fff(bytes)`.
The i7 R-JPEG is left out: its raw image is a PNG, which flirpy's `get_image` does not decode. Stored small:
summary statistics over all pixels and the pixels of every `stride`-th row and column (`grid`, row-major; stride = max(8, width / 40)).
"""
import argparse, io, json, os, shutil, subprocess
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "thermal")
TAGS = ["PlanckR1", "PlanckR2", "PlanckB", "PlanckF", "PlanckO", "Emissivity", "ObjectDistance",
        "ReflectedApparentTemperature", "AtmosphericTemperature", "IRWindowTemperature", "IRWindowTransmission",
        "RelativeHumidity", "AtmosphericTransAlpha1", "AtmosphericTransAlpha2", "AtmosphericTransBeta1",
        "AtmosphericTransBeta2", "AtmosphericTransX", "RawThermalImageWidth", "RawThermalImageHeight",
        "RawThermalImageType", "CameraModel"]


def stats(a):
    flat = np.asarray(a, dtype=np.float64).ravel()
    n = flat.size
    idx = sorted(set(int(i) for i in np.linspace(0, n - 1, 40)))
    w = (np.arange(n) % 97 + 1).astype(np.float64)
    return {"count": n, "sum": float(flat.sum()), "weighted_sum": float((flat * w).sum()),
            "min": float(flat.min()), "max": float(flat.max()), "samples": [[i, float(flat[i])] for i in idx]}


def raw_image(path):
    import tifffile
    from PIL import Image
    blob = subprocess.run(["exiftool", "-b", "-RawThermalImage", path], check=True, capture_output=True).stdout
    if blob[:4] == b"\x89PNG":
        return np.asarray(Image.open(io.BytesIO(blob))).astype(np.uint16).byteswap()
    return tifffile.imread(io.BytesIO(blob))


def rjpeg_fff(path):
    """The FFF bytes of a FLIR R-JPEG: the payloads of its APP1 segments that start with "FLIR\\0", in part order."""
    data = open(path, "rb").read()
    parts, i = {}, 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:
            break
        seg = data[i + 4:i + 2 + length]
        if marker == 0xE1 and seg[:5] == b"FLIR\x00":
            parts[seg[6]] = seg[8:]
        i += 2 + length
    return b"".join(parts[k] for k in sorted(parts))


def temperature_summary(t, stride=None):
    t = np.asarray(t, dtype=np.float64)
    stride = stride or max(8, t.shape[1] // 40)
    grid = t[::stride, ::stride]
    return {"height": int(t.shape[0]), "width": int(t.shape[1]), "stride": stride,
            "mean": float(np.nanmean(t)), "min": float(np.nanmin(t)), "max": float(np.nanmax(t)),
            "nan": int(np.isnan(t).sum()), "grid": [round(float(v), 6) for v in grid.ravel()]}


def flirpy_reference():
    import flirpy
    from flirpy.io.fff import Fff
    from flirpy.io.seq import Seq
    files = {}
    files["frame_000000_le.fff"] = temperature_summary(Fff(os.path.join(OUT, "frame_000000_le.fff")).get_radiometric_image())
    seq = Seq(os.path.join(OUT, "two_frames.seq"))
    files["two_frames.seq"] = {"frames": [temperature_summary(seq[k].get_radiometric_image()) for k in range(len(seq))]}
    files["flir_e60_IR_moving_car.jpg"] = temperature_summary(
        Fff(rjpeg_fff(os.path.join(OUT, "flir_e60_IR_moving_car.jpg"))).get_radiometric_image())
    with open(os.path.join(OUT, "flirpy.json"), "w") as f:
        json.dump({"generator": "scripts/make_thermal_fixtures.py", "flirpy": getattr(flirpy, "__version__", "0.6.2"),
                   "function": "Fff.get_radiometric_image()", "files": files}, f, sort_keys=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--flirpy-only", action="store_true", help="only write flirpy.json from the fixtures already present")
    args = ap.parse_args()
    if args.flirpy_only:
        flirpy_reference()
        return
    src = os.path.join(args.shared, "data", "thermal")
    os.makedirs(OUT, exist_ok=True)
    for name in ["frame_000000_le.fff", "flir_e60_IR_moving_car.jpg", "flir_i7_four_ducks.jpg"]:
        shutil.copyfile(os.path.join(src, name), os.path.join(OUT, name))
    seq = open(os.path.join(src, "test.seq"), "rb").read()
    second = seq.find(b"FFF\x00", 4)
    third = seq.find(b"FFF\x00", second + 4)
    with open(os.path.join(OUT, "two_frames.seq"), "wb") as f:
        f.write(seq[:third])
    ref = {}
    for name in sorted(os.listdir(OUT)):
        path = os.path.join(OUT, name)
        if name.endswith((".fff", ".jpg")):
            meta = json.loads(subprocess.run(["exiftool", "-n", "-j"] + ["-" + t for t in TAGS] + [path],
                                             check=True, capture_output=True).stdout)[0]
            meta.pop("SourceFile")
            ref[name] = {"exiftool": meta, "raw": stats(raw_image(path))}
    # Frames of the SEQ, checked one by one against the same frames cut out as FFF files.
    frames = []
    starts = [0, second]
    for k, s in enumerate(starts):
        tmp = os.path.join(OUT, f".frame{k}.fff")
        with open(tmp, "wb") as f:
            f.write(seq[s:(starts[k + 1] if k + 1 < len(starts) else third)])
        frames.append({"raw": stats(raw_image(tmp))})
        os.remove(tmp)
    ref["two_frames.seq"] = {"frames": frames}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        ver = subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()
        json.dump({"generator": "scripts/make_thermal_fixtures.py", "exiftool": ver, "files": ref}, f, indent=1,
                  sort_keys=True)
    flirpy_reference()


if __name__ == "__main__":
    main()
