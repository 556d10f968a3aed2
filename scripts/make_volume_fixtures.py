#!/usr/bin/env python3
"""Writes fixtures/volume/: tiny synthetic DICOM series and NIfTI volumes with non-trivial geometry, two
synthetic GeoTIFFs, and reference.json with what pydicom, nibabel and tifffile make of them. With --check,
reads a NIfTI mask that aims wrote with nibabel and compares its geometry with its source instead.

    /work/venv/bin/python scripts/make_volume_fixtures.py            # (re)write fixtures/volume/
    /work/venv/bin/python scripts/make_volume_fixtures.py --check MASK.nii[.gz] --source SRC
        # SRC: the NIfTI file or the DICOM folder the mask was predicted from; exit 0 when shape, affine,
        # orientation codes, qform/sform codes and the 0/1 uint8 data all agree, 1 otherwise.

Independent truth for the DICOM -> NIfTI geometry (the formula of dicom2nifti's `create_affine`, and of
nibabel's `nicom.dicomwrappers` per slice): slices sorted by the Image Position (Patient) projected on the
slice normal (row cosine x column cosine; nibabel's `slice_indicator`); voxel (i = column, j = row,
k = slice) -> LPS millimetres by the columns  row cosine * column spacing (PixelSpacing[1]),
column cosine * row spacing (PixelSpacing[0]), (IPP_last - IPP_first) / (N - 1), IPP_first; then RAS+ by
negating the first two rows. The script checks that nibabel's per-slice wrapper affine (LPS, voxel order
row, column) agrees with the first two columns and the origin after that transposition and flip.

Recorded run: Python 3.11.7, numpy 2.4.6, pydicom 3.0.2, nibabel 5.4.2, tifffile 2026.3.3.
"""
import argparse, json, os, shutil, struct, sys
import numpy as np
import nibabel as nib
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, CTImageStorage
from pydicom.pixels import apply_modality_lut
from nibabel.nicom import dicomwrappers
import tifffile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "volume")
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def f32_bits(x):
    """The IEEE bits of x rounded to float32, as an unsigned integer (JSON keeps it exact)."""
    return struct.unpack("<I", struct.pack("<f", float(x)))[0]


def rotation(ax, ay, az):
    """Rotation matrix for angles in degrees about x, then y, then z."""
    ax, ay, az = np.radians([ax, ay, az])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


# ------------------------------------------------------------------------------------------------ DICOM

def ds_text(values, digits):
    return [f"{v:.{digits}f}" for v in values]


def write_ct_slice(path, series_uid, study_uid, k, ipp, iop, pixels, instance, intercept, slope):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = f"{series_uid}.{k + 1}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "CT"
    ds.PatientName = "Synthetic^Volume"
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = ds_text(ipp, 4)
    ds.ImageOrientationPatient = ds_text(iop, 8)
    ds.PixelSpacing = ["0.8", "0.7"]          # row spacing, column spacing (mm)
    ds.SliceThickness = "2.5"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleIntercept = str(intercept)
    ds.RescaleSlope = str(slope)
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def write_dicom_series():
    """4 oblique CT slices of 16x16 under random-looking names, Instance Numbers not in geometric order,
    the Rescale Intercept changing along the series; and a folder mixing two series."""
    folder = os.path.join(OUT, "dicom_oblique")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    r = rotation(20, -15, 10)
    # Flip the slice normal's sense so that ascending position along it is descending patient z.
    row_cos, col_cos = r[:, 0], -r[:, 1]
    normal = np.cross(row_cos, col_cos)
    origin = np.array([-40.25, 12.5, 88.0])
    names = ["q7.dcm", "a3.dcm", "m0.dcm", "c9.dcm"]      # geometric slice k is names[k]
    instances = [3, 1, 4, 2]
    intercepts = [-1024, -1024, -1000, -1000]
    j, i = np.mgrid[0:16, 0:16]
    for k in range(4):
        pixels = 1800 + (i * 37 + j * 23 + k * 101) % 900
        ipp = origin + 2.5 * k * normal
        write_ct_slice(os.path.join(folder, names[k]), "1.2.826.0.1.3680043.8.498.1001", "1.2.826.0.1.3680043.8.498.1",
                       k, ipp, list(row_cos) + list(col_cos), pixels, instances[k], intercepts[k], "0.5")
    mixed = os.path.join(OUT, "dicom_mixed")
    shutil.rmtree(mixed, ignore_errors=True)
    os.makedirs(mixed)
    for k, uid in enumerate(["1.2.826.0.1.3680043.8.498.2001", "1.2.826.0.1.3680043.8.498.2001",
                             "1.2.826.0.1.3680043.8.498.2002"]):
        write_ct_slice(os.path.join(mixed, f"s{k}.dcm"), uid, "1.2.826.0.1.3680043.8.498.2", k,
                       [0, 0, 2.0 * k], [1, 0, 0, 0, 1, 0], (i + j + k) % 50, k + 1, -1024, "1")
    return folder, mixed


