#!/usr/bin/env python3
"""Writes the PyTorch truth fixtures for the Swift tensor engine (Tests/TensorTests).

For each case: the inputs, the output(s), a fixed upstream gradient `R` (same shape as the output)
and the gradient of sum(out * R) with respect to every input that requires one. Everything is
float32, stored as JSON (`{"tensors": {name: {"shape": [...], "data": [...]}}, "attrs": {...}}`),
one file per case in fixtures/engine/. Run:  python3 scripts/make_engine_fixtures.py
(needs torch, numpy, and monai and torchvision for the two loss cases; CPU only; deterministic:
torch.manual_seed per case).
"""
import json, math, os, sys
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "engine")
torch.set_num_threads(1)


def t2j(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def write(name, tensors, attrs=None):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"tensors": {k: t2j(v) for k, v in tensors.items()}, "attrs": attrs or {}}, f, separators=(",", ":"))


def case(name, inputs, fn, attrs=None, seed=0, extra=None):
    """inputs: dict name -> tensor (all require grad). fn(**inputs) -> output tensor."""
    g = torch.Generator().manual_seed(seed + 1000)
    ins = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**ins)
    R = torch.randn(out.shape, generator=g)
    (out * R).sum().backward()
    tensors = {k: v for k, v in inputs.items()}
    tensors["out"] = out
    tensors["R"] = R
    for k, v in ins.items():
        tensors["grad_" + k] = v.grad if v.grad is not None else torch.zeros_like(v)
    if extra:
        tensors.update(extra)
    write(name, tensors, attrs)


def rn(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g) * scale


