#!/usr/bin/env bash
# Unpacks proxy-core/target/portcullis-VERSION.tar.gz (made by bin/mvn package) into a temporary
# folder and runs the node from it as an installed copy would, with no Maven and no sources: the
# launcher must not build, the demo must start (functions included) and a valid client get 200.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
archive=$(ls "$root"/proxy-core/target/portcullis-*.tar.gz 2>/dev/null | head -n 1 || true)
[ -n "$archive" ] || { echo "check-distribution: no archive; run bin/mvn package first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-dist.XXXXXX")
trap 'kill $node 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
tar xzf "$archive" -C "$work"
dist=$(ls -d "$work"/portcullis-*)
if grep -q mvn "$dist/bin/portcullis"; then
  echo "check-distribution: FAIL the installed launcher mentions mvn" >&2; exit 1
fi
"$dist/bin/portcullis" --version
. "$root/bin/demo-node.sh"
port=$(portcullis_free_port)
# From outside the checkout, so nothing it does can find the sources or their build; exec, so that
# $node is the JVM itself and the trap stops it (it outlived the script before).
(cd "$work" && exec "$dist/bin/portcullis" demo --dir "$work/demo" --port "$port" >"$work/demo.log" 2>&1) &
node=$!
portcullis_await_demo "$work/demo.log" $node check-distribution
# Up to three tries: a cold node's function may exceed its 5 ms on a loaded machine (then it refuses).
for _ in 1 2 3; do
  status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/demo/ca.pem" --cert "$work/demo/client.pem" \
    --key "$work/demo/client.key" "https://localhost:$port/" || true)
  [ "$status" = 200 ] && break
  sleep 0.5
done
revoked=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/demo/ca.pem" --cert "$work/demo/revoked-client.pem" \
  --key "$work/demo/revoked-client.key" "https://localhost:$port/" || true)
if [ "$status" != 200 ] || [ "$revoked" = 200 ]; then
  echo "check-distribution: FAIL valid client got $status, revoked client got $revoked"; cat "$work/demo.log"; exit 1
fi
grep -m1 "connection functions" "$work/demo.log" || true
echo "check-distribution: passed ($(basename "$archive"): valid client 200, revoked client refused)"
