#!/bin/bash
# docs/operator.md §0 executed step by step (needs `npm install` first). Everything goes under .walkthrough/.
set -e
mkdir -p .walkthrough
cd "$(dirname "$0")/.."
export PROVER_NODE_PASSWORD=walkthrough-pw
D=.walkthrough/mynode; rm -rf $D .walkthrough/devnet-hand
CLI="node dist/cli/index.js"
ADDR=$($CLI init --data-dir $D | grep "staking address:" | awk '{print $3}')
echo "address $ADDR"
$CLI devnet --nodes 0 --fund $ADDR --dir .walkthrough/devnet-hand --batches 2 > .walkthrough/devnet-hand.log 2>&1 &
DEVNET=$!
for i in $(seq 1 120); do grep -q "bootstrap:" .walkthrough/devnet-hand.log && break; sleep 1; done
RPC=$(grep "  rpc:" .walkthrough/devnet-hand.log | awk '{print $2}')
DEP=$(grep "  deployment:" .walkthrough/devnet-hand.log | awk '{print $2}')
NET=$(grep "  network:" .walkthrough/devnet-hand.log | awk '{print $2}')
BOOT=$(grep "  bootstrap:" .walkthrough/devnet-hand.log | awk '{print $2}')
python3 - "$D/config.json" "$RPC" "$DEP" "$NET" "$BOOT" <<'PY'
import json, sys
p, rpc, dep, net, boot = sys.argv[1:]
c = json.load(open(p))
c["network"] = net
c["chain"].update({"rpcUrls": [rpc], "deploymentFile": dep, "confirmations": 0, "pollIntervalMs": 500})
c["p2p"].update({"listenAddrs": ["/ip4/127.0.0.1/tcp/0"], "bootstrapPeers": [boot], "privateAddresses": True})
c["jobs"]["proofOptionsPreset"] = "test"
c["market"]["overheadSeconds"] = 5
c["api"]["port"] = 0
json.dump(c, open(p, "w"), indent=2)
PY
export PROVER_NODE_RPC_URLS=$RPC PROVER_NODE_DEPLOYMENT_FILE=$DEP
$CLI register --data-dir $D
$CLI stake bond 1000 --data-dir $D
$CLI bench --data-dir $D --air transfer-v1 --log-rows 8 --options test --runs 1
$CLI start --data-dir $D > .walkthrough/mynode.log 2>&1 &
NODE=$!
# Once the first batch is finalized, the stake has grown by what the node earned.
for i in $(seq 1 300); do grep -q "finalized [1-9]" .walkthrough/devnet-hand.log && break; sleep 1; done
$CLI stake status --data-dir $D
wait $DEVNET; echo "devnet exit $?"
kill -TERM $NODE; wait $NODE || true
grep -o '"msg":"Segment [a-z]*"\|"msg":"Aggregate submitted"' .walkthrough/mynode.log | sort | uniq -c
tail -6 .walkthrough/devnet-hand.log
