#!/usr/bin/env python3
"""Writes fixtures/sam/: a small SAM built from the official segment-anything classes with seeded
random weights, its state dict (torch .pth and Hugging Face-named safetensors) and reference
inputs, outputs and gradients (safetensors).

    pip install segment-anything safetensors   # torch (CPU) must be installed
    python3 scripts/make_sam_fixtures.py

segment_anything/__init__ imports torchvision (only for utils.transforms, unused here); when
torchvision is absent a stub module is installed so that the modeling classes can be imported.
"""
import os
import sys
import types

import torch
import torch.nn.functional as F

try:
    import torchvision  # noqa: F401
except ImportError:
    tv = types.ModuleType("torchvision")
    tvt = types.ModuleType("torchvision.transforms")
    tvf = types.ModuleType("torchvision.transforms.functional")
    tvo = types.ModuleType("torchvision.ops")
    tvb = types.ModuleType("torchvision.ops.boxes")
    tvf.resize = tvf.to_pil_image = tvb.batched_nms = tvb.box_area = None
    tv.__path__ = []
    tv.transforms, tvt.functional, tv.ops, tvo.boxes = tvt, tvf, tvo, tvb
    sys.modules.update({"torchvision": tv, "torchvision.transforms": tvt, "torchvision.transforms.functional": tvf,
                        "torchvision.ops": tvo, "torchvision.ops.boxes": tvb})

from functools import partial

from safetensors.torch import save_file
from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sam")

# The small model (see fixtures/README.md `## sam`).
IMG, PATCH, EMBED, DEPTH, HEADS, GLOBAL, WINDOW, PROMPT = 64, 8, 48, 3, 3, (1,), 3, 32
GRID = IMG // PATCH


def build():
    torch.manual_seed(0)
    enc = ImageEncoderViT(depth=DEPTH, embed_dim=EMBED, img_size=IMG, mlp_ratio=4,
                          norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_heads=HEADS, patch_size=PATCH,
                          qkv_bias=True, use_rel_pos=True, global_attn_indexes=GLOBAL, window_size=WINDOW,
                          out_chans=PROMPT)
    pe = PromptEncoder(embed_dim=PROMPT, image_embedding_size=(GRID, GRID), input_image_size=(IMG, IMG), mask_in_chans=16)
    dec = MaskDecoder(num_multimask_outputs=3,
                      transformer=TwoWayTransformer(depth=2, embedding_dim=PROMPT, mlp_dim=64, num_heads=4),
                      transformer_dim=PROMPT, iou_head_depth=3, iou_head_hidden_dim=PROMPT)
    sam = Sam(image_encoder=enc, prompt_encoder=pe, mask_decoder=dec)
    sam.eval()
    # Exercise the tensors that are zero or one at init (rel_pos, pos_embed, norms).
    with torch.no_grad():
        for name, t in sam.state_dict().items():
            if "rel_pos" in name or "pos_embed" in name:
                t.copy_(torch.randn_like(t) * 0.5)
            elif t.dim() == 1 and ("norm" in name or "neck.1" in name or "neck.3" in name
                                   or "output_upscaling.1" in name or "mask_downscaling.1" in name
                                   or "mask_downscaling.4" in name):
                t.add_(torch.randn_like(t) * 0.2)
    return sam


# segment-anything -> transformers key map (convert_sam_to_hf.py; docs/REFERENCE.md §1.8).
RULES = [
    ("iou_prediction_head.layers.0", "iou_prediction_head.proj_in"),
    ("iou_prediction_head.layers.1", "iou_prediction_head.layers.0"),
    ("iou_prediction_head.layers.2", "iou_prediction_head.proj_out"),
    ("mask_decoder.output_upscaling.0", "mask_decoder.upscale_conv1"),
    ("mask_decoder.output_upscaling.1", "mask_decoder.upscale_layer_norm"),
    ("mask_decoder.output_upscaling.3", "mask_decoder.upscale_conv2"),
    ("mask_downscaling.0", "mask_embed.conv1"),
    ("mask_downscaling.1", "mask_embed.layer_norm1"),
    ("mask_downscaling.3", "mask_embed.conv2"),
    ("mask_downscaling.4", "mask_embed.layer_norm2"),
    ("mask_downscaling.6", "mask_embed.conv3"),
    ("point_embeddings", "point_embed"),
    ("pe_layer.positional_encoding_gaussian_matrix", "shared_embedding.positional_embedding"),
    ("image_encoder", "vision_encoder"),
    ("neck.0", "neck.conv1"),
    ("neck.1", "neck.layer_norm1"),
    ("neck.2", "neck.conv2"),
    ("neck.3", "neck.layer_norm2"),
    ("patch_embed.proj", "patch_embed.projection"),
    (".norm", ".layer_norm"),
    ("blocks", "layers"),
]


def hf_name(key):
    import re
    for old, new in RULES:
        if old in key:
            key = key.replace(old, new)
    m = re.match(r".*.output_hypernetworks_mlps.(\d+).layers.(\d+).*", key)
    if m:
        n = int(m.group(2))
        key = key.replace(f"layers.{n}", {0: "proj_in", 1: "layers.0", 2: "proj_out"}[n])
    return key


