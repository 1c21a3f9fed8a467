#!/usr/bin/env python3
"""Builds M1 v2's training / validation mix and its evaluation-only texts from unpacked packages.

Called by scripts/fetch_corpus.sh (which downloads and unpacks the packages); Python 3 standard
library only. Everything is deterministic: files are read in a fixed order (sorted by the SHA-256
of their path inside the package, so a size cap keeps a spread of files rather than the first
ones alphabetically), converted to plain UTF-8 text by the rules below, joined with a blank line,
and capped at a byte budget per component (cut at a line boundary).

    m1_mix.py X_DIR SHARED_CORPUS_DIR CARGO_SRC_DIR OUT_DIR

X_DIR holds one folder per Debian package (dpkg-deb -x PKG.deb X_DIR/PKG). Writes
OUT_DIR/train/*.txt (one file per component), OUT_DIR/val/*.txt (the last VAL_FRAC of every
component, never trained on), OUT_DIR/train_mix.txt (the components concatenated in order) +
OUT_DIR/val_mix.txt (the validation parts interleaved in 2 KB blocks) and OUT_DIR/eval/*.txt (evaluation-only texts: never in the
mix), and prints a manifest (bytes, SHA-256) of every output.
"""
import gzip
import hashlib
import html.parser
import os
import re
import sys

VAL_FRAC = 0.02
MB = 1_000_000


def sha(b):
    return hashlib.sha256(b).hexdigest()


def files_under(root, pred):
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            if pred(rel):
                out.append((sha(rel.encode()), rel, p))
    out.sort()
    return [(rel, p) for _, rel, p in out]