def dicom_geometry(folder):
    """Files sorted by position along the slice normal, the RAS+ affine, and the HU volume [k, j, i]."""
    slices = [pydicom.dcmread(os.path.join(folder, n)) for n in sorted(os.listdir(folder))]
    names = sorted(os.listdir(folder))
    iop = np.array(slices[0].ImageOrientationPatient, float)
    row_cos, col_cos = iop[:3], iop[3:]
    normal = np.cross(row_cos, col_cos)
    keyed = sorted(zip(names, slices), key=lambda p: float(np.dot(normal, np.array(p[1].ImagePositionPatient, float))))
    # nibabel's own ordering key agrees, reversed: its slice normal is column cosine x row cosine (the third
    # column of a right-handed rotation for voxel order row, column), the opposite of row x column.
    wrappers = [dicomwrappers.wrapper_from_data(s) for _, s in keyed]
    indicators = [w.slice_indicator for w in wrappers]
    assert indicators == sorted(indicators, reverse=True), indicators
    first = np.array(keyed[0][1].ImagePositionPatient, float)
    last = np.array(keyed[-1][1].ImagePositionPatient, float)
    d_row, d_col = (float(v) for v in keyed[0][1].PixelSpacing)
    n = len(keyed)
    step = (last - first) / (n - 1) if n > 1 else normal * float(keyed[0][1].SliceThickness)
    lps = np.eye(4)
    lps[:3, 0] = row_cos * d_col
    lps[:3, 1] = col_cos * d_row
    lps[:3, 2] = step
    lps[:3, 3] = first
    ras = LPS_TO_RAS @ lps
    # nibabel's wrapper affine maps (row, column, slice) to LPS: its columns 0 and 1 are ours swapped.
    nib_lps = wrappers[0].affine
    assert np.allclose(nib_lps[:3, 0], lps[:3, 1]) and np.allclose(nib_lps[:3, 1], lps[:3, 0])
    assert np.allclose(nib_lps[:3, 3], lps[:3, 3])
    hu = np.stack([apply_modality_lut(s.pixel_array, s) for _, s in keyed]).astype(np.float32)
    return [name for name, _ in keyed], ras, hu


# ------------------------------------------------------------------------------------------------ MedSAM

def medsam_uint8(image_data, modality, window=(40, 400)):
    """MedSAM's pre_CT_MR.py on a whole volume: the CT window or the 0.5/99.5 percentiles of the voxels > 0,
    min-max of the clipped volume to 0..255, zeros kept (MR), np.uint8."""
    if modality == "CT":
        lower, upper = window[0] - window[1] / 2, window[0] + window[1] / 2
        pre = np.clip(image_data, lower, upper)
        pre = (pre - np.min(pre)) / (np.max(pre) - np.min(pre)) * 255.0
    else:
        lower, upper = np.percentile(image_data[image_data > 0], 0.5), np.percentile(image_data[image_data > 0], 99.5)
        pre = np.clip(image_data, lower, upper)
        pre = (pre - np.min(pre)) / (np.max(pre) - np.min(pre)) * 255.0
        pre[image_data == 0] = 0
    return np.uint8(pre)


def medsam_record(image_data, modality):
    out = medsam_uint8(image_data, modality)
    return {"modality": modality, "histogram": [int(v) for v in np.bincount(out.ravel(), minlength=256)],
            "position_weighted_sum": int(np.sum(out.astype(np.int64).ravel() * (np.arange(out.size) % 97 + 1)))}


# ------------------------------------------------------------------------------------------------ NIfTI

