#!/usr/bin/env bash
# Refreshes the vendored front-end files from the npm registry, at the versions pinned in
# package-lock.json. The built files are committed so that Octopus serves everything itself:
# no CDN, no Node.js needed to run or test it (see docs/decisions/0001-foundation.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
static="$here/../src/octopus/core/static/vendor"
cd "$here"
npm ci --silent
nhs=node_modules/nhsuk-frontend/dist/nhsuk
rm -rf "$static/nhsuk-frontend" "$static/htmx"
mkdir -p "$static/nhsuk-frontend" "$static/htmx"
cp "$nhs/nhsuk-frontend.min.css" "$nhs/nhsuk-frontend.min.js" "$static/nhsuk-frontend/"
# The Frutiger webfont is served from assets.nhs.uk and licensed for NHS websites only: drop the
# @font-face rules so pages make no third-party requests (the CSP forbids them) and use Arial.
python3 -c 'import re,sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(re.sub(r"@font-face\{[^}]*\}", "", s))' "$static/nhsuk-frontend/nhsuk-frontend.min.css"
cp -r "$nhs/assets" "$static/nhsuk-frontend/assets"
cp node_modules/nhsuk-frontend/LICENSE* "$static/nhsuk-frontend/" 2>/dev/null || true
cp node_modules/htmx.org/dist/htmx.min.js "$static/htmx/"
cp node_modules/htmx.org/LICENSE "$static/htmx/"
echo "vendored nhsuk-frontend $(node -p "require('./node_modules/nhsuk-frontend/package.json').version"), htmx $(node -p "require('./node_modules/htmx.org/package.json').version")"