def main():
    os.makedirs(OUT, exist_ok=True)
    sam = build()
    sd = {k: v.detach().clone().contiguous() for k, v in sam.state_dict().items()}
    torch.save(sd, os.path.join(OUT, "sam_tiny.pth"))
    hf = {hf_name(k): v for k, v in sd.items()}
    # HF ties the Gaussian matrix: a saved file may carry only the shared_image_embedding name.
    hf["shared_image_embedding.positional_embedding"] = hf.pop("prompt_encoder.shared_embedding.positional_embedding")
    hf["pixel_mean"] = torch.tensor([123.675, 116.28, 103.53]).reshape(3, 1, 1)
    hf["pixel_std"] = torch.tensor([58.395, 57.12, 57.375]).reshape(3, 1, 1)
    save_file(hf, os.path.join(OUT, "sam_tiny_hf.safetensors"))

    g = torch.Generator().manual_seed(1)
    enc, pe, dec = sam.image_encoder, sam.prompt_encoder, sam.mask_decoder
    out = {}
    with torch.no_grad():
        image = torch.randn(2, 3, IMG, IMG, generator=g)
        emb = enc(image)
        out["image"], out["image_embeddings"] = image, emb
        # Prompts: image 0 gets two points (a positive and a negative click) and a padding point
        # is appended; image 1 gets one point plus a box (no padding) and a low-res mask input.
        pts0 = torch.tensor([[[10.0, 20.0], [50.5, 33.0]]]); lab0 = torch.tensor([[1, 0]])
        pts1 = torch.tensor([[[40.0, 12.0], [3.0, 60.0]]]); lab1 = torch.tensor([[1, 1]])
        box1 = torch.tensor([[5.0, 7.0, 45.0, 58.0]])
        mask1 = torch.randn(1, 1, 4 * GRID, 4 * GRID, generator=g) * 3
        out.update(points0=pts0, labels0=lab0.float(), points1=pts1, labels1=lab1.float(), box1=box1, mask1=mask1)
        sp0, de0 = pe(points=(pts0, lab0), boxes=None, masks=None)
        sp1, de1 = pe(points=(pts1, lab1), boxes=box1, masks=mask1)
        out.update(sparse0=sp0, dense0=de0, sparse1=sp1, dense1=de1, dense_pe=pe.get_dense_pe())
        # Box only (no points) and several prompts for one image (repeat_interleave over prompts).
        boxes2 = torch.tensor([[5.0, 7.0, 45.0, 58.0], [0.0, 0.0, 63.0, 31.5]])
        sp2, de2 = pe(points=None, boxes=boxes2, masks=None)
        out.update(boxes2=boxes2, sparse2=sp2, dense2=de2)
        dense_pe = pe.get_dense_pe()
        for mm in (False, True):
            tag = "multi" if mm else "single"
            l0, i0 = dec(emb[0:1], dense_pe, sp0, de0, multimask_output=mm)
            l1, i1 = dec(emb[1:2], dense_pe, sp1, de1, multimask_output=mm)
            out[f"logits_{tag}"] = torch.cat([l0, l1]); out[f"iou_{tag}"] = torch.cat([i0, i1])
            l2, i2 = dec(emb[0:1], dense_pe, sp2, de2, multimask_output=mm)
            out[f"logits2_{tag}"] = l2; out[f"iou2_{tag}"] = i2

        # Input size different from the build size (non-square 64x96): pos_embed resized bicubically
        # (align_corners=False; our documented choice), rel-pos tables of the global block
        # interpolated by the official get_rel_pos.
        wide = torch.randn(1, 3, IMG, IMG + 32, generator=g)
        x = enc.patch_embed(wide)
        pos = F.interpolate(enc.pos_embed.permute(0, 3, 1, 2), size=x.shape[1:3], mode="bicubic",
                            align_corners=False).permute(0, 2, 3, 1)
        x = x + pos
        for blk in enc.blocks:
            x = blk(x)
        out["wide_image"], out["wide_embeddings"] = wide, enc.neck(x.permute(0, 3, 1, 2))
        out["wide_pos_embed"] = pos
        # The prompt encoder for that geometry (same weights; grid 8x12, input 64x96) and the decoder.
        pe_wide = PromptEncoder(embed_dim=PROMPT, image_embedding_size=(GRID, GRID + 4), input_image_size=(IMG, IMG + 32),
                                mask_in_chans=16)
        pe_wide.load_state_dict(pe.state_dict())
        sp, de = pe_wide(points=(pts0, lab0), boxes=None, masks=None)
        wl, wi = dec(out["wide_embeddings"], pe_wide.get_dense_pe(), sp, de, multimask_output=True)
        out["wide_sparse"], out["wide_logits"], out["wide_iou"] = sp, wl, wi
        rp = enc.blocks[GLOBAL[0]].attn.rel_pos_w
        out["wide_rel_pos_w_table"] = F.interpolate(rp.reshape(1, rp.shape[0], -1).permute(0, 2, 1),
                                                    size=2 * x.shape[2] - 1, mode="linear").reshape(-1, 2 * x.shape[2] - 1).permute(1, 0)

    # Gradient case: loss = sum(logits_single(image 0 prompts) * R0) + sum(logits_multi(image 1 prompts) * R1)
    #                      + sum(iou * r) for both + sum(logits(box-only prompts, single) * R2)
    sam.zero_grad()
    image = out["image"].clone().requires_grad_(True)
    emb = enc(image)
    dense_pe = pe.get_dense_pe()
    sp0, de0 = pe(points=(pts0, lab0), boxes=None, masks=None)
    sp1, de1 = pe(points=(pts1, lab1), boxes=box1, masks=mask1)
    sp2, de2 = pe(points=None, boxes=boxes2[0:1], masks=None)
    l0, i0 = dec(emb[0:1], dense_pe, sp0, de0, multimask_output=False)
    l1, i1 = dec(emb[1:2], dense_pe, sp1, de1, multimask_output=True)
    l2, i2 = dec(emb[1:2], dense_pe, sp2, de2, multimask_output=False)
    R0, R1, R2 = (torch.randn(t.shape, generator=g) for t in (l0, l1, l2))
    r0, r1 = torch.randn(i0.shape, generator=g), torch.randn(i1.shape, generator=g)
    loss = (l0 * R0).sum() + (l1 * R1).sum() + (l2 * R2).sum() + (i0 * r0).sum() + (i1 * r1).sum()
    loss.backward()
    grads = {"loss": loss.detach().reshape(1), "R0": R0, "R1": R1, "R2": R2, "r0": r0, "r1": r1,
             "grad.image": image.grad}
    for name, p in sam.named_parameters():
        grads["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
        if p.grad is None:
            print("no gradient:", name)
    save_file({k: v.detach().float().contiguous() for k, v in out.items()}, os.path.join(OUT, "reference.safetensors"))
    save_file({k: v.detach().float().contiguous() for k, v in grads.items()}, os.path.join(OUT, "gradients.safetensors"))
    n = sum(v.numel() for k, v in sd.items() if "positional_encoding_gaussian_matrix" not in k)
    print("parameters:", n, "tensors:", len(sd))


def processing(sam):
    """Pre/post-processing truths (fixtures/sam/processing.safetensors)."""
    from segment_anything.utils.transforms import ResizeLongestSide
    g = torch.Generator().manual_seed(2)
    t = ResizeLongestSide(IMG)
    out = {}
    # Downscale (antialias active) and upscale cases; the official apply_image_torch passes B and C
    # to get_preprocess_shape by mistake, so the size is computed from H and W here.
    for tag, (h, w) in {"down": (77, 101), "up": (20, 30)}.items():
        img = torch.rand(1, 3, h, w, generator=g) * 255
        nh, nw = t.get_preprocess_shape(h, w, IMG)
        out[f"{tag}_image"] = img
        out[f"{tag}_resized"] = F.interpolate(img, (nh, nw), mode="bilinear", align_corners=False, antialias=True)
    h, w = 77, 101
    nh, nw = t.get_preprocess_shape(h, w, IMG)
    coords = torch.tensor([[[0.0, 0.0], [100.0, 76.0], [37.3, 12.9]]])
    boxes = torch.tensor([[3.0, 4.0, 90.5, 70.25]])
    out["coords"], out["coords_resized"] = coords, t.apply_coords_torch(coords, (h, w))
    out["boxes"], out["boxes_resized"] = boxes, t.apply_boxes_torch(boxes, (h, w))
    resized = out["down_resized"]
    out["preprocessed"] = sam.preprocess(resized)          # normalise with SAM's pixel stats, pad to IMG
    out["stretched"] = F.interpolate(out["down_image"], (IMG, IMG), mode="bilinear", align_corners=False)
    low = torch.randn(1, 2, 4 * GRID, 4 * GRID, generator=g)
    out["low_res"] = low
    with torch.no_grad():
        out["postprocessed"] = sam.postprocess_masks(low, (nh, nw), (h, w))
    # The official predictor on the torch-resized image (set_torch_image / predict_torch), two clicks
    # in original-image pixels, multimask logits at the original size.
    from segment_anything import SamPredictor
    predictor = SamPredictor(sam)
    with torch.no_grad():
        predictor.set_torch_image(resized, (h, w))
        clicks, click_labels = torch.tensor([[[30.0, 40.0], [80.0, 20.0]]]), torch.tensor([[1, 0]])
        m, iou, low = predictor.predict_torch(t.apply_coords_torch(clicks, (h, w)), click_labels,
                                              multimask_output=True, return_logits=True)
    out.update(predictor_clicks=clicks, predictor_labels=click_labels.float(), predictor_masks=m,
               predictor_iou=iou, predictor_low_res=low)
    save_file({k: v.float().contiguous() for k, v in out.items()}, os.path.join(OUT, "processing.safetensors"))


if __name__ == "__main__":
    main()
    processing(build())
