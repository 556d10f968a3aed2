#!/usr/bin/env python3
"""Writes fixtures/jpeg/: small JPEGs saved by Pillow (libjpeg-turbo) in the layouts ImageIO's JPEG
reader must handle, each with Pillow's decode of it as `<name>.npy` (uint8, [H, W] or [H, W, C],
exactly what `np.asarray(Image.open(path))` gives: islow DCT, fancy upsampling, no EXIF rotation,
Adobe CMYK re-inverted), and reference.json with the header facts and, for the real FLIR R-JPEGs
in fixtures/thermal/, statistics of Pillow's decode of their visible image.

    pip install numpy pillow
    python3 scripts/make_jpeg_fixtures.py
"""
import json, os
import numpy as np
import PIL
from PIL import Image, features

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "jpeg")
THERMAL = os.path.join(ROOT, "fixtures", "thermal")


def scene(w, h):
    """Smooth gradients, a hard-edged disc and stripes: exercises DC, AC and chroma upsampling."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255 * x / (w - 1)
    b = 255 * y / (h - 1)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.3) ** 2
    r[disc], g[disc], b[disc] = 250, 30, 60
    stripes = (x.astype(int) // 3) % 2 == 0
    b[(y > h * 0.75) & stripes] = 0
    return np.clip(np.stack([r, g, b], -1).round(), 0, 255).astype(np.uint8)


def stats(a):
    flat = np.asarray(a, dtype=np.float64).ravel()
    n = flat.size
    w = (np.arange(n) % 97 + 1).astype(np.float64)
    idx = sorted(set(int(i) for i in np.linspace(0, n - 1, 40)))
    return {"count": n, "sum": float(flat.sum()), "weighted_sum": float((flat * w).sum()),
            "samples": [[i, float(flat[i])] for i in idx]}


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = Image.fromarray(scene(37, 29))  # not a multiple of the 8/16-pixel MCU
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    cases = {
        "baseline_420.jpg": (rgb, dict(quality=85, subsampling=2)),
        "baseline_444.jpg": (rgb, dict(quality=92, subsampling=0, dpi=(300, 300))),
        "baseline_422.jpg": (rgb, dict(quality=75, subsampling=1)),
        "gray.jpg": (rgb.convert("L"), dict(quality=80)),
        "progressive_420.jpg": (rgb, dict(quality=85, subsampling=2, progressive=True)),
        "progressive_gray.jpg": (rgb.convert("L"), dict(quality=70, progressive=True)),
        "restart_420.jpg": (rgb, dict(quality=85, subsampling=2, restart_marker_blocks=1)),
        "exif_orientation6.jpg": (rgb, dict(quality=85, exif=exif.tobytes())),
        "cmyk.jpg": (rgb.convert("CMYK"), dict(quality=90)),
    }
    entries = []
    for name, (im, kw) in cases.items():
        path = os.path.join(OUT, name)
        im.save(path, "JPEG", **kw)
        back = Image.open(path)
        a = np.asarray(back)
        np.save(os.path.join(OUT, name.replace(".jpg", ".npy")), a)
        entries.append({"file": name, "shape": list(a.shape), "mode": back.mode,
                        "progressive": bool(back.info.get("progressive", 0)),
                        "orientation": back.getexif().get(0x0112),
                        "jfif_density": list(back.info["jfif_density"]) if "jfif" in back.info else None,
                        "jfif_unit": back.info.get("jfif_unit"),
                        "save_options": {k: v for k, v in kw.items() if k != "exif"}})
    real = []
    for name in ["flir_e60_IR_moving_car.jpg", "flir_i7_four_ducks.jpg"]:
        im = Image.open(os.path.join(THERMAL, name))
        a = np.asarray(im)
        real.append({"file": "../thermal/" + name, "shape": list(a.shape), "mode": im.mode, "stats": stats(a)})
    doc = {"pillow": PIL.__version__,
           "libjpeg_turbo": features.version("libjpeg_turbo"), "entries": entries, "real": real}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
