#!/usr/bin/env python3
"""Writes the ImageIO test fixtures and the values independent reference readers give for them.

Output (all committed; tests never run Python):
  fixtures/images/<name>.{png,tif,pgm,ppm}   small files written by Pillow, pypng, tifffile
                                              (+ imagecodecs for LZW/PackBits) or by hand (PNM)
  fixtures/images/ref/<name>[_p<k>].bin      the reference decode: raw little-endian samples, [H, W, C]
  fixtures/images/reference.json             one entry per (file, page): shape, dtype, bit depth,
                                              page count, reader used, value file, sum

Every file is read back with a reference reader (Pillow, pypng, tifffile or numpy for PNM) and the
script asserts that reader returns the array that was encoded, before recording it. The crops of
real captures (polarization PNGs, MIT; Sentinel-2 TIFF, Apache-2.0) are recorded as Pillow/tifffile
decode the ORIGINAL file, then cropped.

Regenerate (needs numpy, Pillow, tifffile, imagecodecs, pypng):
  pip install numpy pillow tifffile imagecodecs pypng
  python3 scripts/make_image_fixtures.py [--data DIR]

--data is the optional real-capture folder beside the repository (default: shared/data next to the
repository's folder; what it holds is described in fixtures/README.md). The crops need it, so the script stops
with a message, before touching fixtures/images, when it is absent.
"""
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import png  # pypng
import tifffile
from PIL import Image
import PIL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "images")
REF = os.path.join(OUT, "ref")
# The optional real-capture folder beside the repository (fixtures/README.md says what it holds).
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
rng = np.random.default_rng(20261125)
entries = []


def record(name, array, reader, page=0, pages=1, bit_depth=None, note=""):
    """Stores `array` (what the reference reader returned) as the truth for (name, page)."""
    a = np.asarray(array)
    if name.endswith(".png"):  # the file's own IHDR bit depth (Pillow picks 4-bit palettes itself)
        with open(os.path.join(OUT, name), "rb") as f:
            ihdr_depth = f.read(25)[24]
        assert bit_depth is None or bit_depth == ihdr_depth or name.startswith("png_palette"), (name, bit_depth, ihdr_depth)
        bit_depth = ihdr_depth
    if a.dtype == bool:
        a = a.astype(np.uint8)
    if a.ndim == 2:
        a = a[:, :, None]
    assert a.ndim == 3, (name, a.shape)
    a = np.ascontiguousarray(a)
    le = a.astype(a.dtype.newbyteorder("<"), copy=False)
    stem = name.replace(".", "_") + (f"_p{page}" if pages > 1 else "")
    values = f"ref/{stem}.bin"
    data = le.tobytes()
    with open(os.path.join(OUT, values), "wb") as f:
        f.write(data)
    entries.append({
        "file": name, "page": page, "page_count": pages,
        "shape": list(a.shape), "dtype": str(a.dtype.newbyteorder("=").name),
        "bit_depth": int(bit_depth if bit_depth is not None else a.dtype.itemsize * 8),
        "reader": reader, "values": values,
        "sha256": hashlib.sha256(data).hexdigest(),
        "finite_sum": float(np.sum(a.astype(np.float64)[np.isfinite(a.astype(np.float64))])), "note": note,
    })


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    if b.dtype == bool:
        b = b.astype(np.uint8)
    return a.shape == b.shape and a.tobytes() == b.astype(a.dtype).tobytes()


def pil(name):
    return f"Pillow {PIL.__version__}"


# ------------------------------------------------------------------------------------------ PNG
def pypng_read(path):
    """pypng's decode: values as stored (no rescaling of 1/2/4-bit), shape [H, W, C]."""
    w, h, rows, meta = png.Reader(filename=path).asDirect()
    planes = meta["planes"]
    a = np.array([np.array(r) for r in rows]).reshape(h, w, planes)
    return a.astype(np.uint16 if meta["bitdepth"] > 8 else np.uint8)