def read_maybe_gz(p):
    data = open(p, "rb").read()
    if p.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def utf8(data):
    """Strict UTF-8 text or None (files in legacy encodings are skipped, not guessed)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


# --- roff (man pages) to plain text -------------------------------------------------------------
ESCAPES = {
    r"\-": "-", r"\(em": "\u2014", r"\(en": "\u2013", r"\(aq": "'", r"\(dq": '"', r"\(bu": "\u2022",
    r"\(lq": "\u201c", r"\(rq": "\u201d", r"\(oq": "\u2018", r"\(cq": "\u2019", r"\(co": "\u00a9",
    r"\(rg": "\u00ae", r"\(de": "\u00b0", r"\(mu": "\u00d7", r"\(ga": "`", r"\(ti": "~", r"\(ha": "^",
    r"\(hy": "-", r"\(lh": "<=", r"\(rh": "=>", r"\(<=": "<=", r"\(>=": ">=", r"\(->": "->",
    r"\[em]": "\u2014", r"\[en]": "\u2013", r"\[aq]": "'", r"\[dq]": '"', r"\[bu]": "\u2022",
    r"\[lq]": "\u201c", r"\[rq]": "\u201d", r"\[Fo]": "\u00ab", r"\[Fc]": "\u00bb", r"\(Fo": "\u00ab",
    r"\(Fc": "\u00bb", r"\e": "\\", r"\&": "", r"\~": " ", r"\ ": " ", r"\0": " ", r"\|": "", r"\^": "",
    r"\c": "", r"\:": "", r"\%": "", r"\/": "", r"\,": "",
}
ESC_RE = re.compile("|".join(re.escape(k) for k in sorted(ESCAPES, key=len, reverse=True)))
FONT_RE = re.compile(r"\\f(\[[^\]]*\]|\([A-Za-z0-9]{2}|[A-Za-z0-9])")
OTHER_RE = re.compile(r"\\(\[[^\]]*\]|\([^\s]{2}|\*(\[[^\]]*\]|\([^\s]{2}|.)|[sS][+-]?\d+|[hvwuxzkn]'[^']*'|n.)")


def roff_inline(s):
    s = FONT_RE.sub("", s)
    s = ESC_RE.sub(lambda m: ESCAPES[m.group(0)], s)
    s = OTHER_RE.sub("", s)
    return s.replace("\\", "")


def split_args(arg):
    out, cur, q = [], "", False
    for ch in arg:
        if ch == '"':
            q = not q
        elif ch in " \t" and not q:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def roff_to_text(src):
    out = []
    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"", '.\\\\"')) or line.strip() in (".", "'"):
            continue
        if line.startswith((".", "'")):
            m = re.match(r"[.']\s*(\S+)\s*(.*)", line)
            if not m:
                continue
            mac, arg = m.groups()
            if mac in ("SH", "SS"):
                out += ["", roff_inline(" ".join(split_args(arg)))]
            elif mac in ("B", "I", "SM", "SB"):
                out.append(roff_inline(" ".join(split_args(arg))))
            elif mac in ("BI", "IB", "BR", "RB", "IR", "RI"):
                out.append(roff_inline("".join(split_args(arg))))
            elif mac in ("PP", "LP", "P", "sp", "TP", "HP"):
                out.append("")
            elif mac in ("IP", "TQ", "OP", "UR", "MT", "Nm", "Nd", "Ar", "Fl", "Pa", "Xr", "Sh", "Dt"):
                a = split_args(arg)
                if mac == "IP":
                    a = a[:1]
                if a:
                    out.append(roff_inline(" ".join(a)))
            # other requests (.TH, .nf, .fi, .RS, .RE, .de, .ds, .if, ...) carry no running text
        else:
            out.append(roff_inline(line))
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# --- HTML to plain text --------------------------------------------------------------------------
class _Html(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table",
             "dt", "dd", "blockquote", "title", "section", "ul", "ol", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.pre = [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(src):
    p = _Html()
    p.feed(src)
    lines = [ln.strip() for ln in "".join(p.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# --- components ----------------------------------------------------------------------------------
def collect(texts, cap):
    """Joins texts with a blank line until `cap` bytes (the last one cut at a line boundary)."""
    out, n = [], 0
    for t in texts:
        b = t.encode("utf-8")
        if n + len(b) + 2 > cap:
            rest = b[: cap - n]
            cut = rest.rfind(b"\n")
            if cut > 0:
                out.append(rest[: cut + 1])
            break
        out.append(b + b"\n")
        n += len(b) + 1
    return b"".join(out)


def man_texts(x, pkg, lang):
    root = os.path.join(x, pkg, "usr/share/man", lang) if lang else os.path.join(x, pkg, "usr/share/man")
    for rel, p in files_under(root, lambda r: re.search(r"man\d[^/]*/[^/]+\.gz$", r) is not None):
        t = utf8(read_maybe_gz(p))
        if t is None or t.lstrip().startswith(".so "):
            continue
        t = roff_to_text(t)
        if len(t) > 200:
            yield t


def html_texts(root):
    for rel, p in files_under(root, lambda r: r.endswith(".html")):
        t = utf8(open(p, "rb").read())
        if t is None:
            continue
        t = html_to_text(t)
        if len(t) > 200:
            yield t


def fortune_texts(root):
    """Fortune files of a package: regular files (no symlinks), not the `.dat` indexes or the
    `off/` (offensive) sections."""
    pred = lambda r: not r.endswith((".dat", ".u8")) and "off/" not in r
    for rel, p in files_under(root, pred):
        if os.path.islink(p):
            continue
        t = utf8(open(p, "rb").read())
        if t is not None:
            yield t


def source_texts(roots, ext):
    for root in roots:
        for rel, p in files_under(root, lambda r: r.endswith(ext) and "/test" not in "/" + r):
            t = utf8(open(p, "rb").read())
            if t is not None and len(t) > 200:
                yield t


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


RUST_CRATES = [
    "anyhow-1.0.105", "candle-core-0.11.1", "candle-nn-0.11.1", "clap_builder-4.6.7", "egui-0.37.0",
    "epaint-0.37.0", "flate2-1.1.11", "gemm-common-0.19.0", "half-2.7.1", "hashbrown-0.16.1",
    "image-0.25.10", "plotters-0.3.7", "proptest-1.12.0", "rayon-core-1.13.0",
    "regex-automata-0.4.19", "regex-syntax-0.8.12", "safetensors-0.8.0", "serde-1.0.229",
    "sha2-0.10.9", "tempfile-3.27.0", "tokenizers-0.23.2", "winit-0.30.13", "zbus-5.19.0",
]


def main():
    x, shared, cargo_src, out = sys.argv[1:5]
    for d in ("train", "val", "eval"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    sh = lambda f: open(os.path.join(shared, f), "rb").read()
    austen = sh("austen_6novels.txt")
    comps = []  # (name, bytes)

    def add(name, data):
        comps.append((name, data))

    # English (shared corpus; Austen's last 204,800 bytes stay out, as for the v1 model).
    add("en_austen", austen[: len(austen) - 204800])
    add("en_kjv", sh("kjv_plain.txt")[: 2 * MB])
    add("en_enwiki", sh("enwiki_shortened.xml"))
    add("en_fortunes", sh("fortunes_en.txt"))
    add("en_man", collect(man_texts(x, "manpages", ""), 2 * MB))
    # Other Latin-script languages.
    add("de_fortunes", sh("fortunes_de.txt")[: int(1.5 * MB)])
    add("de_man", collect(man_texts(x, "manpages-de", "de"), 1 * MB))
    add("fr_man", collect(man_texts(x, "manpages-fr", "fr"), 1 * MB))
    add("es_man", collect(man_texts(x, "manpages-es", "es"), 600_000))
    add("pl_man", collect(man_texts(x, "manpages-pl", "pl"), 600_000))
    add("cs_man", collect(man_texts(x, "manpages-cs", "cs"), 400_000))
    add("vi_man", collect(man_texts(x, "manpages-vi", "vi"), 400_000))
    add("tr_man", collect(man_texts(x, "manpages-tr", "tr"), 400_000))
    add("es_fortunes", collect(fortune_texts(os.path.join(x, "fortunes-es/usr/share/games/fortunes")), 500_000))
    add("it_fortunes", collect(fortune_texts(os.path.join(x, "fortunes-it/usr/share/games/fortunes")), 500_000))
    add("pl_fortunes", collect(fortune_texts(os.path.join(x, "fortunes-pl/usr/share/games/fortunes")), 500_000))
    # Cyrillic.
    add("ru_man", collect(man_texts(x, "manpages-ru", "ru"), 2 * MB))
    add("uk_man", collect(man_texts(x, "manpages-uk", "uk"), 1500_000))
    add("ru_lohelp", collect(html_texts(os.path.join(x, "libreoffice-help-ru/usr/share/libreoffice/help/ru")), 2 * MB))
    add("bg_fortunes", collect(fortune_texts(os.path.join(x, "fortunes-bg/usr/share/games/fortunes")), 500_000))
    # Greek.
    add("el_man", collect(man_texts(x, "manpages-el", "el"), 1 * MB))
    add("el_lohelp", collect(html_texts(os.path.join(x, "libreoffice-help-el/usr/share/libreoffice/help/el")), 2500_000))
    # Japanese and Chinese.
    add("ja_man", collect(man_texts(x, "manpages-ja", "ja"), 2 * MB))
    add("ja_lohelp", collect(html_texts(os.path.join(x, "libreoffice-help-ja/usr/share/libreoffice/help/ja")), 2 * MB))
    add("zh_fortunes", sh("fortunes_zh.txt")[: int(1.5 * MB)])
    add("zh_man", collect(man_texts(x, "manpages-zh", "zh_CN"), 1500_000))
    # Code.
    add("code_python", collect(source_texts([os.path.join(x, "libpython3.11-stdlib/usr/lib/python3.11")], ".py"), 2500_000))
    add("code_rust", collect(source_texts([os.path.join(cargo_src, c) for c in RUST_CRATES], ".rs"), 2500_000))

    manifest = []
    train_all, val_all = [], []
    for name, data in comps:
        if len(data) < 10_000:
            sys.exit(f"component {name} has only {len(data)} bytes: a package is missing")
        cut = len(data) - int(len(data) * VAL_FRAC)
        cut = data.rfind(b"\n", 0, cut) + 1 or cut
        tr, va = data[:cut], data[cut:]
        train_all.append(tr)
        val_all.append(va)
        for kind, b in (("train", tr), ("val", va)):
            open(os.path.join(out, kind, name + ".txt"), "wb").write(b)
            manifest.append((f"{kind}/{name}.txt", len(b), sha(b)))
    # CRLF: a CRLF copy of every 15th 64 KB block of the training mix (about 6.7%), so that `\r\n`
    # is ordinary; the same for the validation mix.
    def crlf_slice(parts):
        mix = b"".join(parts)
        blocks = [mix[i: i + 65536] for i in range(0, len(mix), 65536)]
        return b"".join(crlf(bl) for bl in blocks[7::15])

    for kind, parts in (("train", train_all), ("val", val_all)):
        c = crlf_slice(parts)
        open(os.path.join(out, kind, "crlf.txt"), "wb").write(c)
        manifest.append((f"{kind}/crlf.txt", len(c), sha(c)))
        if kind == "train":
            mix = b"".join(parts) + c
        else:
            # Validation: the components interleaved in 2,048-byte blocks (round robin), so that
            # any prefix of it (periodic validation reads the first --eval-bytes) covers them all.
            chunks = [[v[i: i + 2048] for i in range(0, len(v), 2048)] for v in parts + [c]]
            mix = b"".join(ch[r] for r in range(max(map(len, chunks))) for ch in chunks if r < len(ch))
        open(os.path.join(out, f"{kind}_mix.txt"), "wb").write(mix)
        manifest.append((f"{kind}_mix.txt", len(mix), sha(mix)))

    # Evaluation only (never in the mix).
    ev = {}
    ev["en_prose_tom_sawyer"] = open(os.path.join(
        x, "golang-github-klauspost-compress-dev/usr/share/gocode/src/github.com/klauspost/compress/testdata/Mark.Twain-Tom.Sawyer.txt"), "rb").read()
    ev["en_prose_austen_val"] = austen[len(austen) - 204800:]
    for lang in ("en", "de", "fr", "ja", "zh-cn"):
        root = os.path.join(x, f"debian-reference-{lang}/usr/share/debian-reference")
        ev[f"{lang}_tech_debref"] = collect(html_texts(root), 10 * MB)
    ru = os.path.join(x, "fortunes-ru/usr/share/games/fortunes")
    ev["ru_fortunes"] = collect(fortune_texts(ru), 10 * MB)
    ev["code_go_klauspost"] = collect(source_texts(
        [os.path.join(x, "golang-github-klauspost-compress-dev/usr/share/gocode/src/github.com/klauspost/compress")], ".go"), 1 * MB)
    for name, b in sorted(ev.items()):
        open(os.path.join(out, "eval", name + ".txt"), "wb").write(b)
        manifest.append((f"eval/{name}.txt", len(b), sha(b)))
    for path, n, h in manifest:
        print(f"{h}  {n:>10}  {path}")


if __name__ == "__main__":
    main()
