#!/usr/bin/env python3
"""Writes fixtures/amg/: what segment-anything's automatic mask generation (SamAutomaticMaskGenerator, the
`aims predict --everything` algorithm) keeps from fixed synthetic model outputs.

The model is replaced, nothing else: a fake SamPredictor returns seeded low-resolution logits
[N, 3, 12, 12] and IoU predictions [N, 3] for each batch of point prompts, in call order (crop by crop,
batch by batch), upsampled to the crop's size by integer nearest neighbour (row y of an h-row crop
reads low-res row y * 12 // h; the same for columns), so the masks at crop size are exact on both sides.
SamAutomaticMaskGenerator.generate itself then runs unchanged: point grids (build_all_layer_point_grids),
crop boxes (generate_crop_boxes), batch_iterator, the predicted-IoU filter, calculate_stability_score,
batched_mask_to_box, is_box_near_crop_edge, uncrop_masks / uncrop_boxes_xyxy / uncrop_points, MaskData,
torchvision's batched_nms within and across crops, postprocess_small_regions (remove_small_regions,
OpenCV's connected components), output_mode "uncompressed_rle".

Per case (fixtures/amg/<case>/):
- low_res_logits.npy  float32 [N, 3, 12, 12], every crop's points in call order
- iou_predictions.npy float32 [N, 3]
- expected.json       the generator's options, image size, crop boxes (XYXY) and their layers, the points fed
                      per crop (crop pixels, float64), and every returned mask in order: RLE counts (column-major,
                      first count = leading zeros), area, bbox (XYWH as segment-anything: w = x1 - x0),
                      predicted_iou, stability_score, point_coords, crop_box (XYWH)
fixtures/amg/geometry.json: build_all_layer_point_grids and generate_crop_boxes for a few sizes.

Usage: python3 scripts/make_amg_fixtures.py
(recorded run: Python 3.11, torch 2.15.0, torchvision 0.29.2, segment-anything 1.0, opencv-python-headless 4.14.0.94,
numpy 2.4.6)
"""
import json
import os
import types

import cv2
import numpy as np
import segment_anything
import torch
import torchvision
from segment_anything import SamAutomaticMaskGenerator
from segment_anything.utils import amg

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "amg")
LOW = 12          # low-resolution mask side
H, W = 64, 80     # image size (height, width)


class FakePredictor:
    """SamPredictor's surface as SamAutomaticMaskGenerator uses it, serving the fixture's outputs in order."""

    def __init__(self, logits, ious):
        self.logits, self.ious = logits, ious
        self.cursor = 0
        self.size = None
        self.device = torch.device("cpu")
        self.model = types.SimpleNamespace(mask_threshold=0.0)
        self.transform = segment_anything.utils.transforms.ResizeLongestSide(1024)
        self.points = []  # per crop, the points fed (crop pixels)

    def set_image(self, image):
        self.size = image.shape[:2]
        self.points.append([])

    def reset_image(self):
        pass

    def predict_torch(self, point_coords, point_labels, multimask_output=True, return_logits=True):
        assert multimask_output and return_logits
        n = point_coords.shape[0]
        low = self.logits[self.cursor:self.cursor + n]
        iou = self.ious[self.cursor:self.cursor + n]
        self.cursor += n
        h, w = self.size
        ys = (np.arange(h) * LOW) // h
        xs = (np.arange(w) * LOW) // w
        masks = low[:, :, ys][:, :, :, xs]
        return torch.from_numpy(np.ascontiguousarray(masks)), torch.from_numpy(iou), torch.from_numpy(low)


def synthetic_outputs(rng, points_per_crop, crop_sizes):
    """Three blob masks per point around the point (low-res grid), with some unstable (flat) logits, islands
    and holes; IoU predictions uniform in [0.8, 1)."""
    logits, ious = [], []
    yy, xx = np.mgrid[0:LOW, 0:LOW].astype(np.float64)
    for points, (h, w) in zip(points_per_crop, crop_sizes):
        for (px, py) in points:
            cx, cy = px * LOW / w - 0.5, py * LOW / h - 0.5
            for k, base in enumerate((1.2, 2.2, 3.5)):
                r = base * rng.uniform(0.7, 1.3)
                amp = rng.choice([0.5, 4.0, 30.0], p=[0.2, 0.3, 0.5])
                d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
                m = amp * (r - d) + rng.normal(0, 0.3, (LOW, LOW))
                u = rng.uniform()
                if u < 0.25:    # an island away from the blob
                    m[rng.integers(LOW), rng.integers(LOW)] = 5.0
                elif u < 0.5:   # a hole inside it
                    m[int(np.clip(round(cy), 0, LOW - 1)), int(np.clip(round(cx), 0, LOW - 1))] = -5.0
                logits.append(m.astype(np.float32))
            ious.append(rng.uniform(0.8, 1.0, 3))
    n = len(ious)
    return (np.stack(logits).reshape(n, 3, LOW, LOW).astype(np.float32), np.stack(ious).astype(np.float32))


