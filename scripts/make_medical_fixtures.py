#!/usr/bin/env python3
"""Writes fixtures/medical/: small real DICOM and NIfTI files (copied or cropped from the optional
real-capture folder beside the repository, see fixtures/README.md; MIT/BSD licensed), variants re-encoded with
pydicom/nibabel (other transfer syntaxes, NIfTI-2, .hdr/.img pairs, scaling), and reference.json with what pydicom and nibabel decode from each file.

    pip install pydicom==3.0.2 nibabel==5.4.2 numpy
    python3 scripts/make_medical_fixtures.py [--shared ../shared]

Reference values, for each file: the shape in aims' convention (C order; NIfTI x fastest, so the
NumPy array's axes reversed), and for the stored and the rescaled values: count, sum, a
position-weighted sum (sum of v * (i % 97 + 1) over the flat C-order index i), min, max and 40
sampled (index, value) pairs; and the whole decoded arrays in fixtures/medical/arrays/ (little-endian
.npy, C order, aims' axis order), named in reference.json under `stored_array`, `modality_frame0_array`
(DICOM) and `scaled_array` (NIfTI):
- stored values in their own dtype (int16, uint16, uint8; big-endian files converted to little-endian);
- rescaled values (pydicom `apply_modality_lut`, nibabel `get_fdata`, both float64) as float32 when every
  value converts exactly, else float64; rescaled values equal to the stored integers are written in the
  stored dtype; an array equal to one already written (e.g. the same pixels in another transfer syntax, or
  NIfTI values without scaling) points to that file.

--reference-only rewrites reference.json and arrays/ from the files already in fixtures/medical (the
real-capture folder is not needed, nothing else changes).

Recorded run: Python 3.11.7, pydicom 3.0.2, nibabel 5.4.2, numpy 2.4.6.
"""
import argparse, hashlib, json, os, shutil
import numpy as np
import pydicom
from pydicom.uid import (ImplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian,
                         JPEGBaseline8Bit)
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_modality_lut
import nibabel as nib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "medical")
ARRAYS = os.path.join(OUT, "arrays")
_written = {}  # (dtype, shape, bytes digest) -> relative path


def save_array(a, stem, like=None):
    """Writes `a` (C order, little-endian) to arrays/<stem>.npy unless an equal array was written; returns
    the path relative to fixtures/medical. Float64 values that all convert exactly go to float32. With `like`
    (an integer array) and equal values, returns like's file instead."""
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "f":
        if like is not None and np.array_equal(a, np.asarray(like, np.float64)):
            return save_array(like, stem)
        if a.dtype == np.float64 and np.array_equal(a.astype(np.float32).astype(np.float64), a):
            a = a.astype(np.float32)
    a = a.astype(a.dtype.newbyteorder("<"))
    key = (a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).hexdigest())
    if key not in _written:
        os.makedirs(ARRAYS, exist_ok=True)
        rel = os.path.join("arrays", stem + ".npy")
        np.save(os.path.join(OUT, rel), a)
        _written[key] = rel
    return _written[key]


def stats(a):
    flat = np.asarray(a, dtype=np.float64).ravel(order="C")
    n = flat.size
    idx = sorted(set(int(i) for i in np.linspace(0, n - 1, 40)))
    w = (np.arange(n) % 97 + 1).astype(np.float64)
    return {"count": n, "sum": float(flat.sum()), "weighted_sum": float((flat * w).sum()),
            "min": float(flat.min()), "max": float(flat.max()),
            "samples": [[i, float(flat[i])] for i in idx]}


def dicom_entry(path):
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1))
    spp = int(ds.get("SamplesPerPixel", 1))
    stored = arr.reshape(frames, ds.Rows, ds.Columns, spp)
    frame0 = stored[0].astype(np.float64)
    slope = float(ds.get("RescaleSlope", 1)); inter = float(ds.get("RescaleIntercept", 0))
    modality = apply_modality_lut(arr, ds) if frames == 1 else frame0 * slope + inter
    modality = np.asarray(modality, dtype=np.float64).reshape(ds.Rows, ds.Columns, spp).transpose(2, 0, 1)
    stem = os.path.basename(path).rsplit(".", 1)[0]
    return {"kind": "dicom", "dims": list(stored.shape), "dtype": str(arr.dtype),
            "transfer_syntax": str(ds.file_meta.TransferSyntaxUID),
            "rescale_slope": slope, "rescale_intercept": inter,
            "stored": stats(stored), "modality_frame0": stats(modality),
            "stored_array": save_array(stored, stem + ".stored"),
            "modality_frame0_array": save_array(modality, stem + ".modality_frame0",
                                                like=stored[0].transpose(2, 0, 1))}


