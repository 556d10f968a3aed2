#!/usr/bin/env python3
"""Writes fixtures/simcmf/: one Adam step (lr 1e-3) of each SimCMF fine-tuning strategy on the small SAM of
fixtures/sam (rebuilt by make_sam_fixtures.build(), checked against sam_tiny.pth), with the simcmf
alignment module on a 4-channel input, and the forward outputs of every alignment module.
Each step_<strategy>.safetensors holds `loss`, `logits`, `init.<name>` (the added tensors' starting
values), `grad.<name>` (the gradient of every trainable tensor the loss reaches, after backward, before the
step) and
`step.<name>` (its value after the step).

    pip install segment-anything safetensors monai   # torch (CPU) must be installed
    python3 scripts/make_simcmf_fixtures.py

The SimCMF repository cannot be installed here, so its projector (`models/projector.py`,
`Pre_Callback_Post_Projector`) and PEFT modules (`models/sam_{lora,mlp_adapter,prompt,prefix}`) are
re-implemented below from docs/REFERENCE.md §3-4 on top of the official segment-anything classes; the forward
methods follow the reference line by line. Sizes are scaled down (LoRA rank 4, adapter 8, prompt 5,
prefix 4 tokens). The reference's `Sam.forward` is reproduced: prompt encoder under no_grad,
`multimask_output=False`, and `repeat_interleave` of the image embeddings only when batch sizes differ.
Prompt dropout is off (eval mode): its random masks cannot be matched across frameworks.
Zero-initialised tensors (LoRA B, adapter up, fc) are perturbed before the step so every path carries gradient.
"""
import math
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_sam_fixtures as base  # noqa: E402  (installs the torchvision stub)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from segment_anything.modeling.image_encoder import add_decomposed_rel_pos, window_partition, window_unpartition  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "simcmf")
C = 4
LORA_R, ADAPTER_R, PROMPT_L, PREFIX_L = 4, 8, 5, 4


# ---------------------------------------------------------------- projector (docs/REFERENCE.md §3)
class ProjLayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, c, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight * x + self.bias


class Projector(nn.Module):
    def __init__(self, proj_type, c, dim, patch, pretrained):
        super().__init__()
        self.proj_type = proj_type
        w, b = pretrained["image_encoder.patch_embed.proj.weight"], pretrained["image_encoder.patch_embed.proj.bias"]
        if proj_type == "baseline_a":
            self.zip_rgbx = nn.Identity()
            self.patch_embedding = nn.Conv2d(c, dim, patch, stride=patch)
        elif proj_type in ("baseline_b", "baseline_b_fixed"):
            pad = 1 if proj_type == "baseline_b" else 0
            self.zip_rgbx = nn.Sequential(nn.Conv2d(c, c * 4, 3, 1, padding=1), nn.ReLU(), nn.Conv2d(c * 4, 3, 1, 1, padding=pad))
            self.patch_embedding = nn.Conv2d(3, dim, patch, stride=patch)
            self.patch_embedding.load_state_dict({"weight": w, "bias": b})
        elif proj_type == "baseline_c":
            self.zip_rgbx = nn.Conv2d(c, 3, 1, 1)
            self.patch_embedding = nn.Conv2d(3, dim, patch, stride=patch)
            self.patch_embedding.load_state_dict({"weight": w, "bias": b})
        elif proj_type == "baseline_d":
            self.zip_rgbx = nn.Conv2d(c, 3, 1, 1)
        elif proj_type == "simcmf":
            self.moe = nn.Sequential(nn.Conv2d(c, c * 4, 3, 1, padding=1), ProjLayerNorm2d(c * 4), nn.ReLU(),
                                     nn.Conv2d(c * 4, c, 3, 1, padding=1), nn.AdaptiveAvgPool2d((1, 1)))
            self.zip_rgbx = nn.Conv2d(c, 3, 1, 1)
            self.group_patch_embedding = nn.ModuleList()
            for _ in range(c):
                m = nn.Conv2d(1, dim, patch, stride=patch)
                m.load_state_dict({"weight": w.sum(1, keepdim=True), "bias": b})
                self.group_patch_embedding.append(m)
            self.fc = nn.Linear(c, 1, bias=False)
            nn.init.zeros_(self.fc.weight)

    def forward(self, input, func):
        t = self.proj_type
        if t in ("baseline_a", "baseline_b", "baseline_b_fixed", "baseline_c"):
            return self.patch_embedding(self.zip_rgbx(input)).permute(0, 2, 3, 1)
        if t == "baseline_d":
            return func(self.zip_rgbx(input))
        if t == "zeroshot":   # the reference's intent for C < 3 (its replicate pad raises, docs/REFERENCE.md §9.3)
            x = input.repeat(1, 3, 1, 1) if input.shape[1] == 1 else input[:, :3]
            return func(x)
        weights = torch.sigmoid(self.moe(input))
        up_branch, down_branch = input * weights, input * (1 - weights)
        old = func(self.zip_rgbx(up_branch))
        n = input.shape[1]
        rgbx = down_branch.unsqueeze(2)
        novel = torch.stack([self.group_patch_embedding[i](rgbx[:, i]) for i in range(n)])
        novel = self.fc(novel.permute(1, 3, 4, 2, 0))[..., 0]
        return old + novel


