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
# Source maps are not shipped: drop their comments, or the production collectstatic (hashed names,
# which follows every reference) stops at the missing .map file.
sed -i 's|/\*# sourceMappingURL=[^ ]*\.map \*/||; s|//# sourceMappingURL=[^ ]*\.map$||' "$static/nhsuk-frontend/nhsuk-frontend.min.css" "$static/nhsuk-frontend/nhsuk-frontend.min.js"
cp -r "$nhs/assets" "$static/nhsuk-frontend/assets"
cp node_modules/nhsuk-frontend/LICENSE* "$static/nhsuk-frontend/" 2>/dev/null || true
cp node_modules/htmx.org/dist/htmx.min.js "$static/htmx/"
cp node_modules/htmx.org/LICENSE "$static/htmx/"
# Charts: vega, vega-lite and vega-embed as published (UMD builds, globals vega, vegaLite,
# vegaEmbed). vega-interpreter evaluates expressions without `new Function`, so charts render
# under a CSP without 'unsafe-eval'; it is published only as an ES module importing vega-util,
# whose functions the vega bundle already exports, so its one import line is rewritten to read
# them from the vega global and its export to set window.vegaInterpreter (decision 0027).
rm -rf "$static/vega"
mkdir -p "$static/vega"
cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
   node_modules/vega-embed/build/vega-embed.min.js "$static/vega/"
# The source maps are not shipped: drop the comments that would make browsers ask for them.
sed -i '/^\/\/# sourceMappingURL=/d; s|//# sourceMappingURL=[^ ]*\.map$||' "$static/vega/"*.min.js
for package in vega vega-lite vega-embed vega-interpreter; do cp "node_modules/$package/LICENSE" "$static/vega/LICENSE-$package"; done
python3 - node_modules/vega-interpreter/build/vega-interpreter.js "$static/vega/vega-interpreter.js" <<'PY'
import re, sys
source = open(sys.argv[1]).read()
imports = re.search(r"^import \{([^}]*)\} from 'vega-util';\n", source, re.M)
assert imports and source.count("import ") == 1, "vega-interpreter's imports changed: update frontend/vendor.sh"
body = source.replace(imports.group(0), "").replace("//# sourceMappingURL=vega-interpreter.js.map", "")
body = body.replace("export { expression as expressionInterpreter };", "window.vegaInterpreter = { expressionInterpreter: expression };")
assert "export " not in body, "vega-interpreter's exports changed: update frontend/vendor.sh"
open(sys.argv[2], "w").write("(function (vega) {\nconst {" + imports.group(1) + "} = vega;\n" + body + "})(window.vega);\n")
PY
echo "vendored nhsuk-frontend $(node -p "require('./node_modules/nhsuk-frontend/package.json').version"), htmx $(node -p "require('./node_modules/htmx.org/package.json').version")", \
  "vega $(node -p "require('./node_modules/vega/package.json').version"), vega-lite $(node -p "require('./node_modules/vega-lite/package.json').version")," \
  "vega-embed $(node -p "require('./node_modules/vega-embed/package.json').version"), vega-interpreter $(node -p "require('./node_modules/vega-interpreter/package.json').version")"
