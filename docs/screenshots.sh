#!/usr/bin/env bash
# Redraws the pictures in docs/ from the sample export, with the built
# binary and headless Chromium (apt-get install chromium):
#   cargo build && docs/screenshots.sh
# report.png: the top of the scan's HTML report. reply.png and digest.png:
# the report's drawings of the bot's reply and of the last week's digest
# (both from the bot's own renderers), each on a small page of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CLARITY_BIN:-target/debug/clarity-bot}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" scan tests/fixtures/export --format html --digests -o "$work/report.html" 2>/dev/null || true

python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
page = open(f"{work}/report.html", encoding="utf-8").read()
style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
def message_after(marker, last=False):
    start = page.rfind(marker) if last else page.find(marker)
    start = page.index('<div class="sk-message">', start)
    # A drawn message is two nested divs deep at its end.
    end = page.index("</div></div>", start) + len("</div></div>")
    while page.count("<div", start, end) != page.count("</div>", start, end):
        end = page.index("</div>", end) + len("</div>")
    return page[start:end]
ask = re.search(r'<p class="asked">In the thread of “(.*?)”', page).group(1)
thread = f"""<div class="sk-message ask"><div class="sk-avatar" style="background:#8d6e63">T</div><div class="sk-body">
<div class="sk-author"><strong>A teammate</strong></div><div class="sk-section">{ask}</div>
<div class="sk-context">1 reply</div></div></div>"""
for name, body in [
    ("reply", thread + message_after("What the bot would reply")),
    ("digest", message_after('<div class="digest">', last=True)),
]:
    open(f"{work}/{name}.html", "w", encoding="utf-8").write(
        f"<!DOCTYPE html><html><head><meta charset=utf-8><style>{style}"
        "body{margin:0;padding:16px;background:#fff}.sk-message{border:0;max-width:600px}"
        ".ask{margin-bottom:4px}</style></head><body>" + body + "</body></html>")
PY

shoot() { # file, width, height, page
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars \
    --screenshot="$1" --window-size="$2,$3" "file://$4" 2>/dev/null
}
shoot docs/report.png 1240 1480 "$work/report.html"
shoot docs/reply.png 660 380 "$work/reply.html"
shoot docs/digest.png 660 500 "$work/digest.html"
# Fewer colours, a third of the bytes, when Pillow is there to do it.
python3 - <<'PY' || true
from PIL import Image
for name in ["report", "reply", "digest"]:
    path = f"docs/{name}.png"
    Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)
PY
ls -l docs/*.png
