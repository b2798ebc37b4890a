#!/bin/bash
# Start a cryptocurrency miner pointed at a stratum pool and bandwidth-sharing proxyware, as a program and as its container image. xmrig and honeygain are stand-ins (copies of /bin/true in the overlaid /usr/local/bin) that carry the names and options the signatures read; the pool is a loopback address; docker is given a socket that does not exist, so it fails before reaching any daemon or registry.
# technique: T1496 T1496.001 T1496.002
# expect: cryptominer-exec proxyware-exec
set -eu
for tool in xmrig honeygain; do cp /bin/true "/usr/local/bin/$tool"; done
xmrig -o stratum+tcp://127.0.0.1:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1 --background
honeygain -tou-accept -email nobody@example.invalid -pass not-a-password -device proc01
docker -H "unix://$TPY_WORK/no-daemon.sock" run -d --name hg honeygain/honeygain -tou-accept > /dev/null 2>&1 || true