def main():
    # ---- priority 2: dense ops ----
    case("linear", {"x": rn(2, 3, 5, seed=1), "w": rn(4, 5, seed=2), "b": rn(4, seed=3)}, lambda x, w, b: F.linear(x, w, b))
    case("matmul", {"a": rn(2, 3, 4, 5, seed=4), "b": rn(2, 3, 5, 6, seed=5)}, lambda a, b: a @ b)
    case("matmul_transb", {"a": rn(3, 4, 5, seed=6), "b": rn(3, 6, 5, seed=7)}, lambda a, b: 0.5 * (a @ b.transpose(-1, -2)))
    case("matmul_shared", {"a": rn(2, 3, 4, seed=8), "b": rn(4, 5, seed=9)}, lambda a, b: a @ b)
    case("softmax", {"x": rn(3, 7, seed=10, scale=3)}, lambda x: torch.softmax(x, -1))
    case("layernorm", {"x": rn(2, 3, 8, seed=11, scale=2) + 1, "w": rn(8, seed=12), "b": rn(8, seed=13)},
         lambda x, w, b: F.layer_norm(x, (8,), w, b, eps=1e-6), {"eps": 1e-6})
    case("gelu", {"x": rn(4, 5, seed=14, scale=2)}, lambda x: F.gelu(x))
    case("relu", {"x": rn(4, 5, seed=15)}, lambda x: F.relu(x))
    case("sigmoid", {"x": rn(4, 5, seed=16, scale=3)}, lambda x: torch.sigmoid(x))
    case("broadcast_mul_div", {"a": rn(2, 1, 3, seed=17), "b": rn(4, 1, seed=18).abs() + 0.5},
         lambda a, b: a * b + a / b - b)

    # ---- priority 3: conv and friends ----
    for (nm, cin, cout, k, s, p, d, gr, hw) in [
        ("conv2d_basic", 3, 4, 3, 1, 1, 1, 1, 6),
        ("conv2d_stride_dil", 4, 6, 3, 2, 2, 2, 2, 9),
        ("conv2d_depthwise", 4, 4, 3, 1, 1, 1, 4, 7),
        ("conv2d_patchify", 3, 8, 4, 4, 0, 1, 1, 8),
        ("conv2d_1x1", 5, 3, 1, 1, 0, 1, 1, 4),
    ]:
        case(nm, {"x": rn(2, cin, hw, hw, seed=20), "w": rn(cout, cin // gr, k, k, seed=21, scale=0.5), "b": rn(cout, seed=22)},
             lambda x, w, b, s=s, p=p, d=d, gr=gr: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=gr),
             {"stride": s, "padding": p, "dilation": d, "groups": gr})
    case("conv_transpose2d", {"x": rn(2, 4, 3, 5, seed=23), "w": rn(4, 3, 2, 2, seed=24), "b": rn(3, seed=25)},
         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2))

    def ln2d(x, w, b):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + 1e-6)
        return w[:, None, None] * x + b[:, None, None]
    case("layernorm2d", {"x": rn(2, 5, 3, 4, seed=26) + 0.5, "w": rn(5, seed=27), "b": rn(5, seed=28)}, ln2d, {"eps": 1e-6})

    # attention with additive bias: q,k,v [B,N,d], bias [B,N,M]
    case("attention_bias", {"q": rn(3, 6, 4, seed=29), "k": rn(3, 7, 4, seed=30), "v": rn(3, 7, 5, seed=31), "bias": rn(3, 6, 7, seed=32)},
         lambda q, k, v, bias: torch.softmax((q * 0.5) @ k.transpose(-1, -2) + bias, -1) @ v, {"scale": 0.5})

    # SAM decomposed relative position (segment_anything image_encoder.add_decomposed_rel_pos), q [B, h*w, C]
    def get_rel_pos(q_size, k_size, rel_pos):
        q_coords = torch.arange(q_size)[:, None] * max(k_size / q_size, 1.0)
        k_coords = torch.arange(k_size)[None, :] * max(q_size / k_size, 1.0)
        rel = (q_coords - k_coords) + (k_size - 1) * max(q_size / k_size, 1.0)
        return rel_pos[rel.long()]

    def relpos(q, rh, rw, h=3, w=4):
        B, _, C = q.shape
        Rh = get_rel_pos(h, h, rh)
        Rw = get_rel_pos(w, w, rw)
        r_q = q.reshape(B, h, w, C)
        rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, Rh)
        rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, Rw)
        return (rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).reshape(B, h * w, h * w)
    case("relpos", {"q": rn(2, 12, 5, seed=33), "rh": rn(5, 5, seed=34), "rw": rn(7, 5, seed=35)}, relpos, {"h": 3, "w": 4})

    # window partition with padding (SAM): x [B,H,W,C] -> [B*nW, ws, ws, C]
    def wpart(x, ws=3):
        B, H, W, C = x.shape
        ph, pw = (ws - H % ws) % ws, (ws - W % ws) % ws
        x = F.pad(x, (0, 0, 0, pw, 0, ph))
        Hp, Wp = H + ph, W + pw
        x = x.view(B, Hp // ws, ws, Wp // ws, ws, C)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, C)
    case("window_partition", {"x": rn(2, 5, 7, 3, seed=36)}, wpart, {"window": 3})

    case("interp_bilinear", {"x": rn(2, 3, 5, 7, seed=37)}, lambda x: F.interpolate(x, size=(8, 4), mode="bilinear", align_corners=False), {"size": [8, 4]})
    case("interp_bicubic", {"x": rn(2, 3, 5, 7, seed=38)}, lambda x: F.interpolate(x, size=(9, 4), mode="bicubic", align_corners=False), {"size": [9, 4]})
    case("interp_nearest", {"x": rn(2, 3, 5, 7, seed=39)}, lambda x: F.interpolate(x, size=(8, 3), mode="nearest"), {"size": [8, 3]})
    case("adaptive_avg_pool", {"x": rn(2, 3, 7, 5, seed=40)}, lambda x: F.adaptive_avg_pool2d(x, (3, 2)), {"size": [3, 2]})
    idx = torch.tensor([[0, 3, 3], [5, 1, 0]])
    case("embedding", {"w": rn(6, 4, seed=41)}, lambda w: F.embedding(idx, w), extra={"indices": idx.float()})

    def bn_train(x, w, b):
        return F.batch_norm(x, torch.zeros(3), torch.ones(3), w, b, training=True, momentum=0.1, eps=1e-5)
    x_bn = rn(4, 3, 2, 5, seed=42) * 2 + 1
    rm, rv = torch.zeros(3), torch.ones(3)
    F.batch_norm(x_bn, rm, rv, None, None, training=True, momentum=0.1, eps=1e-5)
    case("batchnorm_train", {"x": x_bn, "w": rn(3, seed=43), "b": rn(3, seed=44)}, bn_train,
         {"eps": 1e-5, "momentum": 0.1}, extra={"running_mean": rm, "running_var": rv})
    erm, erv = rn(3, seed=45), rn(3, seed=46).abs() + 0.5
    case("batchnorm_eval", {"x": x_bn, "w": rn(3, seed=43), "b": rn(3, seed=44)},
         lambda x, w, b: F.batch_norm(x, erm, erv, w, b, training=False, eps=1e-5), {"eps": 1e-5},
         extra={"running_mean": erm, "running_var": erv})

    # ---- losses ----
    logits = rn(3, 1, 8, 8, seed=50, scale=2)
    target = (rn(3, 1, 8, 8, seed=51) > 0.3).float()
    case("bce_logits", {"logits": logits}, lambda logits: F.binary_cross_entropy_with_logits(logits, target), extra={"target": target})

    # The libraries themselves, not their formulas re-typed (scripts/make_loss_fixtures.py has the edge cases).
    from monai.losses import DiceCELoss
    from torchvision.ops import sigmoid_focal_loss

    def dicece(logits):
        return DiceCELoss(sigmoid=True, squared_pred=True, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5)(logits, target)
    case("dice_ce", {"logits": logits}, dicece, extra={"target": target})

    def focal(logits, alpha=0.25, gamma=2.0):
        return sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma, reduction="mean")
    case("focal", {"logits": logits}, focal, {"alpha": 0.25, "gamma": 2.0}, extra={"target": target})




