#!/bin/bash
# Guess and spray passwords with su from an unprivileged account: five guesses for root,
# then one common password against four other local accounts (made up here, in the
# overlay). Every attempt is refused; su exits 1 without starting a session.
# technique: T1110 T1110.001 T1110.003 T1110.004
# expect: failed-login-burst password-spraying
set -eu
for user in alice bob carol dave; do
    useradd -M -s /bin/sh "$user"
    echo "$user:Not-The-Guess-$RANDOM$RANDOM" | chpasswd
done
attempt() {  # attempt USER PASSWORD: su as nobody, the password on stdin
    echo "$2" | setpriv --reuid=65534 --regid=65534 --clear-groups su "$1" -c true \
        2>/dev/null && echo "$1: accepted" || echo "$1: refused"
}
for guess in 123456 password toor admin letmein; do
    attempt root "$guess"
done
for user in alice bob carol dave; do
    attempt "$user" 'Winter2026!'
done