def run_case(name, seed, options):
    rng = np.random.default_rng(seed)
    crop_boxes, layers = amg.generate_crop_boxes((H, W), options.get("crop_n_layers", 0),
                                                 options.get("crop_overlap_ratio", 512 / 1500))
    grids = amg.build_all_layer_point_grids(options["points_per_side"], options.get("crop_n_layers", 0),
                                            options.get("crop_n_points_downscale_factor", 1))
    sizes = [(y1 - y0, x1 - x0) for x0, y0, x1, y1 in crop_boxes]
    points = [grids[layer] * np.array([w, h])[None, :] for layer, (h, w) in zip(layers, sizes)]
    logits, ious = synthetic_outputs(rng, points, sizes)

    fake_model = types.SimpleNamespace(image_encoder=types.SimpleNamespace(img_size=1024))
    generator = SamAutomaticMaskGenerator(fake_model, output_mode="uncompressed_rle", **options)
    generator.predictor = FakePredictor(logits, ious)
    anns = generator.generate(np.zeros((H, W, 3), np.uint8))
    assert generator.predictor.cursor == len(logits), "every synthetic output consumed"

    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "low_res_logits.npy"), logits)
    np.save(os.path.join(d, "iou_predictions.npy"), ious)
    masks = [{
        "counts": a["segmentation"]["counts"],
        "area": int(a["area"]),
        "bbox": [int(v) for v in a["bbox"]],
        "predicted_iou": float(a["predicted_iou"]),
        "stability_score": float(a["stability_score"]),
        "point_coords": [float(v) for v in a["point_coords"][0]],
        "crop_box": [int(v) for v in a["crop_box"]],
    } for a in anns]
    expected = {
        "options": options, "image_size": [H, W], "low_res_side": LOW,
        "crop_boxes": [[int(v) for v in b] for b in crop_boxes], "crop_layers": [int(v) for v in layers],
        "points": [p.tolist() for p in points],
        "masks": masks,
    }
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"{name}: {len(logits)} points x 3 masks in {len(crop_boxes)} crops -> {len(masks)} masks kept")


def geometry():
    grids = {f"{n},{layers},{scale}": [g.tolist() for g in amg.build_all_layer_point_grids(n, layers, scale)]
             for n, layers, scale in [(4, 0, 1), (8, 1, 2), (16, 2, 2), (9, 2, 3)]}
    crops = []
    for (h, w), layers, ratio in [((64, 80), 1, 512 / 1500), ((480, 640), 2, 512 / 1500), ((1080, 1920), 3, 512 / 1500),
                                  ((100, 37), 2, 512 / 1500), ((333, 500), 2, 0.25)]:
        boxes, idx = amg.generate_crop_boxes((h, w), layers, ratio)
        crops.append({"image_size": [h, w], "layers": layers, "overlap_ratio": ratio,
                      "boxes": [[int(v) for v in b] for b in boxes], "layer_indices": [int(v) for v in idx]})
    with open(os.path.join(OUT, "geometry.json"), "w") as f:
        json.dump({"point_grids": grids, "crop_boxes": crops}, f)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, opencv {cv2.__version__}, numpy {np.__version__}")
    run_case("grid8", 1, {"points_per_side": 8, "points_per_batch": 24})
    run_case("crops", 2, {"points_per_side": 8, "points_per_batch": 10, "pred_iou_thresh": 0.85,
                          "stability_score_thresh": 0.9, "box_nms_thresh": 0.6, "crop_n_layers": 1, "crop_nms_thresh": 0.5,
                          "crop_n_points_downscale_factor": 2, "min_mask_region_area": 40})
    geometry()


if __name__ == "__main__":
    main()