def make_png():
    h, w = 7, 13  # odd sizes exercise row padding of packed depths
    g8 = rng.integers(0, 256, (h, w), dtype=np.uint8); g8[0, 0] = 0; g8[0, 1] = 255
    Image.fromarray(g8, "L").save(os.path.join(OUT, "png_gray8.png"))
    assert same(np.array(Image.open(os.path.join(OUT, "png_gray8.png"))), g8)
    record("png_gray8.png", np.array(Image.open(os.path.join(OUT, "png_gray8.png"))), pil(""))

    g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16); g16[0, 0] = 0; g16[0, 1] = 65535; g16[0, 2] = 0x0102
    Image.fromarray(g16).save(os.path.join(OUT, "png_gray16.png"))  # mode I;16
    r = np.array(Image.open(os.path.join(OUT, "png_gray16.png")))
    assert same(r, g16), "Pillow 16-bit gray"
    record("png_gray16.png", r, pil(""), bit_depth=16)

    for mode, c, name in [("LA", 2, "png_graya8.png"), ("RGB", 3, "png_rgb8.png"), ("RGBA", 4, "png_rgba8.png")]:
        a = rng.integers(0, 256, (h, w, c), dtype=np.uint8)
        Image.fromarray(a, mode).save(os.path.join(OUT, name))
        r = np.array(Image.open(os.path.join(OUT, name)))
        assert same(r, a), name
        record(name, r, pil(""))

    # 16-bit colour and interlaced files: pypng writes them, pypng and (where it can) Pillow read them.
    for name, c, depth, interlace in [("png_graya16.png", 2, 16, False), ("png_rgb16.png", 3, 16, False),
                                      ("png_rgba16.png", 4, 16, False), ("png_rgb8_adam7.png", 3, 8, True),
                                      ("png_gray16_adam7.png", 1, 16, True)]:
        a = rng.integers(0, 1 << depth, (h, w, c), dtype=np.uint16 if depth == 16 else np.uint8)
        with open(os.path.join(OUT, name), "wb") as f:
            png.Writer(w, h, greyscale=c <= 2, alpha=c in (2, 4), bitdepth=depth, interlace=interlace).write(
                f, a.reshape(h, w * c).tolist())
        r = pypng_read(os.path.join(OUT, name))
        assert same(r, a), name
        if name == "png_rgb8_adam7.png":
            assert same(np.array(Image.open(os.path.join(OUT, name))), a), "Pillow interlaced"
        record(name, r, f"pypng {png.__version__}", bit_depth=depth)

    # Low bit depths: values 0..2^bits-1 as stored.
    for bits in (1, 2, 4):
        name = f"png_gray{bits}.png"
        a = rng.integers(0, 1 << bits, (h, w), dtype=np.uint8); a[0, 0] = 0; a[0, 1] = (1 << bits) - 1
        if bits == 1:
            Image.fromarray(a.astype(bool)).save(os.path.join(OUT, name))  # Pillow mode "1"
            assert same(np.array(Image.open(os.path.join(OUT, name))), a), "Pillow 1-bit"
        else:
            with open(os.path.join(OUT, name), "wb") as f:
                png.Writer(w, h, greyscale=True, bitdepth=bits).write(f, a.tolist())
        r = pypng_read(os.path.join(OUT, name))[:, :, 0]
        assert same(r, a), name
        record(name, r, f"pypng {png.__version__}", bit_depth=bits)

    # Palette: Pillow writes P images (8-bit and 4-bit indices, with and without tRNS);
    # the reference is Pillow's expansion to RGB / RGBA.
    pal = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    for name, bits, trns in [("png_palette8.png", 8, False), ("png_palette4.png", 4, False), ("png_palette_trns.png", 8, True)]:
        idx = rng.integers(0, 1 << bits, (h, w), dtype=np.uint8)
        im = Image.fromarray(idx, "P")
        im.putpalette(pal[:1 << bits].flatten().tolist())
        kw = {"bits": bits} if bits != 8 else {}
        if trns:
            kw["transparency"] = bytes([0, 128, 255, 7])
        im.save(os.path.join(OUT, name), **kw)
        back = Image.open(os.path.join(OUT, name))
        assert back.mode == "P"
        r = np.array(back.convert("RGBA" if trns else "RGB"))
        expect = pal[idx]
        if trns:
            alpha = np.array([0, 128, 255, 7] + [255] * 252, dtype=np.uint8)[idx]
            expect = np.dstack([expect, alpha])
        assert same(r, expect), name
        record(name, r, pil("") + " convert(RGB/RGBA)", bit_depth=bits)


