#!/usr/bin/env bash
# How the documentation assets in this folder were obtained: the npm registry's packages, unpacked,
# the files the pages load copied as they are. Re-run to update (`make vendor`); the app never
# fetches anything at run time, so /docs and /redoc work with no internet access.
set -euo pipefail
SWAGGER_UI=5.35.0
REDOC=2.5.4
here=$(cd "$(dirname "$0")" && pwd)
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
echo "swagger-ui-dist $SWAGGER_UI, redoc $REDOC" > "$here/VERSIONS"
