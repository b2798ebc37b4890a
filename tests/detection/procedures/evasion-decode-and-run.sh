#!/bin/bash
# Run payloads that travel encoded: base64 piped into sh, a hex dump reversed into bash, and base64 decoded into bash -c.
# technique: T1140
# expect: decode-and-execute
set -eu
encoded=$(printf 'id; uname -a\n' | base64 -w0)
echo "$encoded" | base64 -d | sh > /dev/null
printf 'hostname\n' | xxd -p | xxd -r -p | bash > /dev/null
bash -c "$(echo "$encoded" | base64 --decode)" > /dev/null