# ---------------------------------------------------------------- PEFT (docs/REFERENCE.md §4)
class Adapter(nn.Module):
    def __init__(self, d, r, scale=0.1):
        super().__init__()
        self.down_proj = nn.Linear(d, r)
        self.up_proj = nn.Linear(r, d)
        nn.init.kaiming_uniform_(self.down_proj.weight, a=math.sqrt(5))
        nn.init.zeros_(self.down_proj.bias)
        nn.init.zeros_(self.up_proj.weight)
        nn.init.zeros_(self.up_proj.bias)
        self.scale = scale

    def forward(self, x):
        return self.up_proj(F.relu(self.down_proj(x))) * self.scale


def lora_pair(m, name, d_in, d_out):
    a, b = nn.Linear(d_in, LORA_R, bias=False), nn.Linear(LORA_R, d_out, bias=False)
    nn.init.kaiming_uniform_(a.weight, a=math.sqrt(5))
    nn.init.zeros_(b.weight)
    setattr(m, f"lora_{name}_a", a)
    setattr(m, f"lora_{name}_b", b)


def token_param(m, name, length, dim):
    p = nn.Parameter(torch.zeros(1, length, dim))
    val = math.sqrt(6. / float(3 * 16 + dim))
    nn.init.uniform_(p.data, -val, val)
    setattr(m, name, p)


