#!/bin/bash
# fresh demo node, then 30 sequential handshakes of the valid client: how many are refused?
cd "$(dirname "$0")/.."
for run in 1 2; do
  d=/tmp/cold.$run; rm -rf $d
  bin/portcullis demo --dir $d --port 18443 > $d.log 2>&1 &
  pid=$!
  for i in $(seq 1 120); do grep -q "Press Ctrl-C" $d.log 2>/dev/null && break; sleep 0.5; done
  fail=0
  for i in $(seq 1 30); do
    curl -s -o /dev/null --max-time 10 --cacert $d/ca.pem --cert $d/client.pem --key $d/client.key https://localhost:18443/ || fail=$((fail+1))
  done
  echo "run $run: $fail of 30 refused; timeouts logged: $(grep -c 'ConnectionFunctionError' $d/logs/connection.log)"
  kill $pid; wait $pid 2>/dev/null
done
