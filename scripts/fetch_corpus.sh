#!/usr/bin/env bash
# Rebuilds the training text of the sample M1s from the packages it came from:
#   1. the shared corpus (Austen, KJV, English/German/Chinese fortunes, enwiki extract) and the
#      Austen split of M1 v1 (sample_models/MODEL_CARD.md);
#   2. M1 v2's multilingual mix (sample_models/cpu-1m-v2/MODEL_CARD.md): OUT_DIR/mix/train_mix.txt,
#      val_mix.txt, the per-component files under mix/train, mix/val, and the evaluation-only
#      texts under mix/eval, built by scripts/m1_mix.py from the Debian packages pinned below and
#      the Rust crate sources of this repository's Cargo.lock (`cargo fetch`); every output is
#      checked against scripts/m1_mix.sha256.
# Needs apt (Debian 12 "bookworm"), python3 + pip, bzip2, cargo, and network access to the
# registries.
#
#   scripts/fetch_corpus.sh [OUT_DIR]      (default: corpus/)
set -euo pipefail
OUT="${1:-corpus}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Jane Austen: Debian r-cran-janeaustenr (R lazy-load data), read with PyPI `rdata`.
apt-get download r-cran-janeaustenr
dpkg-deb -x r-cran-janeaustenr_*.deb jane
python3 -m venv venv
./venv/bin/pip install --quiet rdata
./venv/bin/python - "$OUT/austen_6novels.txt" <<'PY'
import glob, sys, zlib, rdata
base = glob.glob("jane/usr/lib/R/site-library/janeaustenr/data/Rdata")[0]
# The lazy-load database: each object is a zlib-compressed serialized R object at an offset
# listed in the .rdx index.
rdx = rdata.parser.parse_data(zlib.decompress(open(base + ".rdx", "rb").read()[4:]))
rdx = rdata.conversion.convert(rdx)
blob = open(base + ".rdb", "rb").read()
order = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]
out = []
for name in order:
    off, length = [int(x) for x in rdx["variables"][name]]
    obj = rdata.parser.parse_data(zlib.decompress(blob[off + 4:off + length]))
    out.append("\n".join(rdata.conversion.convert(obj)))
open(sys.argv[1], "w", encoding="ascii", errors="replace").write("\n".join(out))
PY

# King James Bible: Debian bible-kjv-text + bible-kjv, references stripped.
apt-get download bible-kjv-text bible-kjv
dpkg-deb -x bible-kjv-text_*.deb kjv
dpkg-deb -x bible-kjv_*.deb kjv
DATA="$(dirname "$(find kjv -name 'bible.data*' | head -1)")"
./kjv/usr/bin/bible -f -p "$DATA" 'gen1:1-rev22:21' | sed -E 's/^[0-9A-Za-z]+[0-9]+:[0-9]+ //' > "$OUT/kjv_plain.txt"

# English fortunes: Debian fortunes, data files sorted and concatenated.
apt-get download fortunes
dpkg-deb -x fortunes_*.deb fort
find fort/usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' | sort | xargs cat > "$OUT/fortunes_en.txt"

# German and Chinese fortunes (Debian fortunes-de 0.35-1, fortunes-zh 2.98).
apt-get download fortunes-de=0.35-1 fortunes-zh=2.98
dpkg-deb -x fortunes-de_*.deb fortde
dpkg-deb -x fortunes-zh_*.deb fortzh
find fortde/usr/share/games/fortunes/de -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' | sort | xargs cat > "$OUT/fortunes_de.txt"
sed 's/\x1b\[[0-9;]*m//g' fortzh/usr/share/games/fortunes/chinese > "$OUT/fortunes_zh.txt"

# Wikipedia extract: PyPI gensim 4.4.0 wheel test data.
./venv/bin/pip download --quiet --no-deps gensim==4.4.0 -d wheel
python3 -c "import zipfile,glob; z=zipfile.ZipFile(glob.glob('wheel/*.whl')[0]); \
n=[f for f in z.namelist() if f.endswith('enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2')][0]; \
open('enwiki.bz2','wb').write(z.read(n))"
bunzip2 -c enwiki.bz2 > "$OUT/enwiki_shortened.xml"

