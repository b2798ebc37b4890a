#!/bin/bash
# Install a small package from Debian's archive with apt-get, run it, and remove it again.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends hello
hello --greeting="installed by apt"
apt-get remove -y -q hello
