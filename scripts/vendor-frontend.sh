#!/usr/bin/env bash
# Refresh the vendored front-end libraries in src/attain/static/vendor/ from the npm registry.
# Attain never loads a CDN at run time: the files below are committed. Bump a version here, run this script,
# check the pages, commit. Needs node + npm; touches nothing outside the vendor folder and a temporary dir.
set -euo pipefail

ECHARTS_VERSION="6.1.0"
TABLER_VERSION="1.6.1"
HTMX_VERSION="2.0.11"  # htmx 2.x on purpose: plain "htmx.org" now resolves to htmx 4 (breaking changes)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/attain/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "echarts@$ECHARTS_VERSION" "@tabler/core@$TABLER_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null

M="$WORK/node_modules"
rm -rf "$DEST/echarts" "$DEST/tabler" "$DEST/htmx"
mkdir -p "$DEST/echarts" "$DEST/tabler" "$DEST/htmx"

cp "$M/echarts/dist/echarts.min.js" "$DEST/echarts/"
cp "$M/echarts/LICENSE" "$DEST/echarts/LICENSE"
echo "$ECHARTS_VERSION" >"$DEST/echarts/VERSION"

cp "$M/@tabler/core/dist/css/tabler.min.css" "$DEST/tabler/"
cp "$M/@tabler/core/dist/js/tabler.min.js" "$DEST/tabler/"
# The npm package ships no LICENSE file; its headers say "Licensed under MIT", so write the MIT text here.
cat >"$DEST/tabler/LICENSE" <<'LICENSE'
MIT License

Copyright (c) 2018-2026 The Tabler Authors
Copyright (c) 2018-2026 codecalm.net Paweł Kuna

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE
echo "$TABLER_VERSION" >"$DEST/tabler/VERSION"

cp "$M/htmx.org/dist/htmx.min.js" "$DEST/htmx/"
cp "$M/htmx.org/LICENSE" "$DEST/htmx/LICENSE"
echo "$HTMX_VERSION" >"$DEST/htmx/VERSION"

# No source maps (they would 404 and bloat the tree); no remote @import / url() (no CDN, no Google Fonts).
sed -i -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##g' \
  "$DEST/echarts/echarts.min.js" "$DEST/tabler/tabler.min.css" "$DEST/tabler/tabler.min.js" "$DEST/htmx/htmx.min.js"
sed -i -E 's#@import url\((["'"'"']?)https?://[^)]*\)[^;]*;##g' "$DEST/tabler/tabler.min.css"
if grep -Eo '(@import|url\()[^;)]*https?://' "$DEST/tabler/tabler.min.css" | grep -v -E '^url\(.?data:' | grep -q .; then
  echo "tabler.min.css still refers to a remote URL; strip it before committing" >&2
  exit 1
fi

du -sh "$DEST"/echarts "$DEST"/tabler "$DEST"/htmx
