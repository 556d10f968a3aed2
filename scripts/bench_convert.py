#!/usr/bin/env python3
"""Polarization conversion speed: polanalyser + NumPy against `aims bench convert`, on the same raw
mosaic in the same run, reported as a ratio (the issue's aim: aims at least 5x faster).

    pip install polanalyser==3.0.0 opencv-python-headless matplotlib numpy
    make build   # or: swift build -c release
    python3 scripts/bench_convert.py [MOSAIC.png] [--repetitions N] [--aims .build/release/aims] [--json]

MOSAIC defaults to polarization/polarizer_IMX250MZR.png (2448x2048, 8-bit) in the optional real-capture folder
beside the repository (docs/RELIABILITY.md §2, "Real captures"). Both
sides decode the PNG, demosaic with OpenCV's bilinear rule (polanalyser's COLOR_PolarMono), compute
the Stokes vector, DoLP and AoLP; each stage's best time over the repetitions is kept. aims computes
the last three in one fused pass (row `polarimetry`, against the sum of polanalyser's three stages);
--separate makes it time them one by one.

    python3 scripts/bench_convert.py --thermal [DIR]   # flirpy 0.6.2 vs `aims bench convert --modality thermal`

--thermal times flirpy's `Fff(path).get_radiometric_image()` on every .fff and each frame of every .seq in DIR
(default fixtures/thermal) plus writing it as float32 TIFF (tifffile), against aims's whole conversion of the same
files (decode, Planck radiometry, float32 TIFF with metadata); R-JPEGs are left out (flirpy does not read them).

    python3 scripts/bench_convert.py --all [--only thermal,dicom,...] [--repetitions N] [--json]

--all: every modality against its Python peer on the same files in one run, in converted files (images) per
second, on one core and on both cores. One core: the peer in one process and aims with AIMS_THREADS=1, each pinned
to CPU 0 (sched_setaffinity). Both cores: the peer as a 2-process multiprocessing pool over the files (OpenCV held
to one thread per process) and aims with AIMS_THREADS=2, unpinned. Peer and aims alternate round by round (load
from elsewhere hits both alike) and each side's best round counts; the load average is printed with the table.
Both sides write the same format to a temporary folder:
  thermal       flirpy Fff/Seq.get_radiometric_image -> float32 TIFF (every SEQ frame)  | aims convert thermal --frames all
  dicom-native  pydicom dcmread, pixel_array (frame 0) x RescaleSlope + RescaleIntercept as float32 -> TIFF
  dicom-compressed  the same for JPEG/JPEG-LS/JPEG 2000/RLE files (pylibjpeg, GDCM)      | aims convert dicom
  nifti         nibabel load, get_fdata(float32) -> float32 .nii.gz (gzip level 1 both) | aims convert nifti --format nifti
  polarization  cv2.imread, polanalyser demosaicing (COLOR_PolarMono), calcStokes, DoLP (clipped to 1), AoLP -> [3,H,W]
                float32 TIFF                                                        | aims convert polarization-mono
  depth         cv2.imread 16-bit PNG x 0.001 m, 0 -> NaN -> .npy                    | aims convert depth --format npy
Files: fixtures/ plus the optional real-capture folder beside the repository when present (docs/RELIABILITY.md §2,
"Real captures"; duplicates by content dropped), plus synthetic polarization
mosaics and depth maps written at the start. A file that either side cannot convert is left out and listed.
"""
import argparse, hashlib, json, multiprocessing, os, platform, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_side(path, reps):
    import cv2
    import numpy as np
    import polanalyser as pa
    angles = np.deg2rad([0, 45, 90, 135])
    best = {}

    def timed(stage, fn):
        t0 = time.perf_counter()
        out = fn()
        best[stage] = min(best.get(stage, float("inf")), time.perf_counter() - t0)
        return out

    for _ in range(reps):
        img = timed("decode", lambda: cv2.imread(path, cv2.IMREAD_GRAYSCALE))
        imgs = timed("demosaic", lambda: pa.demosaicing(img, pa.COLOR_PolarMono))
        stokes = timed("stokes", lambda: pa.calcStokes(imgs, angles))
        timed("dolp", lambda: pa.cvtStokesToDoLP(stokes))
        timed("aolp", lambda: pa.cvtStokesToAoLP(stokes))
    return {"seconds": best, "totalSeconds": sum(best.values()), "width": img.shape[1], "height": img.shape[0],
            "versions": {"polanalyser": getattr(pa, "__version__", "3.x"), "opencv": cv2.__version__, "numpy": np.__version__}}


