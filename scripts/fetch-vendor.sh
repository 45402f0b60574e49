#!/usr/bin/env bash
# How the documentation assets in api/static/vendor/ were obtained: the npm registry's packages, unpacked,
# the files the pages load copied as they are but for one line (below). Re-run to update (`make
# vendor`); the app never fetches anything at run time, so /docs and /redoc work with no internet
# access.
set -euo pipefail
SWAGGER_UI=5.35.0
REDOC=2.5.4
here=$(cd "$(dirname "$0")/../api/static/vendor" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "swagger-ui-dist@$SWAGGER_UI" "redoc@$REDOC" >/dev/null
mkdir swagger redoc
tar xzf "swagger-ui-dist-$SWAGGER_UI.tgz" -C swagger
tar xzf "redoc-$REDOC.tgz" -C redoc
mkdir -p "$here/swagger-ui" "$here/redoc"
for f in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png LICENSE; do
  cp "swagger/package/$f" "$here/swagger-ui/$f"
done
cp redoc/package/bundles/redoc.standalone.js redoc/package/LICENSE "$here/redoc/"
# ReDoc's menu footer shows Redocly's logo from their CDN, with no option to leave it out: the page
# would reach another host (the Content-Security-Policy blocks it, as an error in the console). An
# empty data: URL fails to load without a request, and ReDoc then drops the image.
sed -i 's#"https://cdn.redoc.ly/redoc/logo-mini.svg"#"data:,"#' "$here/redoc/redoc.standalone.js"
if grep -q 'cdn\.redoc\.ly' "$here/redoc/redoc.standalone.js"; then
  echo "redoc $REDOC still loads from cdn.redoc.ly: update the substitution above" >&2
  exit 1
fi
echo "swagger-ui-dist $SWAGGER_UI, redoc $REDOC" > "$here/VERSIONS"
