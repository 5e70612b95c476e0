#!/usr/bin/env bash
# Renders each kind of HTML report (score, compare, scaling) in headless Chromium and checks the screenshots: the
# expected size, not blank, and every plot on the page found by its frame and drawn (not one flat colour).
# Installs Debian's chromium and python3-pil when they are missing. Prints "browser: N passed, M failed".
# Usage: bash eng/test-browser.sh [OUTPUT_FOLDER]   (default artifacts/browser; the screenshots stay there)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out="$(realpath -m "${1:-artifacts/browser}")"
python=/usr/bin/python3
# A setup step that fails (install, build, a report) is reported and counted, not just an exit code.
trap 'echo "browser: setup failed at line $LINENO"; echo "browser: 0 passed, 1 failed"' ERR

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null || ! "$python" -c 'import PIL' 2>/dev/null; then
  echo "=== installing chromium and python3-pil"
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium python3-pil >/dev/null
fi

echo "=== reports (score and compare of the two demo models, scaling of the scaling demo's six models)"
rm -rf "$out"
mkdir -p "$out"
for project in src/LossEngine.Cli samples/LossEngine.Pipeline; do
  if ! dotnet build "$project" -c Release -v quiet --nologo >"$out/build.log" 2>&1; then
    grep -E ' error ' "$out/build.log" | sort -u | head -n 20
    false
  fi
done
cli="dotnet src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll"
dotnet samples/LossEngine.Pipeline/bin/Release/net10.0/LossEngine.Pipeline.dll "$out/dumps" >/dev/null
$cli score "$out/dumps/model-a.safetensors" --threads 2 --html "$out/score.html" --plots "$out/score-plots" >/dev/null
$cli compare "$out/dumps/model-a.safetensors" "$out/dumps/model-b.safetensors" --threads 2 --html "$out/compare.html" >/dev/null
# The scaling demo plants an emergent task whose continuous metric is smooth, so its page has mirage pairs too.
$cli demo --scaling --out "$out/scaling-demo" --threads 2 >/dev/null
cp "$out/scaling-demo/scaling.html" "$out/scaling.html"
rm -rf "$out/dumps" "$out/scaling-demo"

# Windows tall enough to hold each whole page: a plot cut off by the window is missed and fails the count.
declare -A heights=([score]=7000 [compare]=2600 [scaling]=9000)
width=1400
for kind in score compare scaling; do
  echo "=== rendering $kind.html at ${width}x${heights[$kind]}"
  # A fresh profile per page; --virtual-time-budget lets the inline script run before the screenshot.
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --user-data-dir="$out/profile-$kind" --virtual-time-budget=2000 --window-size="$width,${heights[$kind]}" \
    --screenshot="$out/$kind.png" "file://$out/$kind.html" >"$out/chromium-$kind.log" 2>&1 || true
  rm -rf "$out/profile-$kind"
done

"$python" - "$out" "$width" "${heights[score]}" "${heights[compare]}" "${heights[scaling]}" <<'PY'
import os, re, sys
from PIL import Image, ImageStat

out, width = sys.argv[1], int(sys.argv[2])
heights = dict(zip(["score", "compare", "scaling"], map(int, sys.argv[3:6])))
FRAME = bytes((0x5A, 0x7D, 0x9A))  # figure.plot's border colour in the page's CSS
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    passed, failed = passed + ok, failed + (not ok)

def frames(image):
    """Rectangles drawn in the frame colour: runs of at least 120 px of it on a row are top or bottom edges; a
    top and the next bottom with the same span enclose one plot."""
    w, h = image.size
    raw = image.tobytes()
    edges = {}
    for y in range(h):
        row = raw[y * w * 3:(y + 1) * w * 3]
        start = 0
        while (i := row.find(FRAME * 120, start)) >= 0:
            if i % 3:
                start = i + 1
                continue
            j = i
            while row[j:j + 3] == FRAME:
                j += 3
            edges.setdefault((i // 3, j // 3), []).append(y)
            start = j
    boxes = []
    for (x0, x1), ys in edges.items():
        runs = []  # a 2 px border is two neighbouring rows: one edge
        for y in ys:
            if runs and y - runs[-1][1] <= 1:
                runs[-1][1] = y
            else:
                runs.append([y, y])
        for top, bottom in zip(runs[0::2], runs[1::2]):
            boxes.append((x0, top[1] + 1, x1, bottom[0]))
    return sorted(boxes, key=lambda b: (b[1], b[0]))

for kind in ["score", "compare", "scaling"]:
    print(f"=== {kind}")
    shot = os.path.join(out, f"{kind}.png")
    page = open(os.path.join(out, f"{kind}.html"), encoding="utf-8").read()
    plots = len(re.findall(r'<figure class="plot"', page))
    if not os.path.exists(shot):
        check(f"{kind}: screenshot written", False, open(os.path.join(out, f"chromium-{kind}.log")).read()[-400:])
        continue
    image = Image.open(shot).convert("RGB")
    check(f"{kind}: screenshot size", image.size == (width, heights[kind]), f"{image.size}")
    stat = ImageStat.Stat(image)
    colours = len(image.getcolors(1 << 24) or [])
    check(f"{kind}: page not blank", max(stat.stddev) > 8 and colours > 50, f"stddev {max(stat.stddev):.1f}, {colours} colours")
    boxes = frames(image)
    check(f"{kind}: every plot on the page found by its frame", len(boxes) == plots and plots > 0, f"{len(boxes)} framed of {plots} plots")
    for n, (x0, y0, x1, y1) in enumerate(boxes):
        region = image.crop((x0 + 2, y0 + 2, x1 - 2, y1 - 2))
        region_colours = len(region.getcolors(1 << 24) or [])
        inked = sum(1 for p in region.getdata() if sum(p) < 3 * 200)
        share = inked / max(1, region.width * region.height)
        check(f"{kind}: plot {n + 1} ({region.width}x{region.height}) drawn", region_colours > 30 and share > 0.01,
              f"{region_colours} colours, {share:.1%} inked")

print(f"browser: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