def thermal_side(folder, reps, aims):
    import tempfile
    import tifffile
    from flirpy.io.fff import Fff
    from flirpy.io.seq import Seq
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith((".fff", ".seq")))
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(reps):
            t0 = time.perf_counter()
            for k, path in enumerate(files):
                seq = Seq(path) if path.endswith(".seq") else None
                frames = [seq[i] for i in range(len(seq))] if seq is not None else [Fff(path)]
                for i, f in enumerate(frames):
                    tifffile.imwrite(os.path.join(tmp, f"{k}_{i}.tif"), f.get_radiometric_image().astype("float32"))
            best = min(best, time.perf_counter() - t0)
    out = subprocess.run([aims, "bench", "convert", "--modality", "thermal", "--frames", "all", "--repetitions", str(reps), "--json"] + files,
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    return {"files": [os.path.basename(f) for f in files], "flirpySeconds": best, "aimsSeconds": ours["bestSeconds"],
            "speedup": best / ours["bestSeconds"]}


# --all: every modality against its peer --------------------------------------------------------------------------

SHARED = os.path.join(ROOT, "..", "shared", "data")


def peer_thermal(path, out):
    import tifffile
    from flirpy.io.fff import Fff
    from flirpy.io.seq import Seq
    seq = Seq(path) if path.endswith(".seq") else None
    frames = [seq[i] for i in range(len(seq))] if seq is not None else [Fff(path)]
    for i, f in enumerate(frames):
        tifffile.imwrite(f"{out}_{i}.tif", f.get_radiometric_image().astype("float32"))
    return len(frames)


def peer_dicom(path, out):
    import numpy as np
    import pydicom
    import tifffile
    from pydicom.pixels import pixel_array
    ds = pydicom.dcmread(path)
    stored = pixel_array(ds, index=0) if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1 else ds.pixel_array
    slope, intercept = float(getattr(ds, "RescaleSlope", 1) or 1), float(getattr(ds, "RescaleIntercept", 0) or 0)
    tifffile.imwrite(out + ".tif", (stored.astype(np.float32) * np.float32(slope) + np.float32(intercept))[None])
    return 1


def peer_nifti(path, out):
    import nibabel as nib
    import numpy as np
    img = nib.load(path)
    nib.save(nib.Nifti1Image(img.get_fdata(dtype=np.float32), img.affine), out + ".nii.gz")
    return 1


def peer_polarization(path, out):
    import cv2
    import numpy as np
    import polanalyser as pa
    import tifffile
    imgs = pa.demosaicing(cv2.imread(path, cv2.IMREAD_GRAYSCALE), pa.COLOR_PolarMono)
    stokes = pa.calcStokes(imgs, np.deg2rad([0, 45, 90, 135]))
    planes = [stokes[..., 0], np.minimum(pa.cvtStokesToDoLP(stokes), 1), pa.cvtStokesToAoLP(stokes)]
    tifffile.imwrite(out + ".tif", np.stack(planes).astype(np.float32))
    return 1


def peer_depth(path, out):
    import cv2
    import numpy as np
    d = cv2.imread(path, cv2.IMREAD_UNCHANGED).astype(np.float32) * np.float32(0.001)
    d[d == 0] = np.nan
    np.save(out + ".npy", d[None])
    return 1


PEERS = {"thermal": peer_thermal, "dicom": peer_dicom, "nifti": peer_nifti, "polarization": peer_polarization, "depth": peer_depth}


def peer_init(pin):
    """A pool worker: pinned to CPU 0 for the one-core runs; OpenCV held to one thread (one per process)."""
    if pin:
        os.sched_setaffinity(0, {0})
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass


def peer_task(job):
    kind, k, path, out = job
    return PEERS[kind](path, os.path.join(out, f"{k:04d}"))


def peer_loop(kind, files, out):
    """One process converting every file in turn (timed inside the pinned worker)."""
    t0 = time.perf_counter()
    images = sum(PEERS[kind](p, os.path.join(out, f"{k:04d}")) for k, p in enumerate(files))
    return time.perf_counter() - t0, images


def time_aims(aims, case, files, threads):
    """One `aims bench convert` process: the better of two passes over the files (the first warms its caches)."""
    cmd = [aims, "bench", "convert", "--modality", case["modality"], "--format", case["format"], "--frames", case.get("frames", "first"),
           "--repetitions", "2", "--json"] + files
    env = dict(os.environ, AIMS_THREADS=str(threads))
    pin = (lambda: os.sched_setaffinity(0, {0})) if threads == 1 else None
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, preexec_fn=pin).stdout)
    return r["bestSeconds"], r["images"]