def header_fields(hdr):
    """The header fields a NIfTI writer must get right, float32 fields as IEEE bits."""
    return {
        "dim": [int(v) for v in hdr["dim"]],
        "pixdim_bits": [f32_bits(v) for v in hdr["pixdim"]],
        "qform_code": int(hdr["qform_code"]), "sform_code": int(hdr["sform_code"]),
        "quatern_bits": [f32_bits(hdr[k]) for k in ("quatern_b", "quatern_c", "quatern_d")],
        "qoffset_bits": [f32_bits(hdr[k]) for k in ("qoffset_x", "qoffset_y", "qoffset_z")],
        "srow_bits": [[f32_bits(v) for v in hdr[k]] for k in ("srow_x", "srow_y", "srow_z")],
        "xyzt_units": int(hdr["xyzt_units"]),
        "datatype": int(hdr["datatype"]), "bitpix": int(hdr["bitpix"]),
    }


def geometry_record(img):
    hdr = img.header
    return {
        "shape": [int(v) for v in img.shape],
        "affine": img.affine.tolist(),
        "qform": hdr.get_qform().tolist(),
        "sform": hdr.get_sform().tolist(),
        "axcodes": "".join(nib.aff2axcodes(img.affine)),
        "header": header_fields(hdr),
    }


def write_ellipsoid_volume():
    """64x64x9 int16, MR-like (0 outside a body disc): a bright ellipsoid on slices 2...6 only. Affine: a
    rotation with spacing 0.9 x 1.1 x 3.0 mm in the qform (code 1); the sform (code 2) adds a small shear."""
    nx, ny, nz = 64, 64, 9
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    rng = np.random.default_rng(19)
    body = ((i - 32) / 28.0) ** 2 + ((j - 32) / 26.0) ** 2 <= 1
    data = np.where(body, 200 + rng.integers(-20, 21, size=body.shape), 0)
    obj = ((i - 30) / 12.0) ** 2 + ((j - 34) / 9.0) ** 2 + ((k - 4) / 2.6) ** 2 <= 1
    data = np.where(obj, 900 + rng.integers(-20, 21, size=obj.shape), data).astype(np.int16)
    rz = np.eye(4)
    rz[:3, :3] = rotation(10, 0, 25) @ np.diag([0.9, 1.1, 3.0])
    rz[:3, 3] = [-30.0, 20.0, -15.0]
    shear = np.eye(4)
    shear[0, 1] = 0.05
    img = nib.Nifti1Image(data, rz @ shear)
    img.header.set_qform(rz, code=1)
    img.header.set_sform(rz @ shear, code=2)
    img.header.set_xyzt_units("mm", "sec")
    path = os.path.join(OUT, "ellipsoid_oblique.nii.gz")
    nib.save(img, path)
    slices = [int(z) for z in range(nz) if obj[:, :, z].any()]
    back = nib.load(path)
    record = geometry_record(back)
    record["object_slices"] = slices
    # MedSAM's intensities in aims' voxel order [k, j, i] (C order, x fastest), for the position-weighted sum.
    record["medsam"] = medsam_record(np.transpose(back.get_fdata(), (2, 1, 0)), "MR")
    record["object_voxels_per_slice"] = [int(obj[:, :, z].sum()) for z in range(nz)]
    # The object's bounding box on its middle slice, (x0, y0, x1, y1) in voxels (x = i, y = j).
    ii, jj = np.nonzero(obj[:, :, 4])
    record["middle_box"] = [int(ii.min()), int(jj.min()), int(ii.max()), int(jj.max())]
    return record


def write_qform_only_volume():
    """8x6x4 float32 with only a qform (sform_code 0) and qfac = -1 (pixdim[0])."""
    data = np.arange(8 * 6 * 4, dtype=np.float32).reshape(8, 6, 4)
    aff = np.eye(4)
    aff[:3, :3] = rotation(-30, 40, 5) @ np.diag([1.5, 0.75, -2.0])
    aff[:3, 3] = [5.0, -7.5, 12.25]
    img = nib.Nifti1Image(data, None)
    img.header.set_qform(aff, code=1)
    img.header.set_sform(None, code=0)
    path = os.path.join(OUT, "qform_only.nii")
    nib.save(img, path)
    return geometry_record(nib.load(path))


def write_dicom_reference(ras, shape):
    """What nibabel writes for a uint8 mask on the DICOM series' grid: qform and sform from the affine, both
    code 1 (scanner), units mm. aims' writer must produce the same header fields from the DICOM folder."""
    nx, ny, nz = shape
    data = ((np.indices((nx, ny, nz)).sum(axis=0)) % 2).astype(np.uint8)
    img = nib.Nifti1Image(data, ras)
    img.header.set_qform(ras, code=1)
    img.header.set_sform(ras, code=1)
    img.header.set_xyzt_units("mm")
    path = os.path.join(OUT, "dicom_oblique_reference.nii")
    nib.save(img, path)
    return geometry_record(nib.load(path))


