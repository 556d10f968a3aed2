#!/usr/bin/env python3
"""Writes fixtures/thermal/: real FLIR files (MIT flirpy test data; CC0/public-domain Wikimedia
R-JPEGs) and reference.json with what ExifTool reads from them: the camera's radiometric
constants (`exiftool -n -j`) and the raw thermal image (`exiftool -b -RawThermalImage`, decoded
with tifffile or Pillow; FLIR's PNG samples byte-swapped as ExifTool documents).

    apt-get install libimage-exiftool-perl;  pip install numpy tifffile pillow
    python3 scripts/make_thermal_fixtures.py [--shared ../shared]

The SEQ fixture is the first two frames of flirpy's test.seq (a SEQ is FFF frames back to back).
"""
import argparse, io, json, os, shutil, subprocess
import numpy as np
import tifffile
from PIL import Image

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
    blob = subprocess.run(["exiftool", "-b", "-RawThermalImage", path], check=True, capture_output=True).stdout
    if blob[:4] == b"\x89PNG":
        return np.asarray(Image.open(io.BytesIO(blob))).astype(np.uint16).byteswap()
    return tifffile.imread(io.BytesIO(blob))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    src = os.path.join(ap.parse_args().shared, "data", "thermal")
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


if __name__ == "__main__":
    main()