def time_pair(aims, case, files, reps, processes, out):
    """Peer and aims in alternating rounds (peer pass, aims pass, ...), so that load from elsewhere on the machine
    hits both alike; each side's best round counts. One core: a single pinned peer process, aims with one thread
    pinned to the same CPU; two cores: a 2-process peer pool, aims with two threads."""
    kind = case["kind"]
    with multiprocessing.get_context("spawn").Pool(processes, initializer=peer_init, initargs=(processes == 1,)) as pool:
        jobs = [(kind, k, p, out) for k, p in enumerate(files)]
        def peer_pass():
            if processes == 1:
                return pool.apply(peer_loop, (kind, files, out))
            t0 = time.perf_counter()
            images = sum(pool.imap_unordered(peer_task, jobs, chunksize=1))
            return time.perf_counter() - t0, images
        peer_pass()   # imports the libraries in the (spawned) workers
        best = {"peer": float("inf"), "aims": float("inf")}
        for _ in range(reps):
            ps, pimages = peer_pass()
            s, images = time_aims(aims, case, files, processes)
            if images != pimages:
                raise SystemExit(f"{case['name']}: aims wrote {images} images, the peer {pimages}")
            best = {"peer": min(best["peer"], ps), "aims": min(best["aims"], s)}
        return best["peer"], best["aims"], images


