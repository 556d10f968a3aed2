#!/usr/bin/env python3
"""Writes the tensor-file fixtures of aims into fixtures/tensors/ (NPY by NumPy, safetensors by the
`safetensors` package, .pth by torch.save) and, for each file F, a sidecar F.json holding what the
writing library says the file contains:

    {"file": F, "format": "npy"|"safetensors"|"pytorch",
     "tensors": [{"name", "dtype" (aims DType raw value), "shape", "values" (row-major, as numbers)}],
     "metadata": {str: str}}                      # only the keys the reader must report

Files that a reader must reject have "error": "<kind>" instead (kind = TensorFileError case name).
With --lite-medsam PATH it also writes lite_medsam_expected.json from torch.load of the checkpoint.
Run from the repository root:  python3 scripts/make_tensor_fixtures.py [--lite-medsam ~/.cache/aims/lite_medsam.pth]
Needs numpy, torch (CPU) and safetensors. The NPY and safetensors bytes are deterministic; torch.save
writes a random .data/serialization_id, so .pth bytes (not their content) change on every run.
"""
import argparse, collections, io, json, os, sys, zipfile
import numpy as np
import torch
import safetensors.torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "tensors")
DT = {np.bool_: "bool", np.int8: "int8", np.uint8: "uint8", np.int16: "int16", np.uint16: "uint16",
      np.int32: "int32", np.uint32: "uint32", np.int64: "int64", np.uint64: "uint64",
      np.float16: "float16", np.float32: "float32", np.float64: "float64"}
TDT = {torch.bool: "bool", torch.int8: "int8", torch.uint8: "uint8", torch.int16: "int16", torch.int32: "int32",
       torch.int64: "int64", torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
       torch.float64: "float64"}


def values_np(a):
    return [float(v) for v in np.ascontiguousarray(a).reshape(-1).astype(np.float64)]


def values_t(t):
    return [float(v) for v in t.detach().contiguous().reshape(-1).to(torch.float64).tolist()]


def sidecar(name, fmt, tensors, metadata=None, error=None):
    doc = {"file": name, "format": fmt}
    if error:
        doc["error"] = error
    else:
        doc["tensors"] = tensors
        doc["metadata"] = metadata or {}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


def sample(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == np.bool_:
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -1000), min(info.max, 1000)
        v = rng.integers(lo, hi + 1, n).astype(dtype)
        if n >= 2:
            v[0], v[1] = info.min if info.min > -(1 << 24) else -(1 << 24), info.max if info.max < (1 << 24) else (1 << 24)
        return v.reshape(shape)
    return (rng.standard_normal(n) * 3).astype(dtype).reshape(shape)


def npy(name, arr, version=None, order_name=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=version)
    sidecar(name, "npy", [{"name": name[:-4], "dtype": DT[arr.dtype.type], "shape": list(arr.shape), "values": values_np(arr)}])


def make_npy():
    for i, dt in enumerate(DT):
        npy(f"le_{DT[dt]}.npy", sample(dt, (2, 3), i))
    for i, dt in enumerate([np.int16, np.uint32, np.float32, np.float64, np.float16, np.int64]):
        npy(f"be_{DT[dt]}.npy", sample(dt, (3, 2), 100 + i).astype(np.dtype(dt).newbyteorder(">")))
    npy("fortran_float32.npy", np.asfortranarray(sample(np.float32, (3, 4), 200)))
    npy("fortran_be_int16_3d.npy", np.asfortranarray(sample(np.int16, (2, 3, 4), 201).astype(">i2")))
    npy("v2_float32.npy", sample(np.float32, (2, 2, 2), 300), version=(2, 0))
    npy("v3_uint8.npy", sample(np.uint8, (5,), 301), version=(3, 0))
    npy("scalar_float64.npy", np.array(2.5, dtype=np.float64))
    npy("empty_float32.npy", np.zeros((0, 3), dtype=np.float32))


def st_entry(name, t):
    return {"name": name, "dtype": TDT[t.dtype], "shape": list(t.shape), "values": values_t(t)}


