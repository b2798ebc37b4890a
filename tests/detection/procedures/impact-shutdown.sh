#!/bin/bash
# Ask for a shutdown, a reboot and a power-off the ways wipers do once their damage is done. Nothing is shut down: every call carries an option the tools do not know, so each one stops at argument parsing right after its exec is recorded (and no systemd runs here to obey them anyway).
# technique: T1529
# expect: system-shutdown-command
set -eu
bad=--tracee-py-procedure-not-an-option
shutdown "$bad" -h now > /dev/null 2>&1 || true
reboot "$bad" > /dev/null 2>&1 || true
poweroff "$bad" > /dev/null 2>&1 || true
systemctl "$bad" reboot > /dev/null 2>&1 || true
