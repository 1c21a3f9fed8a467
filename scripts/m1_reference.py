#!/usr/bin/env python3
"""An independent numpy implementation of M1's forward pass, from the files eqinfo reads.

It reads `config.json` and `model.safetensors` itself (the safetensors layout is parsed here with
the standard library and numpy: an 8-byte little-endian header length, a JSON header of
`{name: {dtype, shape, data_offsets}}`, then the raw little-endian tensor bytes), and computes in
float64 the next-byte distribution after every prefix of a text, by the rules of
docs/m1_format.md:

- the sequence is [BOS, b0, b1, ...]; position 0 holds the learned `bos` vector, position k the
  embedding of byte k-1; the output at position p is the distribution of byte p;
- pre-LayerNorm blocks: x += attn(ln1(x)); x += fc2(relu(fc1(ln2(x)))); then ln_f and the head;
- attention: qkv = W x + b split as [q | k | v], each n_heads x head_dim, scores q.k / sqrt(head_dim)
  minus slope_h * (p - j) (ALiBi, slope_h = 2^(-8 (h+1) / n_heads)); the query at position p sees
  key 0 (BOS, distance p) and the positions max(1, p - (max_context - 2)) ..= p (the sliding
  window: BOS plus the latest max_context - 1 bytes).

    m1_reference.py MODEL_DIR TEXT_FILE OUT_FILE

writes (len(text) + 1) x 256 float64 values, little-endian, row p = the distribution of byte p
given bytes[..p] (the last row: the byte after the whole text). Needs only numpy.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        arr = np.frombuffer(raw[base + start:base + end], dtype=DTYPES[meta["dtype"]])
        out[name] = arr.reshape(meta["shape"]).astype(np.float64)
    return out


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def allowed(cfg, n):
    """Boolean (n, n) mask: query p may see key j."""
    p = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    window = cfg["max_context"] - 1
    return (j <= p) & ((j == 0) | (p - j < window))


def forward(cfg, t, text):
    d, H, hd = cfg["d_model"], cfg["n_heads"], cfg["head_dim"]
    eps = cfg.get("layer_norm_eps", 1e-5)
    a = H * hd
    ids = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
    x = np.concatenate([t["bos"][None, :], t["tok_emb.weight"][ids]], 0)  # (n, d)
    n = x.shape[0]
    slopes = np.array([2.0 ** (-8.0 * (h + 1) / H) for h in range(H)])
    dist = np.arange(n)[:, None] - np.arange(n)[None, :]
    mask = allowed(cfg, n)
    bias = np.where(mask[None], -slopes[:, None, None] * dist[None], -np.inf)  # (H, n, n)
    for i in range(cfg["n_layers"]):
        p = f"layers.{i}."
        h = layer_norm(x, t[p + "ln1.weight"], t[p + "ln1.bias"], eps)
        qkv = h @ t[p + "attn.qkv.weight"].T + t[p + "attn.qkv.bias"]
        q = qkv[:, :a].reshape(n, H, hd).transpose(1, 0, 2)
        k = qkv[:, a:2 * a].reshape(n, H, hd).transpose(1, 0, 2)
        v = qkv[:, 2 * a:].reshape(n, H, hd).transpose(1, 0, 2)
        att = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(hd) + bias)
        y = (att @ v).transpose(1, 0, 2).reshape(n, a)
        x = x + y @ t[p + "attn.proj.weight"].T + t[p + "attn.proj.bias"]
        h = layer_norm(x, t[p + "ln2.weight"], t[p + "ln2.bias"], eps)
        m = np.maximum(h @ t[p + "mlp.fc1.weight"].T + t[p + "mlp.fc1.bias"], 0.0)
        x = x + m @ t[p + "mlp.fc2.weight"].T + t[p + "mlp.fc2.bias"]
    h = layer_norm(x, t["ln_f.weight"], t["ln_f.bias"], eps)
    return softmax(h @ t["head.weight"].T + t["head.bias"])  # (n, 256)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    model_dir, text_file, out_file = sys.argv[1:]
    cfg = json.load(open(f"{model_dir}/config.json"))
    assert cfg.get("kind", "m1") == "m1" and cfg.get("vocab", 256) == 256
    t = read_safetensors(f"{model_dir}/model.safetensors")
    text = open(text_file, "rb").read()
    probs = forward(cfg, t, text)
    open(out_file, "wb").write(probs.astype("<f8").tobytes())


if __name__ == "__main__":
    main()
