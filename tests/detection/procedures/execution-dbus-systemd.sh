#!/bin/bash
# Drive systemd and logind over the system D-Bus from the command line: start a unit, create a transient one, and ask for a reboot. No system bus runs here, so dbus-send fails to connect right after its exec is recorded, and nothing is started or rebooted.
# technique: T1559
# expect: dbus-service-control
set -eu
dbus-send --system --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager.StartUnit string:cache-updater.service string:replace > /dev/null 2>&1 || true
dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 \
    org.freedesktop.login1.Manager.Reboot boolean:false > /dev/null 2>&1 || true
