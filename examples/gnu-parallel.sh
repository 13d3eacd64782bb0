#!/bin/sh
# One list, N machines, with GNU parallel over ssh. Each job runs shard K of N on
# one of the hosts; every record lands in exactly one shard (by request key hash,
# so repeats stay together), and each shard's results come back to this machine.
#
# Run it from anywhere, with a clone of this repository (after `npm install`) at
# the same path on this machine and on every host: bulkfetch is run from that
# clone's bin/, as the package is not published to npm.
#
#   HOSTS (hosts.txt): one ssh login a line (user@worker1); a line ':' is this
#              machine. --jobs 1 runs one bulkfetch per host at a time (it uses
#              every CPU there through its own --procs).
#   URLS (urls.txt): the list, a path relative to the current directory;
#              --transferfile copies it to each host (skip it when the hosts
#              share a filesystem), --cleanup removes the copies afterwards.
#   N (8):     the number of shards, here and only here.
#
#   N=4 HOSTS=hosts.txt URLS=urls.txt examples/gnu-parallel.sh
set -eu
N=${N:-8}
HOSTS=${HOSTS:-hosts.txt}
URLS=${URLS:-urls.txt}
BULKFETCH=${BULKFETCH:-"$(cd "$(dirname "$0")/.." && pwd)/bin/bulkfetch.js"}

seq 0 $((N - 1)) | parallel --jobs 1 --sshloginfile "$HOSTS" \
  --transferfile "$URLS" --cleanup \
  --return 'results-{}.ndjson' --return 'summary-{}.json' \
  "node '$BULKFETCH' '$URLS' --shard {}/$N -q -o results-{}.ndjson --summary summary-{}.json"

# Results of all shards: every record once.
cat results-*.ndjson > results.ndjson
# One summary: the counts added up over the shards (latency percentiles cannot be
# added; each shard's stay in its summary-K.json).
jq -s '{
  records: (map(.records) | add), sent: (map(.sent) | add), cached: (map(.cached) | add),
  invalid: (map(.invalid) | add), errors: (map(.errors) | add), requests: (map(.requests) | add),
  retries: (map(.retries) | add),
  status: (map(.status | to_entries) | add | group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) | from_entries)
}' summary-*.json > summary.json
