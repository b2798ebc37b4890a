#!/bin/bash
# An ordinary npm install: a local dependency whose postinstall hook builds something in
# its own folder (writes a generated file with node and lists its directory). Offline, from
# a local folder, with the package's scripts allowed by the project.
set -eu
mkdir -p "$TPY_WORK/fastmath" "$TPY_WORK/app"
cat > "$TPY_WORK/fastmath/package.json" <<'JSON'
{"name": "fastmath", "version": "2.0.0",
 "scripts": {"postinstall": "node -e \"require('fs').writeFileSync('build.js', 'module.exports = 42')\" && ls > /dev/null"}}
JSON
cat > "$TPY_WORK/app/package.json" <<JSON
{"name": "app", "version": "1.0.0",
 "dependencies": {"fastmath": "file:../fastmath"},
 "allowScripts": {"file:$TPY_WORK/fastmath": true}}
JSON
cd "$TPY_WORK/app"
npm install --offline --no-audit --no-fund --install-links --foreground-scripts > /dev/null
test -f node_modules/fastmath/build.js