def nifti_entry(path):
    img = nib.load(path)
    unscaled = np.asanyarray(img.dataobj.get_unscaled())
    scaled = img.get_fdata(dtype=np.float64)
    # aims keeps the on-disk order: x fastest, i.e. the NumPy axes reversed.
    to_c = lambda a: np.ascontiguousarray(np.transpose(a))
    stem = os.path.basename(path).split(".", 1)[0]
    return {"kind": "nifti", "dims": list(to_c(unscaled).shape), "dtype": str(unscaled.dtype),
            "voxel_size": [float(v) for v in img.header.get_zooms()],
            "stored": stats(to_c(unscaled)), "scaled": stats(to_c(scaled)),
            "stored_array": save_array(to_c(unscaled), stem + ".stored"),
            "scaled_array": save_array(to_c(scaled), stem + ".scaled", like=to_c(unscaled))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--reference-only", action="store_true",
                    help="only rewrite reference.json and arrays/ from the files already in fixtures/medical")
    args = ap.parse_args()
    if os.path.isdir(ARRAYS):
        shutil.rmtree(ARRAYS)
    if not args.reference_only:
        make_files(args.shared)
    ref = {}
    for name in sorted(os.listdir(OUT)):
        if name.endswith(".dcm") and "encapsulated" not in name:
            ref[name] = dicom_entry(os.path.join(OUT, name))
    for name in sorted(os.listdir(OUT)):
        if name.endswith((".nii", ".nii.gz", ".hdr")):
            ref[name] = nifti_entry(os.path.join(OUT, name))

    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/make_medical_fixtures.py", "pydicom": pydicom.__version__,
                   "nibabel": nib.__version__, "numpy": np.__version__, "files": ref}, f, indent=1, sort_keys=True)


def make_files(shared):
    src = os.path.join(shared, "data", "medical")
    os.makedirs(OUT, exist_ok=True)

    # Real DICOM files, copied as they are (pydicom test files, MIT; NEMA WG04 origin).
    for name in ["CT_small.dcm", "MR_small.dcm", "emri_small.dcm"]:
        shutil.copyfile(os.path.join(src, "dicom", name), os.path.join(OUT, name))

    # CT_small re-encoded in the other native transfer syntaxes.
    for uid, name in [(ImplicitVRLittleEndian, "CT_small_implicit.dcm"),
                      (ExplicitVRBigEndian, "CT_small_big_endian.dcm"),
                      (DeflatedExplicitVRLittleEndian, "CT_small_deflated.dcm")]:
        ds = pydicom.dcmread(os.path.join(src, "dicom", "CT_small.dcm"))
        if uid == ExplicitVRBigEndian:
            arr = ds.pixel_array
            ds.PixelData = arr.astype(">i2").tobytes()
        ds.file_meta.TransferSyntaxUID = uid
        # pydicom takes the encoding from the transfer syntax in the file meta.
        pydicom.dcmwrite(os.path.join(OUT, name), ds, enforce_file_format=True)

    # A colour ultrasound crop stored planar (PlanarConfiguration 1), from US1_UNCR.dcm.
    us = pydicom.dcmread(os.path.join(src, "dicom", "US1_UNCR.dcm"))
    rgb = us.pixel_array[200:248, 300:364, :]  # 48 x 64 x 3
    us.Rows, us.Columns = rgb.shape[0], rgb.shape[1]
    us.PlanarConfiguration = 1
    us.PixelData = np.ascontiguousarray(rgb.transpose(2, 0, 1)).tobytes()
    us.save_as(os.path.join(OUT, "US_rgb_planar.dcm"), enforce_file_format=True)

    # An encapsulated (JPEG) syntax: aims must refuse it with a clear error.
    ds = pydicom.dcmread(os.path.join(src, "dicom", "MR_small.dcm"))
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([b"\xff\xd8not-a-real-jpeg\xff\xd9"])
    ds.save_as(os.path.join(OUT, "MR_small_jpeg_encapsulated.dcm"), enforce_file_format=True)

    # NIfTI: a real big-endian file as it is, a crop of a real 4-D fMRI series, and re-encodings.
    shutil.copyfile(os.path.join(src, "nifti", "anatomical.nii"), os.path.join(OUT, "anatomical.nii"))
    epi = nib.load(os.path.join(src, "nifti", "example4d.nii.gz"))
    crop = np.asanyarray(epi.dataobj)[40:72, 30:54, 8:14, :]
    hdr = epi.header.copy()
    nib.save(nib.Nifti1Image(crop, epi.affine, hdr), os.path.join(OUT, "example4d_crop.nii.gz"))
    anat = np.asanyarray(nib.load(os.path.join(src, "nifti", "anatomical.nii")).dataobj)
    scaled = nib.Nifti1Image(anat.astype(np.uint16), np.eye(4))
    scaled.header.set_slope_inter(0.5, -10.0)
    nib.save(scaled, os.path.join(OUT, "anatomical_uint16_scaled.nii"))
    n2 = nib.Nifti2Image((anat.astype(np.float32) / 7.0)[:, :, 5:15], np.eye(4))
    nib.save(n2, os.path.join(OUT, "anatomical_nifti2_float.nii"))
    pair = nib.Nifti1Pair(anat[:, :, :6].astype(np.int16), np.eye(4))
    nib.save(pair, os.path.join(OUT, "anatomical_pair.hdr"))


if __name__ == "__main__":
    main()