# The split used by the sample model.
N=$(stat -c %s "$OUT/austen_6novels.txt")
head -c $((N - 204800)) "$OUT/austen_6novels.txt" > "$OUT/austen_train.txt"
tail -c 204800 "$OUT/austen_6novels.txt" > "$OUT/austen_val.txt"
sha256sum "$OUT"/*.txt "$OUT"/*.xml

# ---- M1 v2: the multilingual mix -----------------------------------------------------------------
# Debian 12 packages, pinned (name=version, then the .deb's SHA-256). Training: man pages in 13
# languages, LibreOffice help in Greek / Japanese / Russian, fortunes in 4 more languages, the
# Python 3.11 standard library. Evaluation only (never in the mix): fortunes-ru, debian-reference
# (en, de, fr, ja, zh-cn), and Mark Twain's Tom Sawyer + Go sources from klauspost/compress.
PKGS="
manpages=6.03-2 efa1ba4cd19ad7baeae959c9209a7eb74be2ebb858bcabb412597bfc9f588c91
manpages-cs=4.18.1-1 2c3c32887089fe16b173073cbd72fd5f000911f1b9b8f384f3f46e01fce39791
manpages-de=4.18.1-1 37d2e7ee51f22952aecec3af93647ff59194a3c74bb7a694560f49c7f7ab3978
manpages-el=4.18.1-1 79ae710057edfd437a6fcdbf27ed8a1a3e29ae785730282313ed31ff3f93a95d
manpages-es=4.18.1-1 d21e9f85e487f149ae45b5c525b2b1a70ae7fd38d4b05b47c8753042c66f4c2b
manpages-fr=4.18.1-1 ec29759cc0e4a44dc7719c1e32869d0060667049e584f09556f0d982b969ea33
manpages-ja=0.5.0.0.20221215+dfsg-1 4d270e9a1e83be4de0c072a110892a17dc9caa4b501257324006ac28d82c5743
manpages-pl=1:4.18.1-1 31e518ea8331b5204d4fd0032037f96af1ba94a5afa4f0585dca1996b270cdf9
manpages-ru=4.18.1-1 5d5821dad5840652ba9c1c6b85bdc785c1fc52148a71c18fab6658c9659244c0
manpages-tr=2.0.6-2 babf3ded00dd7c30db8fb333c1ff482fd5a52483d2bffec7557e3f78ed77eef1
manpages-uk=4.18.1-1 7ad64b12010584a6cc10a341ba561a6774e8493166524f386bcd9fd7cbebdd5b
manpages-vi=4.18.1-1 c3fb89f768663013c87babcad3fdd525588edb2c9a91a9d1c74dc33c1a6ee73b
manpages-zh=1.6.4.0-1 81bae29495f6445db290e3f329f1203eb19b651c2a7ea165b74ebdc853a32ac1
fortunes-bg=1.4 654be0aacc5d932b12a17cbd895e66813e3097f81e761d991c6958591e69825c
fortunes-es=1.36 54636edc1a4384093b68d1666c7e702ce42d1fcc8b5ab402d9646c328dcca899
fortunes-it=1.99-4.1 675df6ecb00c3b67d06b39ab223ff17f1ef1d0ec82a7e40f989356a2eb61a97e
fortunes-pl=0.0.20130525-3 39602aece2081a67c9e95ff7f6e8b0b8fc2cce971e920a31d04133d4ac007ad0
libpython3.11-stdlib=3.11.2-6+deb12u9 10f13e000ee757f5f2d2d3569f9e30546214a0c850acd78695feae373bfa3e53
libreoffice-help-el=4:7.4.7-1+deb12u14 ed4c905d0df5761be817f59381ce7c48fa50ec9cef5737c83e66aa7d3c898f79
libreoffice-help-ja=4:7.4.7-1+deb12u14 7799ace9bfe0845771ed2499913e7f7e521318cf3727c007672e3b020f8eb7b9
libreoffice-help-ru=4:7.4.7-1+deb12u14 5a2f75d5b0dfcf660275070647af528a81be28b5d3e9c3ec2d419ef5518db7a2
fortunes-ru=1.52-3.1 2dc76af9c0e02e2926d36f88dcb685bb171fab8677e553a6def41efe8a551cc6
debian-reference-en=2.100 9f31d3a17df505de09689ca255512ea58c1fc47c59bb1b0c7bf1c23362e9743f
debian-reference-de=2.100 3b0ce65fd63e75ddf8eb07ca36293425135080e690a07e06a6ac8bc8040ef0aa
debian-reference-fr=2.100 01424cba9bfa2e13166da22d3d692d33a22ec7d8ef935ec81fd8802746087f65
debian-reference-ja=2.100 f67140e0b994409413bd5fcc8dfcce832445c99d724401f0275fa238daf30325
debian-reference-zh-cn=2.100 6d2d8d9a646397e28b04cdff23d2e4374101ebf9be348e35961af62c8a2d0977
golang-github-klauspost-compress-dev=1.15.12+ds1-3 b52ace76ce9276993aceb0a9ed7103ca16df1c4057b8fc1de3bf293476f64752
"
mkdir -p debs x
echo "$PKGS" | while read -r spec want; do
  [ -z "$spec" ] && continue
  name="${spec%%=*}"
  (cd debs && apt-get download -q "$spec" >/dev/null)
  deb="$(ls debs/"${name}"_*.deb)"
  got="$(sha256sum "$deb" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    echo "checksum mismatch for $deb: $got, expected $want" >&2
    exit 1
  fi
  dpkg-deb -x "$deb" "x/$name"
done
# Rust sources: crates of this repository's Cargo.lock (the list is in scripts/m1_mix.py).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$REPO" && cargo fetch --locked -q)
CARGO_SRC="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/index.crates.io-* | head -1)"
python3 "$REPO/scripts/m1_mix.py" x "$OUT" "$CARGO_SRC" "$OUT/mix"
(cd "$OUT/mix" && sha256sum -c --quiet "$REPO/scripts/m1_mix.sha256")
echo "corpus written to $OUT; the M1 v2 mix in $OUT/mix matches scripts/m1_mix.sha256"