# ----------------------------------------------------------------------------------------- TIFF
def tiff_entry(name, pages=None):
    path = os.path.join(OUT, name)
    with tifffile.TiffFile(path) as t:
        n = len(t.pages)
        for k in range(n):
            p = t.pages[k]
            a = p.asarray()
            if p.planarconfig == 2 and a.ndim == 3:  # separate: tifffile gives [C, H, W]
                a = np.moveaxis(a, 0, -1)
            if pages is not None:
                assert same(a if a.ndim == 3 else a[:, :, None], pages[k] if pages[k].ndim == 3 else pages[k][:, :, None]), (name, k)
            record(name, a, f"tifffile {tifffile.__version__}", page=k, pages=n, bit_depth=p.bitspersample)


def make_tiff():
    h, w = 9, 11
    specs = [  # name, dtype, channels, imwrite kwargs
        ("tiff_uint8_c1.tif", np.uint8, 1, {}),
        ("tiff_int8_c1.tif", np.int8, 1, {}),
        ("tiff_uint16_c3.tif", np.uint16, 3, {"photometric": "rgb"}),
        ("tiff_int16_c1_be.tif", np.int16, 1, {"byteorder": ">"}),
        ("tiff_uint32_c2.tif", np.uint32, 2, {"photometric": "minisblack", "planarconfig": "contig"}),
        ("tiff_int32_c1.tif", np.int32, 1, {}),
        ("tiff_float32_c5.tif", np.float32, 5, {"photometric": "minisblack", "planarconfig": "contig"}),
        ("tiff_float64_c1.tif", np.float64, 1, {}),
        ("tiff_float64_c1_be.tif", np.float64, 1, {"byteorder": ">"}),
        ("tiff_uint8_lzw.tif", np.uint8, 3, {"photometric": "rgb", "compression": "lzw"}),
        ("tiff_uint16_deflate_pred.tif", np.uint16, 1, {"compression": "zlib", "predictor": 2}),
        ("tiff_float32_deflate_fpred.tif", np.float32, 1, {"compression": "zlib", "predictor": 3}),
        ("tiff_int16_packbits.tif", np.int16, 1, {"compression": "packbits"}),
        ("tiff_uint16_tiled.tif", np.uint16, 3, {"photometric": "rgb", "tile": (16, 16), "shape": (35, 40)}),
        ("tiff_float32_tiled_lzw.tif", np.float32, 1, {"tile": (16, 32), "compression": "lzw", "shape": (20, 37)}),
        ("tiff_uint8_planar.tif", np.uint8, 3, {"photometric": "rgb", "planarconfig": "separate"}),
        ("tiff_int16_planar_tiled.tif", np.int16, 4, {"photometric": "minisblack", "planarconfig": "separate", "tile": (16, 16), "shape": (18, 20)}),
        ("tiff_uint16_bigtiff.tif", np.uint16, 1, {"bigtiff": True, "rowsperstrip": 2}),
        ("tiff_uint8_strips3.tif", np.uint8, 1, {"rowsperstrip": 3}),
    ]
    for name, dt, c, kw in specs:
        kw = dict(kw)
        hh, ww = kw.pop("shape", (h, w))
        if np.issubdtype(dt, np.floating):
            a = rng.standard_normal((hh, ww, c)).astype(dt) * 1000
            a.flat[0] = np.inf; a.flat[1] = -0.0; a.flat[2] = np.finfo(dt).max; a.flat[3] = np.finfo(dt).tiny
        else:
            info = np.iinfo(dt)
            a = rng.integers(info.min, int(info.max) + 1, (hh, ww, c), dtype=dt)
            a.flat[0] = info.min; a.flat[1] = info.max
        data = a if c > 1 else a[:, :, 0]
        if kw.get("planarconfig") == "separate":
            data = np.moveaxis(a, -1, 0)
        tifffile.imwrite(os.path.join(OUT, name), np.ascontiguousarray(data), **kw)
        tiff_entry(name, [a])

    # multi-page: three pages of different size, dtype and channel count
    pages = [rng.integers(0, 256, (6, 10, 1), dtype=np.uint8),
             rng.integers(0, 65536, (5, 7, 3), dtype=np.uint16),
             rng.standard_normal((4, 9, 1)).astype(np.float32)]
    with tifffile.TiffWriter(os.path.join(OUT, "tiff_multipage.tif")) as tw:
        tw.write(pages[0][:, :, 0], photometric="minisblack")
        tw.write(pages[1], photometric="rgb", compression="zlib")
        tw.write(pages[2][:, :, 0], photometric="minisblack", compression="lzw")
    tiff_entry("tiff_multipage.tif", pages)

    # bilevel (1-bit) written by Pillow; tifffile's decode is the stored bits as 0/1
    bits = rng.integers(0, 2, (h, 21), dtype=np.uint8)
    Image.fromarray(bits.astype(bool)).save(os.path.join(OUT, "tiff_bilevel.tif"))
    tiff_entry("tiff_bilevel.tif")