def qform_cases():
    """nibabel's quaternion (set_qform: polar decomposition, qfac from the determinant's sign, mat2quat with
    w >= 0) for affines that exercise every branch, including the 180-degree rotations of the LPS -> RAS flip."""
    cases = []
    affines = {
        "identity": np.eye(4),
        "axial_dicom_ras": LPS_TO_RAS @ np.diag([0.7, 0.8, 2.5, 1.0]),
        "sagittal_dicom_ras": LPS_TO_RAS @ np.array([[0, 0, -1.0, 10], [1.0, 0, 0, -5], [0, -1.0, 0, 20], [0, 0, 0, 1]]),
        "coronal_dicom_ras": LPS_TO_RAS @ np.array([[1.0, 0, 0, 0], [0, 0, 3.0, 0], [0, -1.0, 0, 0], [0, 0, 0, 1]]),
        "left_handed": np.diag([-1.0, 1.0, 1.0, 1.0]),
        "oblique": np.block([[rotation(33, -71, 120) @ np.diag([0.5, 2.0, 1.25]), np.array([[1.0], [2.0], [3.0]])],
                             [np.zeros((1, 3)), np.ones((1, 1))]]),
        "x_180": np.diag([1.0, -1.0, -1.0, 1.0]),
        "y_180": np.diag([-1.0, 1.0, -1.0, 1.0]),
    }
    for name, aff in affines.items():
        hdr = nib.Nifti1Header()
        hdr.set_qform(aff, code=1)
        cases.append({"name": name, "affine": aff.tolist(),
                      "quatern_bits": [f32_bits(hdr[k]) for k in ("quatern_b", "quatern_c", "quatern_d")],
                      "qfac_bits": f32_bits(hdr["pixdim"][0]),
                      "zooms_bits": [f32_bits(v) for v in hdr["pixdim"][1:4]],
                      "qform": hdr.get_qform().tolist(),
                      "axcodes": "".join(nib.aff2axcodes(aff))})
    return cases


# ------------------------------------------------------------------------------------------------ GeoTIFF

GEO_SCALE = [0.5, 0.25, 0.0]
GEO_TIEPOINT = [0.0, 0.0, 0.0, 500000.0, 4649776.0, 0.0]
GEO_KEYS = [1, 1, 0, 5, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 22, 0, 2057, 34736, 1, 0, 3072, 0, 1, 32633]
GEO_DOUBLES = [6378137.0]
GEO_ASCII = "WGS 84 / UTM zone 33N|"
GEO_NODATA = "65535"
GEO_TRANSFORM = [0.5, 0.1, 0.0, 1000.0, -0.05, -0.5, 0.0, 2000.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]


def write_geotiffs():
    """Two small GeoTIFFs: pixel scale + tiepoint + key directory + double and ASCII params + GDAL nodata;
    and a model transformation with a minimal key directory. Each image holds a bright rectangle."""
    a = np.full((24, 32), 100, np.uint16)
    a[6:16, 8:22] = 3000
    tifffile.imwrite(os.path.join(OUT, "geotiff_scale_tiepoint.tif"), a, photometric="minisblack", extratags=[
        (33550, "d", 3, GEO_SCALE, True), (33922, "d", 6, GEO_TIEPOINT, True),
        (34735, "H", len(GEO_KEYS), GEO_KEYS, True), (34736, "d", 1, GEO_DOUBLES, True),
        (34737, "s", 0, GEO_ASCII, True), (42113, "s", 0, GEO_NODATA, True)])
    b = np.zeros((16, 20), np.float32)
    b[4:12, 5:15] = 1.0
    keys = [1, 1, 0, 1, 1024, 0, 1, 2]
    tifffile.imwrite(os.path.join(OUT, "geotiff_transformation.tif"), b, photometric="minisblack", extratags=[
        (34264, "d", 16, GEO_TRANSFORM, True), (34735, "H", len(keys), keys, True)])
    out = {}
    for name in ("geotiff_scale_tiepoint.tif", "geotiff_transformation.tif"):
        with tifffile.TiffFile(os.path.join(OUT, name)) as t:
            tags = t.pages[0].tags
            rec = {}
            for code, key in ((33550, "pixel_scale"), (33922, "tiepoints"), (34264, "transformation"),
                              (34735, "key_directory"), (34736, "double_params"), (34737, "ascii_params"),
                              (42113, "gdal_nodata")):
                if code in tags:
                    v = tags[code].value
                    rec[key] = v if isinstance(v, str) else [float(x) if key != "key_directory" else int(x) for x in v]
            out[name] = rec
    return out