def enc_attn_forward(self, x):
    B, H, W, _ = x.shape
    qkv = self.qkv(x).reshape(B, H * W, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.reshape(3, B * self.num_heads, H * W, -1).unbind(0)
    if self.peft == "lora":
        lq = self.lora_q_b(self.lora_q_a(x)).reshape(B, H * W, self.num_heads, -1).permute(0, 2, 1, 3).reshape(B * self.num_heads, H * W, -1)
        lv = self.lora_v_b(self.lora_v_a(x)).reshape(B, H * W, self.num_heads, -1).permute(0, 2, 1, 3).reshape(B * self.num_heads, H * W, -1)
        q, v = q + lq, v + lv
    L = 0
    if self.peft == "prompt":
        L = PROMPT_L
        prompt = self.prompt_dropout(self.deep_prompt_embeddings.expand(x.shape[0], -1, -1))
        pqkv = self.qkv(prompt).reshape(B, L, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        _, pk, pv = pqkv.reshape(3, B * self.num_heads, L, -1).unbind(0)
        k, v = torch.cat([k, pk], dim=1), torch.cat([v, pv], dim=1)
    if self.peft == "prefix":
        L = PREFIX_L
        kp = self.prefix_key_embeddings.expand(x.shape[0], -1, -1).reshape(B, L, self.num_heads, -1).permute(0, 2, 1, 3).flatten(0, 1)
        vp = self.prefix_value_embeddings.expand(x.shape[0], -1, -1).reshape(B, L, self.num_heads, -1).permute(0, 2, 1, 3).flatten(0, 1)
        k, v = torch.cat([k, kp], dim=1), torch.cat([v, vp], dim=1)
    attn = (q * self.scale) @ k.transpose(-2, -1)
    if L:
        attn[:, :, :-L] = add_decomposed_rel_pos(attn[:, :, :-L], q, self.rel_pos_h, self.rel_pos_w, (H, W), (H, W))
    else:
        attn = add_decomposed_rel_pos(attn, q, self.rel_pos_h, self.rel_pos_w, (H, W), (H, W))
    attn = attn.softmax(dim=-1)
    x = (attn @ v).view(B, self.num_heads, H, W, -1).permute(0, 2, 3, 1, 4).reshape(B, H, W, -1)
    return self.proj(x)


def block_forward(self, x):
    shortcut = x
    x = self.norm1(x)
    if self.window_size > 0:
        H, W = x.shape[1], x.shape[2]
        x, pad_hw = window_partition(x, self.window_size)
    x = self.attn(x)
    if self.window_size > 0:
        x = window_unpartition(x, self.window_size, pad_hw, (H, W))
    x = shortcut + x
    if hasattr(self, "Adapter_mlp"):
        return x + self.mlp(self.norm2(x)) + self.Adapter_mlp(x)
    return x + self.mlp(self.norm2(x))


def dec_attn_forward(self, q, k, v):
    B = q.shape[0]
    if self.peft == "prompt":
        k = torch.cat([k, self.prompt_dropout(self.deep_prompt_embeddings.expand(B, -1, -1))], dim=1)
        v = torch.cat([v, self.prompt_dropout(self.deep_prompt_embeddings.expand(B, -1, -1))], dim=1)
    if self.peft == "prefix":
        k = torch.cat([k, self.prefix_key_embeddings.expand(B, -1, -1)], dim=1)
        v = torch.cat([v, self.prefix_value_embeddings.expand(B, -1, -1)], dim=1)
    qp, kp, vp = self.q_proj(q), self.k_proj(k), self.v_proj(v)
    if self.peft == "lora":
        qp = qp + self.lora_q_b(self.lora_q_a(q))
        vp = vp + self.lora_v_b(self.lora_v_a(v))
    qh, kh, vh = (self._separate_heads(t, self.num_heads) for t in (qp, kp, vp))
    attn = qh @ kh.permute(0, 1, 3, 2) / math.sqrt(qh.shape[-1])
    out = self._recombine_heads(torch.softmax(attn, dim=-1) @ vh)
    return self.out_proj(out)


def twoway_forward(self, queries, keys, query_pe, key_pe):
    if self.skip_first_layer_pe:
        queries = self.self_attn(q=queries, k=queries, v=queries)
    else:
        q = queries + query_pe
        queries = queries + self.self_attn(q=q, k=q, v=queries)
    queries = self.norm1(queries)
    queries = queries + self.cross_attn_token_to_image(q=queries + query_pe, k=keys + key_pe, v=keys)
    if hasattr(self, "Adapter_mlp"):
        a = self.Adapter_mlp(queries)
        queries = self.norm2(queries)
        queries = queries + self.mlp(queries) + a
    else:
        queries = self.norm2(queries)
        queries = queries + self.mlp(queries)
    queries = self.norm3(queries)
    keys = self.norm4(keys + self.cross_attn_image_to_token(q=keys + key_pe, k=queries + query_pe, v=queries))
    return queries, keys


def decoder_attentions(sam):
    t = sam.mask_decoder.transformer
    out = []
    for layer in t.layers:
        out += [layer.self_attn, layer.cross_attn_token_to_image, layer.cross_attn_image_to_token]
    return out + [t.final_attn_token_to_image]


def install(sam, strategy):
    enc = sam.image_encoder
    for blk in enc.blocks:
        blk.forward = types.MethodType(block_forward, blk)
        a = blk.attn
        a.peft = strategy
        a.forward = types.MethodType(enc_attn_forward, a)
        d = a.qkv.in_features
        if strategy == "lora":
            lora_pair(a, "q", d, d)
            lora_pair(a, "v", d, d)
        elif strategy == "adapter":
            blk.Adapter_mlp = Adapter(d, ADAPTER_R)
        elif strategy == "prompt":
            a.prompt_dropout = nn.Dropout(0.1)
            token_param(a, "deep_prompt_embeddings", PROMPT_L, d)
        elif strategy == "prefix":
            token_param(a, "prefix_key_embeddings", PREFIX_L, d)
            token_param(a, "prefix_value_embeddings", PREFIX_L, d)
    for layer in sam.mask_decoder.transformer.layers:
        layer.forward = types.MethodType(twoway_forward, layer)
        if strategy == "adapter":
            layer.Adapter_mlp = Adapter(layer.norm2.normalized_shape[0], ADAPTER_R)
    for a in decoder_attentions(sam):
        a.peft = strategy
        a.forward = types.MethodType(dec_attn_forward, a)
        d = a.q_proj.in_features
        if strategy == "lora":
            lora_pair(a, "q", d, a.internal_dim)
            lora_pair(a, "v", d, a.internal_dim)
        elif strategy == "prompt":
            a.prompt_dropout = nn.Dropout(0.1)
            token_param(a, "deep_prompt_embeddings", PROMPT_L, d)
        elif strategy == "prefix":
            token_param(a, "prefix_key_embeddings", PREFIX_L, d)
            token_param(a, "prefix_value_embeddings", PREFIX_L, d)


FILTERS = {
    "full": lambda n: True,
    "linear": lambda n: "patch_embed" in n or "pos_embed" in n,
    "lora": lambda n: "lora" in n, "adapter": lambda n: "Adapter" in n,
    "prompt": lambda n: "prompt" in n, "prefix": lambda n: "prefix" in n,
}


def set_trainable(sam, strategy):   # [R] utils.py set_trainable_params
    for n, p in sam.named_parameters():
        p.requires_grad = FILTERS[strategy](n)
        if n.startswith("image_encoder.projector"):
            p.requires_grad = True
        if n.startswith("prompt_encoder"):
            p.requires_grad = False


def encode(sam, x):   # [R] image_encoder.py 123-142
    enc = sam.image_encoder
    t = enc.projector(x, func=enc.patch_embed) + enc.pos_embed
    for blk in enc.blocks:
        t = blk(t)
    return enc.neck(t.permute(0, 3, 1, 2))


def sam_forward(sam, x, points, labels):   # [R] modeling/sam.py 55-70
    emb = encode(sam, x)
    with torch.no_grad():
        sparse, dense = sam.prompt_encoder(points=(points, labels), boxes=None, masks=None)
    dec = sam.mask_decoder
    out_tok = torch.cat([dec.iou_token.weight, dec.mask_tokens.weight], dim=0).unsqueeze(0).expand(sparse.size(0), -1, -1)
    tokens = torch.cat((out_tok, sparse), dim=1)
    src = emb if emb.shape[0] == tokens.shape[0] else torch.repeat_interleave(emb, tokens.shape[0], dim=0)
    src = src + dense
    pos = torch.repeat_interleave(sam.prompt_encoder.get_dense_pe(), tokens.shape[0], dim=0)
    b, c, h, w = src.shape
    hs, src = dec.transformer(src, pos, tokens)
    mask_tokens_out = hs[:, 1:(1 + dec.num_mask_tokens), :]
    up = dec.output_upscaling(src.transpose(1, 2).view(b, c, h, w))
    hyper = torch.stack([dec.output_hypernetworks_mlps[i](mask_tokens_out[:, i, :]) for i in range(dec.num_mask_tokens)], dim=1)
    b, c, h, w = up.shape
    masks = (hyper @ up.view(b, c, h * w)).view(b, -1, h, w)
    return masks[:, 0:1]


def dice_ce(x, t):   # the library itself, as Loss.diceCE (fixtures/losses checks the two agree on edge cases)
    from monai.losses import DiceCELoss
    return DiceCELoss(sigmoid=True, squared_pred=True, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5)(x, t)


def fresh_sam():
    sam = base.build()
    ref = torch.load(os.path.join(base.OUT, "sam_tiny.pth"))
    for k, v in sam.state_dict().items():
        assert torch.equal(v, ref[k]), f"rebuilt tiny SAM differs from sam_tiny.pth at {k}"
    return sam


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, C, base.IMG, base.IMG, generator=g)
    points = torch.tensor([[[20.0, 30.0]], [[45.5, 12.0]]])
    labels = torch.ones(2, 1, dtype=torch.int64)
    target = (torch.rand(2, 1, 4 * base.GRID, 4 * base.GRID, generator=g) > 0.6).float()
    common = {"image": x, "points": points, "labels": labels.float(), "target": target}

    # Alignment modules: tokens (without pos_embed) for the C=4 input and a 1-channel input for zeroshot.
    align = {}
    for t in ["simcmf", "baseline_a", "baseline_b", "baseline_b_fixed", "baseline_c", "baseline_d", "zeroshot"]:
        sam = fresh_sam()
        torch.manual_seed(11)
        proj = Projector(t, C, base.EMBED, base.PATCH, sam.state_dict())
        if t == "simcmf":
            with torch.no_grad():
                proj.fc.weight.copy_(torch.randn(1, C, generator=g) * 0.5)
        with torch.no_grad():
            xin = x[:, :1] if t == "zeroshot" else x
            align[f"{t}.tokens"] = proj(xin, func=sam.image_encoder.patch_embed)
            for n, p in proj.named_parameters():
                align[f"{t}.param.image_encoder.projector.{n}"] = p.detach().clone()
    save_file({k: v.float().contiguous() for k, v in {**common, **align}.items()}, os.path.join(OUT, "alignment.safetensors"))

    # One Adam step per strategy.
    for strategy in ["full", "linear", "lora", "adapter", "prompt", "prefix"]:
        sam = fresh_sam()
        torch.manual_seed(3)
        sam.image_encoder.projector = Projector("simcmf", C, base.EMBED, base.PATCH, sam.state_dict())
        install(sam, strategy if strategy not in ("full", "linear") else "none")
        with torch.no_grad():
            for n, p in sam.named_parameters():
                if n.endswith("fc.weight") or "lora_" in n and "_b." in n or "up_proj" in n:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.3)
        sam.eval()   # prompt dropout off
        set_trainable(sam, strategy)
        added = {n: p.detach().clone() for n, p in sam.named_parameters()
                 if n.startswith("image_encoder.projector")
                 or FILTERS[strategy](n) and strategy not in ("full", "linear") and not n.startswith("prompt_encoder")}
        trainable = [(n, p) for n, p in sam.named_parameters() if p.requires_grad]
        opt = torch.optim.Adam([p for _, p in trainable], lr=1e-3)
        logits = sam_forward(sam, x, points, labels)
        loss = dice_ce(logits, target)
        opt.zero_grad()
        loss.backward()
        # Before the step; none for tensors the loss does not reach (the IoU head, unused mask tokens' MLPs).
        grads = {f"grad.{n}": p.grad.detach().clone() for n, p in trainable if p.grad is not None}
        opt.step()
        out = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
        out.update({f"init.{n}": v for n, v in added.items()})
        out.update({f"step.{n}": p.detach().clone() for n, p in trainable})
        save_file({k: v.float().contiguous() for k, v in out.items()}, os.path.join(OUT, f"step_{strategy}.safetensors"))
        save_file({k: v.float().contiguous() for k, v in grads.items()}, os.path.join(OUT, f"grad_{strategy}.safetensors"))
        print(strategy, "loss", loss.item(), "trainable tensors", len(trainable),
              "values", sum(p.numel() for _, p in trainable))


if __name__ == "__main__":
    main()