def unique_files(folders, suffixes):
    """Files ending in `suffixes` in `folders` (not recursive), sorted, the same bytes only once."""
    seen, out = set(), []
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not (os.path.isfile(path) and name.lower().endswith(suffixes)):
                continue
            digest = hashlib.sha1(open(path, "rb").read()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                out.append(os.path.relpath(path))
    return out


def synthetic_inputs(tmp):
    """Two 2448x2048 8-bit polarization mosaics and eight 640x480 16-bit depth maps (millimetres, 3 % holes), seeded."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:2048, 0:2448].astype(np.float32)
    mosaics = []
    for k in range(2):
        scene = 120 + 80 * np.sin(x / (60 + 20 * k)) * np.cos(y / 90) + rng.normal(0, 4, x.shape)
        path = os.path.join(tmp, f"synthetic_mosaic_{k}.png")
        cv2.imwrite(path, np.clip(scene, 0, 255).astype(np.uint8))
        mosaics.append(path)
    y, x = np.mgrid[0:480, 0:640].astype(np.float32)
    depths = []
    for k in range(8):
        mm = 800 + 3000 * (x / 640) + 500 * np.sin(y / (40 + k)) + rng.normal(0, 5, x.shape)
        mm[rng.random(x.shape) < 0.03] = 0
        path = os.path.join(tmp, f"synthetic_depth_{k}.png")
        cv2.imwrite(path, np.clip(mm, 0, 65535).astype(np.uint16))
        depths.append(path)
    return mosaics, depths


def dicom_is_compressed(path):
    import pydicom
    return pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID.is_compressed


def all_cases(tmp):
    mosaics, depths = synthetic_inputs(tmp)
    fx = lambda *p: os.path.join(ROOT, "fixtures", *p)
    sh = lambda *p: os.path.join(SHARED, *p)
    dicoms = unique_files([fx("medical"), fx("dicom_ts"), sh("medical", "dicom")], (".dcm",))
    return [
        dict(name="thermal", peer="flirpy 0.6.2 + tifffile", kind="thermal", modality="thermal", format="tiff", frames="all",
             files=unique_files([fx("thermal"), sh("thermal")], (".fff", ".seq"))),
        dict(name="dicom-native", peer="pydicom + NumPy + tifffile", kind="dicom", modality="dicom", format="tiff",
             files=[p for p in dicoms if not dicom_is_compressed(p)]),
        dict(name="dicom-compressed", peer="pydicom (pylibjpeg, GDCM) + NumPy + tifffile", kind="dicom", modality="dicom",
             format="tiff", files=[p for p in dicoms if dicom_is_compressed(p)]),
        dict(name="nifti", peer="nibabel + NumPy", kind="nifti", modality="nifti", format="nifti",
             files=unique_files([fx("medical"), fx("volume"), sh("medical", "nifti")], (".nii", ".nii.gz"))),
        dict(name="polarization", peer="polanalyser 3.0.0 + OpenCV + tifffile", kind="polarization", modality="polarization-mono",
             format="tiff", files=unique_files([sh("polarization")], (".png",)) + mosaics),
        dict(name="depth", peer="OpenCV + NumPy", kind="depth", modality="depth", format="npy",
             files=unique_files([sh("depth", "visp_castel_sr300")], (".png",)) + depths),
    ]


def usable_files(aims, case, tmp):
    """The case's files both sides convert, and those left out with why."""
    left_out, ok = {}, []
    for k, path in enumerate(case["files"]):
        try:
            PEERS[case["kind"]](path, os.path.join(tmp, f"check_{k:04d}"))
            ok.append(path)
        except Exception as e:   # the peer cannot read it: leave it out, say why
            left_out[path] = f"{case['peer'].split()[0]}: {type(e).__name__}: {str(e)[:120]}"
    if ok:
        r = subprocess.run([aims, "convert", case["modality"], *ok, "--format", case["format"], "--frames", case.get("frames", "first"),
                            "--out", os.path.join(tmp, "check_aims"), "--json"], capture_output=True, text=True)
        for f in json.loads(r.stdout)["failed"]:
            left_out[f["input"]] = "aims: " + f["error"][:160]
        ok = [p for p in ok if p not in left_out]
    return ok, left_out


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} logical CPUs"


def bench_all(a):
    import cv2
    import nibabel
    import numpy
    import pydicom
    versions = {"python": platform.python_version(), "numpy": numpy.__version__, "opencv": cv2.__version__,
                "pydicom": pydicom.__version__, "nibabel": nibabel.__version__}
    rows, left_out = [], {}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        for case in all_cases(tmp):
            if a.only and case["name"] not in a.only.split(",") and case["kind"] not in a.only.split(","):
                continue
            files, skipped = usable_files(a.aims, case, tmp)
            left_out.update(skipped)
            if not files:
                print(f"{case['name']}: no file both sides convert, skipped", file=sys.stderr)
                continue
            row = {k: case[k] for k in ["name", "peer", "modality", "format"]}
            row["files"] = files
            for label, n in [("oneCore", 1), ("twoCores", 2)]:
                out = os.path.join(tmp, f"{case['name']}_{n}")
                os.makedirs(out)
                ps, s, images = time_pair(a.aims, case, files, a.repetitions, n, out)
                row[label] = {"peerSeconds": ps, "aimsSeconds": s, "peerFilesPerSecond": images / ps,
                              "aimsFilesPerSecond": images / s, "ratio": ps / s}
                row["images"] = images
                print(f"{case['name']} {label}: peer {images / ps:.1f} files/s, aims {images / s:.1f} files/s, x{ps / s:.2f}", file=sys.stderr)
            rows.append(row)
    load.append(os.getloadavg()[0])
    return {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "repetitions": a.repetitions, "loadAverage": load,
            "command": "python3 scripts/bench_convert.py --all" + (f" --only {a.only}" if a.only else "") + f" --repetitions {a.repetitions}",
            "versions": versions, "rows": rows, "leftOut": left_out}