def make_safetensors():
    g = torch.Generator().manual_seed(7)
    tensors = {
        "w.f32": torch.randn(3, 4, generator=g),
        "w.f16": torch.randn(2, 3, generator=g).half(),
        "w.bf16": torch.randn(5, generator=g).bfloat16(),
        "w.f64": torch.randn(2, 2, generator=g).double(),
        "i.i64": torch.tensor([-5, 0, 7, 1 << 20], dtype=torch.int64),
        "i.i32": torch.tensor([[-2, 3], [4, -100000]], dtype=torch.int32),
        "i.i16": torch.tensor([-32768, 32767, 1], dtype=torch.int16),
        "i.i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "i.u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "b.bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(1.5),
        "empty": torch.zeros(0, 4),
    }
    meta = {"format": "pt", "note": "aims fixture"}
    safetensors.torch.save_file(tensors, os.path.join(OUT, "mixed.safetensors"), metadata=meta)
    with open(os.path.join(OUT, "mixed.safetensors"), "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    order = sorted((k for k in header if k != "__metadata__"), key=lambda k: (header[k]["data_offsets"], k))
    sidecar("mixed.safetensors", "safetensors", [st_entry(k, tensors[k]) for k in order], meta)
    # F32/F16/BF16 with one metadata key: the Swift writer must reproduce these bytes exactly
    small = {"b": torch.randn(2, 3, generator=g), "a": torch.randn(4, generator=g),
             "h": torch.randn(3, generator=g).half(), "z": torch.randn(2, generator=g).bfloat16()}
    safetensors.torch.save_file(small, os.path.join(OUT, "writer_reference.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(OUT, "writer_reference.safetensors"), "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    order = sorted((k for k in header if k != "__metadata__"), key=lambda k: (header[k]["data_offsets"], k))
    sidecar("writer_reference.safetensors", "safetensors", [st_entry(k, small[k]) for k in order], {"format": "pt"})


def flat(obj, prefix, out):
    if isinstance(obj, torch.Tensor):
        out.append(st_entry(prefix or "tensor", obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            flat(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            flat(v, f"{prefix}.{i}" if prefix else str(i), out)
    return out


def pth(name, obj, metadata=None):
    path = os.path.join(OUT, name)
    torch.save(obj, path)
    sidecar(name, "pytorch", flat(obj, "", []), metadata)


def make_pth():
    g = torch.Generator().manual_seed(11)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(2, 1, 2, 2, generator=g)
    sd["conv.bias"] = torch.randn(2, generator=g)
    sd["half"] = torch.randn(3, generator=g).half()
    sd["bf16"] = torch.randn(3, generator=g).bfloat16()
    sd["double"] = torch.randn(2, 2, generator=g).double()
    sd["long"] = torch.tensor([-3, 1 << 30, 5])
    sd["int"] = torch.tensor([7, -8], dtype=torch.int32)
    sd["short"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["char"] = torch.tensor([-7, 9], dtype=torch.int8)
    sd["byte"] = torch.tensor([0, 200], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False])
    sd["scalar"] = torch.tensor(3.25)
    sd["empty"] = torch.zeros(0, 2)
    pth("state.pth", sd)

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = collections.OrderedDict()
    views["base"] = base
    views["transposed"] = base.t()
    views["slice"] = base[1:3, 2:5]
    views["row"] = base[2]
    views["strided"] = base[::2, ::3]
    views["expanded"] = base[1:2].expand(3, 6)
    views["column"] = base[:, 4]
    pth("views.pth", views)

    model = collections.OrderedDict((f"layer.{i}.weight", torch.randn(2, 2, generator=g)) for i in range(3))
    ckpt = {"epoch": 3, "model": model, "best_iou": 0.625, "path_helper": {"prefix": "runs/x", "ckpt_path": None},
            "flag": True,
            "optimizer": {"state": {0: {"step": torch.tensor(5.0), "exp_avg": torch.ones(2, 2)}},
                          "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1, 2]}]},
            "param": torch.nn.Parameter(torch.randn(3, generator=g))}
    pth("checkpoint.pth", ckpt, {"epoch": "3", "best_iou": "0.625", "path_helper.prefix": "runs/x",
                                  "path_helper.ckpt_path": "None", "flag": "True",
                                  "optimizer.param_groups.0.lr": "0.001", "optimizer.param_groups.0.params.2": "2"})

    many = collections.OrderedDict((f"t{i:03d}", torch.full((1,), float(i))) for i in range(300))
    pth("many.pth", many)
    torch.save(torch.nn.Parameter(torch.arange(4, dtype=torch.float32)), os.path.join(OUT, "parameter.pth"))
    sidecar("parameter.pth", "pytorch", [st_entry("tensor", torch.arange(4, dtype=torch.float32))])

    # Rejected inputs
    import argparse
    torch.save({"w": torch.ones(1), "args": argparse.Namespace(lr=1)}, os.path.join(OUT, "forbidden_global.pth"))
    sidecar("forbidden_global.pth", "pytorch", None, error="forbiddenGlobal")
    rezip("state.pth", "deflated.pth", zipfile.ZIP_DEFLATED, False)
    sidecar("deflated.pth", "pytorch", None, error="unsupported")
    # Same content, re-stored by Python's zipfile with ZIP64 local extra fields (different offsets)
    rezip("state.pth", "zip64_local.pth", zipfile.ZIP_STORED, True)
    with open(os.path.join(OUT, "state.pth.json")) as f:
        doc = json.load(f)
    sidecar("zip64_local.pth", "pytorch", doc["tensors"])


def rezip(src, dst, method, zip64):
    with zipfile.ZipFile(os.path.join(OUT, src)) as zin, zipfile.ZipFile(os.path.join(OUT, dst), "w", method) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = method
            with zout.open(zi, "w", force_zip64=zip64) as f:
                f.write(zin.read(info.filename))


def make_lite_medsam(path):
    sd = torch.load(path, map_location="cpu", weights_only=True)
    if "model" in sd and not isinstance(sd["model"], torch.Tensor):
        sd = sd["model"]
    keys = list(sd.keys())
    picks = {}
    for k in [keys[0], "image_encoder.patch_embed.seq.0.c.weight", keys[len(keys) // 2], keys[-1]]:
        t = sd[k]
        picks[k] = {"shape": list(t.shape), "dtype": TDT[t.dtype], "first": values_t(t.reshape(-1)[:4]),
                    "sum": float(t.double().sum())}
    doc = {"count": len(keys), "elements": int(sum(t.numel() for t in sd.values())), "keys": keys,
           "shapes": [list(sd[k].shape) for k in keys], "dtypes": [TDT[sd[k].dtype] for k in keys], "picks": picks}
    with open(os.path.join(OUT, "lite_medsam_expected.json"), "w") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lite-medsam", help="path of lite_medsam.pth (scripts/fetch-weights)")
    ap.add_argument("--lite-medsam-only", action="store_true", help="only rewrite lite_medsam_expected.json")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if not args.lite_medsam_only:
        make_npy()
        make_safetensors()
        make_pth()
    if args.lite_medsam:
        make_lite_medsam(os.path.expanduser(args.lite_medsam))
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"fixtures/tensors: {len(os.listdir(OUT))} files, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