# ------------------------------------------------------------------------------------------ PNM
def make_pnm():
    h, w = 5, 7
    g8 = rng.integers(0, 256, (h, w), dtype=np.uint8)
    Image.fromarray(g8, "L").save(os.path.join(OUT, "pnm_gray8.pgm"))
    assert same(np.array(Image.open(os.path.join(OUT, "pnm_gray8.pgm"))), g8)
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "pnm_rgb8.ppm"))
    assert same(np.array(Image.open(os.path.join(OUT, "pnm_rgb8.ppm"))), rgb)
    record("pnm_gray8.pgm", np.array(Image.open(os.path.join(OUT, "pnm_gray8.pgm"))), pil(""))
    record("pnm_rgb8.ppm", np.array(Image.open(os.path.join(OUT, "pnm_rgb8.ppm"))), pil(""))

    # 16-bit PGM with maxval 65535 written by Pillow (mode I;16 -> P5 big-endian)
    g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16); g16[0, 0] = 0x0102
    Image.fromarray(g16).save(os.path.join(OUT, "pnm_gray16.pgm"))
    raw = open(os.path.join(OUT, "pnm_gray16.pgm"), "rb").read()
    assert raw.startswith(b"P5") and b"65535" in raw[:32], raw[:32]
    r = np.frombuffer(raw[-h * w * 2:], ">u2").reshape(h, w)
    assert same(r, g16)
    record("pnm_gray16.pgm", r.astype(np.uint16), "numpy big-endian parse of Pillow's P5")

    # Hand-written files: 12-bit maxval (binary, 16-bit samples), ASCII P2/P3 with comments.
    g12 = rng.integers(0, 4096, (h, w), dtype=np.uint16)
    with open(os.path.join(OUT, "pnm_gray12.pgm"), "wb") as f:
        f.write(b"P5\n# 12-bit counts in 16-bit big-endian samples\n%d %d\n4095\n" % (w, h))
        f.write(g12.astype(">u2").tobytes())
    record("pnm_gray12.pgm", g12, "numpy (source array of a hand-written P5)", bit_depth=16, note="maxval 4095")
    a2 = rng.integers(0, 1000, (h, w), dtype=np.uint16)
    with open(os.path.join(OUT, "pnm_ascii.pgm"), "w") as f:
        f.write("P2\n# ASCII gray, maxval 999\n%d %d # size\n999\n" % (w, h))
        for row in a2:
            f.write(" ".join(str(v) for v in row) + "\n")
    record("pnm_ascii.pgm", a2, "numpy (source array of a hand-written P2)", bit_depth=16, note="maxval 999")
    a3 = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    with open(os.path.join(OUT, "pnm_ascii.ppm"), "w") as f:
        f.write("P3\n%d %d\n255\n" % (w, h))
        for row in a3:
            f.write("  ".join(" ".join(str(v) for v in px) for px in row) + "\n")
    assert same(np.array(Image.open(os.path.join(OUT, "pnm_ascii.ppm"))), a3), "Pillow P3"
    record("pnm_ascii.ppm", np.array(Image.open(os.path.join(OUT, "pnm_ascii.ppm"))), pil(""))