def markdown(r):
    lines = [f"`{r['command']}`, {r['date']}, {r['machine']} (1-minute load average {r['loadAverage'][0]:.1f} at the start, "
             f"{r['loadAverage'][1]:.1f} at the end); best of {r['repetitions']} alternating rounds; files/s = converted images per second.", "",
             "| modality | peer | files (images) | 1 core: peer | aims | aims/peer | 2 cores: peer | aims | aims/peer |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        one, two = row["oneCore"], row["twoCores"]
        lines.append(f"| {row['name']} | {row['peer']} | {len(row['files'])} ({row['images']}) | {one['peerFilesPerSecond']:.1f} | "
                     f"{one['aimsFilesPerSecond']:.1f} | **{one['ratio']:.2f}** | {two['peerFilesPerSecond']:.1f} | "
                     f"{two['aimsFilesPerSecond']:.1f} | **{two['ratio']:.2f}** |")
    if r["leftOut"]:
        lines += ["", "Left out: " + "; ".join(f"{os.path.basename(k)} ({v.split(':')[0]})" for k, v in sorted(r["leftOut"].items()))]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thermal", nargs="?", const=os.path.join(ROOT, "fixtures", "thermal"), default=None,
                    help="instead: thermal conversion against flirpy on the FFF/SEQ files of this folder")
    ap.add_argument("mosaic", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "polarization",
                                                              "polarizer_IMX250MZR.png"))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--aims", default=os.path.join(ROOT, ".build", "release", "aims"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--separate", action="store_true", help="aims times stokes, dolp and aolp one by one")
    ap.add_argument("--all", action="store_true", help="every modality against its peer, one core and both cores (see above)")
    ap.add_argument("--only", help="with --all: these cases only (comma-separated names or kinds, e.g. dicom,nifti)")
    a = ap.parse_args()
    if a.all:
        r = bench_all(a)
        print(json.dumps(r, indent=1, sort_keys=True) if a.json else markdown(r))
        return
    if a.thermal:
        r = thermal_side(a.thermal, a.repetitions, a.aims)
        print(json.dumps(r, indent=1, sort_keys=True) if a.json else
              f"{', '.join(r['files'])}: flirpy {r['flirpySeconds']:.4f} s, aims {r['aimsSeconds']:.4f} s, ratio {r['speedup']:.2f}")
        return
    ref = python_side(a.mosaic, a.repetitions)
    out = subprocess.run([a.aims, "bench", "convert", "--input", a.mosaic, "--repetitions", str(a.repetitions), "--json"]
                         + (["--separate"] if a.separate else []),
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    result = {"mosaic": a.mosaic, "repetitions": a.repetitions, "polanalyser": ref, "aims": ours,
              "speedup": ref["totalSeconds"] / ours["totalSeconds"]}
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=True))
        return
    print(f"{os.path.basename(a.mosaic)}: {ours['width']}x{ours['height']}, best of {a.repetitions}")
    print(f"{'stage':10s} {'polanalyser':>12s} {'aims':>10s} {'ratio':>7s}")
    rows = ["decode", "demosaic", "stokes", "dolp", "aolp"]
    if "polarimetry" in ours["seconds"]:  # aims fuses the last three stages into one pass
        rows = rows[:2] + ["polarimetry"]
        ref["seconds"]["polarimetry"] = sum(ref["seconds"][k] for k in ["stokes", "dolp", "aolp"])
    for stage in rows:
        p, s = ref["seconds"][stage], ours["seconds"].get(stage, float("nan"))
        print(f"{stage:10s} {p:12.4f} {s:10.4f} {p / s:7.2f}")
    print(f"{'total':10s} {ref['totalSeconds']:12.4f} {ours['totalSeconds']:10.4f} {result['speedup']:7.2f}")


if __name__ == "__main__":
    sys.exit(main())
