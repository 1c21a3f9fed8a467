#!/usr/bin/env python3
"""Trains an M1 in PyTorch (e.g. on a GPU machine) and writes eqinfo's format.

The architecture, initialisation, data sampling, optimizer and schedule follow `eqinfo train`
(src/model/m1/train.rs); the weight format is docs/m1_format.md, so the output directory loads
with `eqinfo eval --model OUT` / `eqinfo compress --model OUT`. (Float results differ from
eqinfo's candle trainer in the last bits; a model's identity is the hash of its files, so a
model trained here is simply another model.)

    pip install torch safetensors numpy
    python3 scripts/train_m1_torch.py train_mix.txt --val-file val_mix.txt --preset cpu-1m \
        --steps 20000 --batch 64 --out runs/m1-torch            # add --resume to continue

Writes OUT/config.json + OUT/model.safetensors (every --checkpoint-every steps and at the end),
OUT/checkpoint.pt (weights, AdamW state, step, RNG state: for --resume) and OUT/train_log.jsonl.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # d_model, n_layers, n_heads, head_dim, d_mlp, max_context (src/model/m1/config.rs)
    "paper-3m": (256, 3, 4, 64, 1024, 1024),
    "cpu-1m": (256, 2, 4, 64, 1024, 256),
    "cpu-small": (192, 3, 4, 48, 768, 256),
    "tiny": (32, 2, 2, 16, 64, 32),
}


def preset(name):
    d, l, h, hd, m, mc = PRESETS[name]
    return {"kind": "m1", "vocab": 256, "d_model": d, "n_layers": l, "n_heads": h, "head_dim": hd,
            "d_mlp": m, "max_context": mc, "layer_norm_eps": 1e-5}


def alibi_slopes(h):
    return torch.tensor([2.0 ** (-8.0 * (i + 1) / h) for i in range(h)])


def attention_bias(cfg, n, device):
    """(H, n, n): -slope * (p - j) where query p sees key j (BOS + the latest max_context - 1
    positions), -inf elsewhere (docs/m1_format.md)."""
    p = torch.arange(n, device=device)[:, None]
    j = torch.arange(n, device=device)[None, :]
    ok = (j <= p) & ((j == 0) | (p - j < cfg["max_context"] - 1))
    dist = (p - j).float()
    s = alibi_slopes(cfg["n_heads"]).to(device)[:, None, None]
    return torch.where(ok[None], -s * dist[None], torch.tensor(float("-inf"), device=device))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, a, m, eps = cfg["d_model"], cfg["n_heads"] * cfg["head_dim"], cfg["d_mlp"], cfg["layer_norm_eps"]
        self.h, self.hd = cfg["n_heads"], cfg["head_dim"]
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(d, 3 * a)
        self.attn.proj = nn.Linear(a, d)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, m)
        self.mlp.fc2 = nn.Linear(m, d)

    def forward(self, x, bias):
        b, s, _ = x.shape
        q, k, v = self.attn.qkv(self.ln1(x)).view(b, s, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype))  # scale 1/sqrt(hd)
        x = x + self.attn.proj(y.transpose(1, 2).reshape(b, s, self.h * self.hd))
        return x + self.mlp.fc2(F.relu(self.mlp.fc1(self.ln2(x))))


class M1(nn.Module):
    """Parameter names are exactly the tensor names of eqinfo's model.safetensors."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d = cfg["d_model"]
        self.bos = nn.Parameter(torch.zeros(d))
        self.tok_emb = nn.Embedding(256, d)
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layers"])])
        self.ln_f = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.head = nn.Linear(d, 256)

    def forward(self, ids):
        """ids (B, L) -> logits (B, L + 1, 256); row i predicts byte i from [BOS, ids[:i]]."""
        b, l = ids.shape
        x = torch.cat([self.bos.view(1, 1, -1).expand(b, 1, -1), self.tok_emb(ids)], 1)
        bias = attention_bias(self.cfg, l + 1, ids.device)
        for layer in self.layers:
            x = layer(x, bias)
        return self.head(self.ln_f(x))