def optim_fixtures():
    g = torch.Generator().manual_seed(60)
    p0 = torch.randn(6, generator=g)
    grads = torch.randn(5, 6, generator=g)
    for name, make in [
        ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("adam", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1)),
        ("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1)),
    ]:
        p = torch.nn.Parameter(p0.clone())
        opt = make([p])
        traj = []
        for s in range(5):
            p.grad = grads[s].clone()
            opt.step()
            traj.append(p.detach().clone())
        write("optim_" + name, {"p0": p0, "grads": grads, "trajectory": torch.stack(traj)})


class E2EBlock(torch.nn.Module):
    def __init__(self, d, heads, rel):
        super().__init__()
        self.heads, self.hd, self.rel = heads, d // heads, rel
        self.norm1 = torch.nn.LayerNorm(d, eps=1e-6)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.norm2 = torch.nn.LayerNorm(d, eps=1e-6)
        self.fc1 = torch.nn.Linear(d, 2 * d)
        self.fc2 = torch.nn.Linear(2 * d, d)
        if rel:
            self.rel_pos_h = torch.nn.Parameter(torch.randn(7, self.hd) * 0.1)
            self.rel_pos_w = torch.nn.Parameter(torch.randn(7, self.hd) * 0.1)

    def forward(self, x):
        B, N, D = x.shape
        h = self.norm1(x)
        qkv = self.qkv(h).reshape(B, N, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4).reshape(3, B * self.heads, N, self.hd)
        q, k, v = qkv.unbind(0)
        attn = (q * self.hd ** -0.5) @ k.transpose(-2, -1)
        if self.rel:
            Rh = self.rel_pos_h[(torch.arange(4)[:, None] - torch.arange(4)[None, :] + 3)]
            Rw = self.rel_pos_w[(torch.arange(4)[:, None] - torch.arange(4)[None, :] + 3)]
            rq = q.reshape(B * self.heads, 4, 4, self.hd)
            rel_h = torch.einsum("bhwc,hkc->bhwk", rq, Rh)
            rel_w = torch.einsum("bhwc,wkc->bhwk", rq, Rw)
            attn = attn + (rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).reshape(B * self.heads, N, N)
        o = (attn.softmax(-1) @ v).view(B, self.heads, N, self.hd).permute(0, 2, 1, 3).reshape(B, N, D)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class E2EModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.stem2 = torch.nn.Conv2d(8, 16, 4, stride=4)
        self.blocks = torch.nn.ModuleList([E2EBlock(16, 2, True), E2EBlock(16, 2, False)])
        self.head = torch.nn.Linear(16, 1)

    def forward(self, x):
        x = self.stem2(F.gelu(self.stem1(x)))
        B = x.shape[0]
        x = x.permute(0, 2, 3, 1).reshape(B, 16, 16)
        for b in self.blocks:
            x = b(x)
        return self.head(x).reshape(B, 1, 4, 4)


