#!/usr/bin/env bash
# Rebuilds the English training text of the sample M1 (see sample_models/MODEL_CARD.md) from the
# packages it came from, and the train / validation split used for the sample model.
# Best effort: needs apt (Debian 12), python3 + pip, bzip2, and network access to the registries.
#
#   scripts/fetch_corpus.sh [OUT_DIR]      (default: corpus/)
#
# Produces OUT_DIR/austen_6novels.txt, kjv_plain.txt, fortunes_en.txt, enwiki_shortened.xml and
# the split OUT_DIR/austen_train.txt (all but the last 204,800 bytes) / austen_val.txt (the last
# 204,800 bytes).
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
echo "corpus written to $OUT (compare the sha256 prefixes with sample_models/MODEL_CARD.md)"
