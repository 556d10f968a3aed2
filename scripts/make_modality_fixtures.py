#!/usr/bin/env python3
"""Writes fixtures/modalities/: a crop of the Colin-27 T1 template (ch2) and the voxel-aligned AAL atlas labels
(Debian mricron-data 1.2.20211006+dfsg-4, BSD-3-clause), and reference.json with the slices nibabel reads from them.
The Swift tests (Tests/ModalitiesTests) check the NIfTI plugin's image and label-mask slices against it.

    pip install nibabel==5.4.2 numpy
    python3 scripts/make_modality_fixtures.py [--shared ../shared]

Crop: x 60:120, y 80:140, z 70:100 of the 181x217x181 volumes (a band through the basal ganglia and cortex,
with dozens of AAL regions). Slices are stored in aims' convention: axis 2 (axial) is [y, x], axis 0 (sagittal)
is [z, y], row-major, taken at the middle index (extent // 2).
"""
import argparse, json, os
import numpy as np
import nibabel as nib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "modalities")
CROP = (slice(60, 120), slice(80, 140), slice(70, 100))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = ap.parse_args()
    src = os.path.join(args.shared, "data", "medical", "nifti")
    os.makedirs(OUT, exist_ok=True)
    ref = {"generator": "scripts/make_modality_fixtures.py", "nibabel": nib.__version__, "numpy": np.__version__,
           "crop_xyz": [[s.start, s.stop] for s in CROP], "files": {}}
    for name, out in [("ch2.nii.gz", "colin_t1_crop.nii.gz"), ("aal.nii.gz", "aal_labels_crop.nii.gz")]:
        img = nib.load(os.path.join(src, name))
        data = np.asarray(img.dataobj)[CROP]
        affine = img.affine.copy()
        affine[:3, 3] = img.affine[:3, :3] @ np.array([s.start for s in CROP]) + img.affine[:3, 3]
        nib.save(nib.Nifti1Image(data.astype(np.uint8), affine), os.path.join(OUT, out))
        back = np.asarray(nib.load(os.path.join(OUT, out)).get_fdata())
        assert np.array_equal(back, data), out
        nx, ny, nz = back.shape
        axial = back[:, :, nz // 2].T          # [y, x]
        sagittal = back[nx // 2, :, :].T       # [z, y]
        ref["files"][out] = {
            "shape_xyz": [nx, ny, nz], "dtype": "uint8",
            "axial_middle": axial.astype(int).ravel().tolist(),
            "sagittal_middle": sagittal.astype(int).ravel().tolist(),
            "label_ids": sorted(int(v) for v in np.unique(back)) if name == "aal.nii.gz" else None,
        }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f)


if __name__ == "__main__":
    main()