def init_weights(model, seed):
    """N(0, 0.02) for matrices, embeddings and BOS (residual output projections scaled by
    1/sqrt(2 n_layers)), LayerNorm weights 1, biases 0: the rule of eqinfo's init_weights."""
    g = torch.Generator().manual_seed(seed)
    scale = 1.0 / math.sqrt(2 * model.cfg["n_layers"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "ln" in name and name.endswith(".weight"):
                p.fill_(1.0)
            elif name.endswith(".bias"):
                p.zero_()
            else:
                std = 0.02 * (scale if name.endswith(("proj.weight", "fc2.weight")) else 1.0)
                p.copy_(torch.randn(p.shape, generator=g) * std)


def save_model(model, out):
    from safetensors.torch import save_file
    os.makedirs(out, exist_ok=True)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    tmp = os.path.join(out, ".model.safetensors.tmp")
    save_file(tensors, tmp)
    with open(os.path.join(out, ".config.json.tmp"), "w") as f:
        json.dump(model.cfg, f, indent=2)
    os.replace(tmp, os.path.join(out, "model.safetensors"))
    os.replace(os.path.join(out, ".config.json.tmp"), os.path.join(out, "config.json"))


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    t = min(1.0, (step - a.warmup) / max(1, a.steps - a.warmup))
    lo = a.lr * a.min_lr_frac
    return lo + (a.lr - lo) * 0.5 * (1 + math.cos(math.pi * t))


@torch.no_grad()
def validate(model, val, seg, batch, device, max_bytes):
    model.eval()
    data = val[:max_bytes]
    n_full = len(data) // seg
    bits, count = 0.0, 0
    for i in range(0, n_full, batch):
        rows = np.stack([data[(i + r) * seg:(i + r + 1) * seg] for r in range(min(batch, n_full - i))])
        x = torch.from_numpy(rows.astype(np.int64)).to(device)
        logits = model(x[:, :-1]).float()
        loss = F.cross_entropy(logits.reshape(-1, 256), x.reshape(-1), reduction="sum")
        bits += loss.item() / math.log(2)
        count += x.numel()
    model.train()
    return bits / max(1, count)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--val-file", action="append", default=[])
    ap.add_argument("--preset", default="cpu-1m", choices=sorted(PRESETS))
    ap.add_argument("--config", help="a config.json instead of a preset")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--context", type=int, help="crop length (default max_context)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--short-frac", type=float, default=0.25)
    ap.add_argument("--short-len", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--eval-bytes", type=int, default=65536)
    ap.add_argument("--checkpoint-every", type=int, default=200)
    ap.add_argument("--out", default="m1-torch")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast (GPU); weights stay f32")
    a = ap.parse_args()

    cfg = json.load(open(a.config)) if a.config else preset(a.preset)
    ctx = a.context or cfg["max_context"]
    assert 2 <= ctx <= cfg["max_context"], "--context must be in 2..=max_context"
    train = np.frombuffer(b"".join(open(f, "rb").read() for f in a.files), dtype=np.uint8)
    val = np.frombuffer(b"".join(open(f, "rb").read() for f in a.val_file), dtype=np.uint8)
    dev = torch.device(a.device)
    torch.manual_seed(a.seed)
    model = M1(cfg)
    init_weights(model, a.seed)
    model.to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and n.endswith(".weight") and not n.startswith("tok_emb")]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and n.endswith(".weight") and not n.startswith("tok_emb"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    rng = np.random.default_rng(a.seed)
    step, seen, elapsed = 0, 0, 0.0
    ck = os.path.join(a.out, "checkpoint.pt")
    if a.resume:
        st = torch.load(ck, map_location=dev, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        rng.bit_generator.state = st["rng"]
        step, seen, elapsed = st["step"], st["seen"], st["elapsed"]
        print(f"resumed at step {step}")
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "train_log.jsonl"), "a")
    n_par = sum(p.numel() for p in model.parameters())
    print(f"M1 {cfg}: {n_par} parameters, {len(train)} training bytes, {len(val)} validation bytes, device {dev}")
    model.train()
    while step < a.steps:
        t0 = time.time()
        short = 2 <= a.short_len < ctx and rng.random() < a.short_frac
        length, rows = (a.short_len, -(-a.batch * ctx // a.short_len)) if short else (ctx, a.batch)
        offs = rng.integers(0, len(train) - length + 1, size=rows)
        x = torch.from_numpy(np.stack([train[o:o + length] for o in offs]).astype(np.int64)).to(dev)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, 256), x.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip) if a.clip > 0 else torch.tensor(0.0)
        opt.step()
        step += 1
        seen += x.numel()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        elapsed += time.time() - t0
        rec = {"step": step, "loss_bits_per_byte": loss.item() / math.log(2), "lr": lr_at(step - 1, a),
               "grad_norm": float(gn), "bytes_seen": seen, "elapsed_s": elapsed}
        if len(val) and a.eval_every and step % a.eval_every == 0:
            rec["val_bits_per_byte"] = validate(model, val, ctx, max(a.batch, 64), dev, a.eval_bytes)
        if step % 10 == 0 or "val_bits_per_byte" in rec or step == a.steps:
            print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")
        if (a.checkpoint_every and step % a.checkpoint_every == 0) or step == a.steps:
            save_model(model, a.out)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.bit_generator.state,
                        "step": step, "seen": seen, "elapsed": elapsed}, ck + ".tmp")
            os.replace(ck + ".tmp", ck)
    if len(val):
        v = validate(model, val, ctx, max(a.batch, 64), dev, len(val))
        print(json.dumps({"step": step, "final_val_bits_per_byte": v, "bytes_seen": seen}))
        log.write(json.dumps({"step": step, "final_val_bits_per_byte": v}) + "\n")
    print(f"model written to {a.out} (load it with: eqinfo eval --model {a.out} FILE)")


if __name__ == "__main__":
    main()
