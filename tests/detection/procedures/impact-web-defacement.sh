#!/bin/bash
# Deface the front pages of two web roots in the throwaway overlay the ways defacers do: a shell redirection over index.html, curl -o fetching the defacement page (from a file:// URL, no network), cp of a page onto index.php, and sed -i rewriting the title of the nginx default page in place.
# technique: T1491 T1491.002
# expect: web-page-defacement
set -eu
mkdir -p /var/www/html /usr/share/nginx/html /srv/www/shop
printf '<html><title>Welcome</title><body>shop</body></html>\n' > "$TPY_WORK/orig.html"
printf '<html><body><h1>hacked by tpy-procedure</h1></body></html>\n' > "$TPY_WORK/deface.html"
# the nginx default page as a package would have put it there (tar, not flagged), then defaced
mkdir "$TPY_WORK/pkg"
cp "$TPY_WORK/orig.html" "$TPY_WORK/pkg/index.html"
tar -C "$TPY_WORK/pkg" -cf "$TPY_WORK/seed.tar" index.html
tar -C /usr/share/nginx/html -xf "$TPY_WORK/seed.tar"
echo '<h1>owned</h1>' > /var/www/html/index.html
curl -s -o /srv/www/shop/index.html "file://$TPY_WORK/deface.html"
cp "$TPY_WORK/deface.html" /var/www/html/index.php
sed -i 's/Welcome/Defaced/' /usr/share/nginx/html/index.html
grep -q Defaced /usr/share/nginx/html/index.html
