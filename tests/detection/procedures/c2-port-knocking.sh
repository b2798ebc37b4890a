#!/bin/bash
# Port knocking on loopback. A knockd-style daemon (a small Python stand-in: knockd is not
# installed) watches the loopback interface through a packet socket for connection attempts
# to the closed ports 7301, 8302 and 9303 in that order, and only then opens its hidden
# service on 2422. The client knocks with bash's /dev/tcp (each knock is refused), then
# connects to the port that opened, and a second client knocks the same way from Python.
# technique: T1205 T1205.001
# expect: port-knock-sequence sniffer-opens-listener
set -eu
export LC_ALL=C
python3 - <<'PY' &
import socket, struct

SEQUENCE = [7301, 8302, 9303]
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
sniff.bind(("lo", 0))
sniff.settimeout(60)
for round_ in range(2):
    seen = []
    while seen != SEQUENCE:
        frame = sniff.recv(2048)
        ip = frame[14:]
        if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        tcp = ip[(ip[0] & 15) * 4:]
        dport = struct.unpack("!H", tcp[2:4])[0]
        if tcp[13] & 0x12 != 0x02:  # SYN without ACK: a connection attempt
            continue
        # loopback shows each frame twice (out and in): count a port once in a row
        if dport in SEQUENCE and (not seen or seen[-1] != dport):
            seen = (seen + [dport])[-3:]
    hidden = socket.socket()
    hidden.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hidden.bind(("127.0.0.1", 2422))
    hidden.listen(1)
    conn, _ = hidden.accept()
    conn.sendall(b"welcome\n")
    conn.close()
    hidden.close()
PY
daemon=$!
sleep 1

# first client: bash, one refused knock per port, then the hidden port (retried until open)
for port in 7301 8302 9303; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || true
    sleep 0.2
done
for _ in 1 2 3 4 5 6 7 8 9 10; do
    if { exec 3<>/dev/tcp/127.0.0.1/2422; } 2>/dev/null; then
        head -c 8 <&3
        exec 3>&-
        break
    fi
    sleep 0.3
done

# second client: a Python knocker
python3 - <<'PY'
import socket, time
for port in (7301, 8302, 9303):
    s = socket.socket()
    s.connect_ex(("127.0.0.1", port))
    s.close()
    time.sleep(0.2)
for _ in range(10):
    s = socket.socket()
    if s.connect_ex(("127.0.0.1", 2422)) == 0:
        print(s.recv(16).decode().strip())
        s.close()
        break
    s.close()
    time.sleep(0.3)
PY
wait "$daemon"