# ------------------------------------------------------------------------------------------------ check

def expected_geometry(source):
    """(shape (nx, ny, nz), affine, qform/sform codes) a mask predicted from `source` must carry."""
    if os.path.isdir(source):
        names, ras, hu = dicom_geometry(source)
        return tuple(reversed(hu.shape)), ras, (1, 1), None
    img = nib.load(source)
    return img.shape[:3], img.affine, (int(img.header["qform_code"]), int(img.header["sform_code"])), img.header


def check(mask_path, source):
    shape, affine, codes, src_hdr = expected_geometry(source)
    mask = nib.load(mask_path)
    problems = []
    if tuple(mask.shape) != tuple(shape):
        problems.append(f"shape {mask.shape} != {shape}")
    if not np.allclose(mask.affine, affine, atol=1e-4):
        problems.append(f"affine\n{mask.affine}\n!=\n{affine}")
    if nib.aff2axcodes(mask.affine) != nib.aff2axcodes(affine):
        problems.append(f"axcodes {nib.aff2axcodes(mask.affine)} != {nib.aff2axcodes(affine)}")
    got_codes = (int(mask.header["qform_code"]), int(mask.header["sform_code"]))
    if got_codes != codes:
        problems.append(f"qform/sform codes {got_codes} != {codes}")
    if src_hdr is not None:
        for key in ("quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z", "srow_x", "srow_y", "srow_z"):
            if not np.array_equal(np.asarray(mask.header[key]), np.asarray(src_hdr[key])):
                problems.append(f"{key} {mask.header[key]} != source {src_hdr[key]}")
        if not np.array_equal(mask.header["pixdim"][:4], src_hdr["pixdim"][:4]):
            problems.append(f"pixdim[0:4] {mask.header['pixdim'][:4]} != source {src_hdr['pixdim'][:4]}")
    elif not np.allclose(mask.header.get_qform(), affine, atol=1e-4):
        problems.append(f"qform\n{mask.header.get_qform()}\n!=\n{affine}")
    data = np.asarray(mask.dataobj)
    if data.dtype != np.uint8 or not set(np.unique(data)) <= {0, 1}:
        problems.append(f"data: dtype {data.dtype}, values {np.unique(data)[:10]} (expected uint8 0/1)")
    print(f"{mask_path}: shape {mask.shape}, axcodes {''.join(nib.aff2axcodes(mask.affine))}, "
          f"codes {got_codes}, {int(data.sum())} voxels set")
    print("affine:\n" + np.array2string(mask.affine, precision=5, suppress_small=True))
    for p in problems:
        print("MISMATCH: " + p)
    print("OK" if not problems else f"{len(problems)} mismatch(es)")
    return 0 if not problems else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="MASK", help="a NIfTI mask written by aims to check")
    ap.add_argument("--source", metavar="SRC", help="its source: a NIfTI file or a DICOM folder")
    args = ap.parse_args()
    if args.check:
        if not args.source:
            ap.error("--check needs --source")
        sys.exit(check(args.check, args.source))
    os.makedirs(OUT, exist_ok=True)
    series, mixed = write_dicom_series()
    names, ras, hu = dicom_geometry(series)
    np.save(os.path.join(OUT, "dicom_oblique_hu.npy"), hu.astype("<f4"))
    reference = {
        "dicom_oblique": {
            "sorted_files": names,
            "shape_zyx": list(hu.shape),
            "affine_ras": ras.tolist(),
            "axcodes": "".join(nib.aff2axcodes(ras)),
            "hu_array": "dicom_oblique_hu.npy",
            "medsam": medsam_record(hu.astype(np.float64), "CT"),
            "reference_nifti": write_dicom_reference(ras, tuple(reversed(hu.shape))),
        },
        "dicom_mixed": {"series_uids": ["1.2.826.0.1.3680043.8.498.2001", "1.2.826.0.1.3680043.8.498.2002"]},
        "ellipsoid_oblique.nii.gz": write_ellipsoid_volume(),
        "qform_only.nii": write_qform_only_volume(),
        "qform_cases": qform_cases(),
        "geotiff": write_geotiffs(),
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
