#!/bin/bash
# Deploying a static web site the ordinary ways: a git clone of the site into /var/www, a release tarball unpacked into /srv/www, then a shell writing robots.txt and a health-check page (not the front page) beside them, and the front page read back.
# technique: T1491.002
set -eu
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid
export GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid
git init -q -b main site
printf '<html><title>Shop</title><body>welcome</body></html>\n' > site/index.html
git -C site add index.html
git -C site commit -q -m "front page"
mkdir -p /var/www /srv/www/shop
git clone -q --no-local site /var/www/shop
mkdir release
cp site/index.html release/index.html
tar -C release -czf release.tar.gz index.html
tar -C /srv/www/shop -xzf release.tar.gz
echo 'User-agent: *' > /var/www/shop/robots.txt
echo ok > /srv/www/shop/healthz.html
cat /var/www/shop/index.html /srv/www/shop/index.html > /dev/null
