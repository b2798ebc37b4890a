#!/bin/bash
# Dotfiles setup: VS Code user settings and keybindings, a Chrome preferences file and a
# Firefox user.js written by a script; the extension folders are only listed.
set -eu
export HOME=/root
mkdir -p "$HOME/.config/Code/User" "$HOME/.vscode/extensions" "$HOME/.config/google-chrome/Default" \
    "$HOME/.mozilla/firefox/abcd1234.default"
echo '{"editor.tabSize": 4, "files.trimTrailingWhitespace": true}' > "$HOME/.config/Code/User/settings.json"
echo '[]' > "$HOME/.config/Code/User/keybindings.json"
echo '{"browser": {"show_home_button": true}}' > "$HOME/.config/google-chrome/Default/Preferences"
echo 'user_pref("browser.startup.page", 3);' > "$HOME/.mozilla/firefox/abcd1234.default/user.js"
ls "$HOME/.vscode/extensions" "$HOME/.config/google-chrome/Default"