# ---------------------------------------------------------------------------- real-capture crops
def make_crops(data):
    # Polarization DoFP mosaics (MIT, elerac/polanalyser). Even offsets keep the 2x2 phase:
    # (row0,col0)=0deg, (0,1)=45deg, (1,1)=90deg, (1,0)=135deg.
    for src, name, (y, x) in [("polarizer_IMX250MZR.png", "real_polarizer_crop.png", (1000, 1224)),
                              ("fruits_IMX250MZR.png", "real_fruits_crop.png", (1024, 1200))]:
        full = np.array(Image.open(os.path.join(data, "polarization", src)))
        assert y % 2 == 0 and x % 2 == 0
        crop = np.ascontiguousarray(full[y:y + 64, x:x + 64])
        Image.fromarray(crop, "L").save(os.path.join(OUT, name))
        assert same(np.array(Image.open(os.path.join(OUT, name))), crop)
        record(name, crop, pil("") + f" decode of {src}, rows {y}:{y + 64}, cols {x}:{x + 64}")

    # Sentinel-2 BGRN (Apache-2.0, satsense 0.9): uint16 x 4 bands, written contiguous and planar+deflate.
    src = os.path.join(data, "nir", "sentinel2_BGRN_section_2.tif")
    full = tifffile.imread(src)  # [152, 155, 4] uint16
    y, x = 40, 50
    crop = np.ascontiguousarray(full[y:y + 48, x:x + 40])
    tifffile.imwrite(os.path.join(OUT, "real_sentinel2_crop.tif"), crop, photometric="minisblack", extrasamples=[0, 0, 0])
    tifffile.imwrite(os.path.join(OUT, "real_sentinel2_crop_planar_deflate.tif"), np.ascontiguousarray(np.moveaxis(crop, -1, 0)),
                     photometric="minisblack", planarconfig="separate", compression="zlib")
    for name in ("real_sentinel2_crop.tif", "real_sentinel2_crop_planar_deflate.tif"):
        back = tifffile.imread(os.path.join(OUT, name))
        if back.shape[0] == 4:
            back = np.moveaxis(back, 0, -1)
        assert same(back, crop), name
        record(name, crop, f"tifffile {tifffile.__version__} decode of sentinel2_BGRN_section_2.tif, rows {y}:{y + 48}, cols {x}:{x + 40}",
               bit_depth=16)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA),
                    help="the optional real-capture folder beside the repository (default %(default)s)")
    args = ap.parse_args()
    data = args.data
    if not os.path.isdir(data):
        sys.exit(f"make_image_fixtures: real-capture folder not found: {data}\n"
                 f"Expected the optional folder beside the repository ({DEFAULT_DATA}, see fixtures/README.md); "
                 f"pass --data DIR to use another folder.")
    os.makedirs(REF, exist_ok=True)
    for f in os.listdir(REF):
        os.remove(os.path.join(REF, f))
    make_png()
    make_tiff()
    make_pnm()
    make_crops(data)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/make_image_fixtures.py",
                   "readers": {"numpy": np.__version__, "Pillow": PIL.__version__, "tifffile": tifffile.__version__,
                               "pypng": png.__version__},
                   "layout": "values files are raw little-endian samples in [H, W, C] order",
                   "entries": entries}, f, indent=1)
    print(f"wrote {len(entries)} reference entries to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
