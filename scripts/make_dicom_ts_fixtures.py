#!/usr/bin/env python3
"""Writes fixtures/dicom_ts/expected.json: what pydicom decodes from every DICOM file of its own test corpus
(the `.dcm` files inside the installed pydicom package, `pydicom/data/test_files`, recursively), and copies
one small representative file per transfer syntax into fixtures/dicom_ts/ (pydicom's test files are part of
pydicom, MIT licence; see fixtures/README.md).

    pip install pydicom==3.0.2 numpy pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pylibjpeg-rle python-gdcm
    /work/venv/bin/python scripts/make_dicom_ts_fixtures.py [--copy]

Per file (key: path relative to pydicom's test_files): transfer syntax UID and name, and either
- `pixels`: pydicom's `pixel_array` (its default plugin choice) in aims's layout `[frames, rows, columns,
  samples]`: `shape`, `dtype` (numpy little-endian name), `sha256` of the C-order little-endian bytes, `min`,
  `max`, `mean`; pydicom's default converts YBR_FULL / YBR_FULL_422 to RGB (`as_rgb`), so do the hashes;
  `gdcm`: the SHA-256 of the same array decoded by pydicom's GDCM plugin when it differs from the default
  (the lossy JPEG decoders of pylibjpeg and GDCM may round differently), or `same`; or
- `error`: the exception pydicom raised (such files are not counted as decodable).
Files without Pixel Data are listed under `no_pixel_data`. For the 12-bit lossy JPEG (JPGExtended.dcm), whose
IDCT rounding differs between decoder families (pylibjpeg-libjpeg vs GDCM's IJG 12-bit), the whole pydicom array
is written to `JPGExtended.pydicom.npy` (uint16, `[1, rows, columns, 1]`) for a ±1 comparison.

Recorded run: Python 3.11.7, pydicom 3.0.2, numpy 2.4.6, pylibjpeg 2.1.0, python-gdcm 3.2.6 (versions in
the JSON).
"""
import argparse, hashlib, json, os, shutil, sys
import numpy as np
import pydicom
from pydicom.pixels import pixel_array as decode_with

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "dicom_ts")
CORPUS = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")

# One small file per transfer syntax (and colour / bit-depth case), copied into fixtures/dicom_ts/.
COPY = ["SC_rgb_jpeg_dcmtk.dcm",         # .50 baseline, YBR_FULL_422 -> RGB
        "JPGExtended.dcm",               # .51 extended 12-bit
        "MR_small_jpeg_ls_lossless.dcm", # .80
        "JPEGLSNearLossless_08.dcm",     # .81
        "MR_small_jp2klossless.dcm",     # .90
        "JPEG2000.dcm",                  # .91
        "MR_small_RLE.dcm",              # RLE 16-bit
        "SC_rgb_rle_2frame.dcm",         # RLE RGB, 2 frames
        "image_dfl.dcm",                 # deflated explicit VR
        "SC_ybr_full_422_uncompressed.dcm",  # native YBR_FULL_422
        "SC_rgb_small_odd_big_endian.dcm",   # big endian, 8-bit OW
        "liver_1frame.dcm",              # 1-bit
        "SC_rgb_jpeg_gdcm.dcm",          # .70 lossless colour
        ]


def describe(a, ds):
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    spp = int(getattr(ds, "SamplesPerPixel", 1) or 1)
    a = np.ascontiguousarray(a.reshape(frames, int(ds.Rows), int(ds.Columns), spp))
    a = a.astype(a.dtype.newbyteorder("<"))
    return {"shape": list(a.shape), "dtype": a.dtype.name, "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
            "min": float(a.min()), "max": float(a.max()), "mean": round(float(a.mean()), 6)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--copy", action="store_true", help="also copy the representative files into fixtures/dicom_ts")
    args = p.parse_args()
    files, no_pixels = {}, []
    for dirpath, _, names in sorted(os.walk(CORPUS)):
        for name in sorted(names):
            if not name.lower().endswith(".dcm") and "." in name:
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, CORPUS)
            try:
                ds = pydicom.dcmread(path, force=True)
            except Exception as e:  # not DICOM at all
                continue
            if "PixelData" not in ds:
                if name.lower().endswith(".dcm"):
                    no_pixels.append(rel)
                continue
            tsyntax = ds.file_meta.get("TransferSyntaxUID", pydicom.uid.ImplicitVRLittleEndian) \
                if hasattr(ds, "file_meta") else pydicom.uid.ImplicitVRLittleEndian
            entry = {"transfer_syntax": str(tsyntax), "transfer_syntax_name": pydicom.uid.UID(tsyntax).name,
                     "bytes": os.path.getsize(path),
                     "photometric": str(getattr(ds, "PhotometricInterpretation", ""))}
            try:
                entry["pixels"] = describe(ds.pixel_array, ds)
            except Exception as e:
                entry["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            if "pixels" in entry:
                try:
                    g = describe(decode_with(path, decoding_plugin="gdcm"), ds)["sha256"]
                    entry["gdcm"] = "same" if g == entry["pixels"]["sha256"] else g
                except Exception as e:
                    entry["gdcm"] = f"error: {type(e).__name__}"
            files[rel] = entry
    versions = {"pydicom": pydicom.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
    for mod in ["pylibjpeg", "libjpeg", "openjpeg", "rle", "gdcm"]:
        try:
            m = __import__(mod)
            versions[mod] = getattr(m, "__version__", getattr(m, "GDCM_VERSION", "?"))
        except Exception:
            pass
    os.makedirs(OUT, exist_ok=True)
    out = {"corpus": "pydicom/data/test_files", "versions": versions, "files": files,
           "no_pixel_data": sorted(no_pixels), "copied": COPY}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    ext = pydicom.dcmread(os.path.join(CORPUS, "JPGExtended.dcm")).pixel_array
    np.save(os.path.join(OUT, "JPGExtended.pydicom.npy"), ext.reshape(1, *ext.shape, 1).astype("<u2"))
    if args.copy:
        for name in COPY:
            shutil.copyfile(os.path.join(CORPUS, name), os.path.join(OUT, name))
    ok = sum(1 for e in files.values() if "pixels" in e)
    print(f"{len(files)} files with pixel data, pydicom decodes {ok}; {len(no_pixels)} without pixel data")


if __name__ == "__main__":
    main()