def e2e_fixture():
    torch.manual_seed(0)
    model = E2EModel()
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    g = torch.Generator().manual_seed(70)
    x = torch.randn(2, 3, 16, 16, generator=g)
    target = (torch.randn(2, 1, 4, 4, generator=g) > 0).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(50):
        logits = model(x)
        p = torch.sigmoid(logits)
        inter = (p * target).sum((2, 3))
        den = (p * p).sum((2, 3)) + (target * target).sum((2, 3))
        loss = (1 - (2 * inter + 1e-5) / (den + 1e-5)).mean() + F.binary_cross_entropy_with_logits(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    tensors = {"param." + k: v for k, v in init.items()}
    tensors.update({"x": x, "target": target, "losses": torch.tensor(losses)})
    write("e2e_transformer", tensors, {"lr": 1e-2, "steps": 50})
    print("e2e losses", losses[0], losses[-1])


class E2EUpscaler(torch.nn.Module):
    """SAM-decoder-like: depthwise + 1x1 conv, BN (train), conv-transpose 2x2 s2, LayerNorm2d, GELU,
    bilinear resize, a hypernetwork-style batched matmul, trained with SGD momentum + focal + BCE."""

    def __init__(self):
        super().__init__()
        self.dw = torch.nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.pw = torch.nn.Conv2d(4, 8, 1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.up = torch.nn.ConvTranspose2d(8, 6, 2, stride=2)
        self.ln_w = torch.nn.Parameter(torch.ones(6))
        self.ln_b = torch.nn.Parameter(torch.zeros(6))
        self.hyper = torch.nn.Linear(4, 6)

    def forward(self, x, tokens):
        y = F.relu(self.bn(self.pw(self.dw(x))))
        y = self.up(y)
        u = y.mean(1, keepdim=True)
        s = (y - u).pow(2).mean(1, keepdim=True)
        y = (y - u) / torch.sqrt(s + 1e-6) * self.ln_w[:, None, None] + self.ln_b[:, None, None]
        y = F.gelu(y)
        y = F.interpolate(y, size=(12, 12), mode="bilinear", align_corners=False)
        B = y.shape[0]
        h = self.hyper(tokens)                          # [B, 1, 6]
        return (h @ y.reshape(B, 6, 144)).reshape(B, 1, 12, 12)


def e2e_upscaler_fixture():
    torch.manual_seed(1)
    model = E2EUpscaler()
    init = {k: v.detach().clone() for k, v in model.state_dict().items() if k in dict(model.named_parameters())}
    g = torch.Generator().manual_seed(80)
    x = torch.randn(2, 4, 5, 5, generator=g)
    tokens = torch.randn(2, 1, 4, generator=g)
    target = (torch.randn(2, 1, 12, 12, generator=g) > 0).float()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for step in range(30):
        logits = model(x, tokens)
        p = torch.sigmoid(logits)
        ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        p_t = p * target + (1 - p) * (1 - target)
        focal = ((0.25 * target + 0.75 * (1 - target)) * ce * (1 - p_t) ** 2).mean()
        loss = focal + F.binary_cross_entropy_with_logits(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    tensors = {"param." + k: v for k, v in init.items()}
    tensors.update({"x": x, "tokens": tokens, "target": target, "losses": torch.tensor(losses),
                    "running_mean": model.bn.running_mean, "running_var": model.bn.running_var})
    write("e2e_upscaler", tensors, {"lr": 0.05, "momentum": 0.9, "steps": 30})
    print("e2e upscaler losses", losses[0], losses[-1])


if __name__ == "__main__":
    main()
    optim_fixtures()
    e2e_fixture()
    e2e_upscaler_fixture()
    print("wrote", OUT)
