#!/bin/sh
# One list, N machines, with GNU parallel over ssh. Each job runs shard K of N on
# one of the hosts; every record lands in exactly one shard (by request key hash,
# so repeats stay together), and each shard's results come back to this machine.
#
#   hosts.txt: one ssh login a line (user@worker1); --jobs 1 runs one bulkfetch
#              per host at a time (it uses every CPU there through its own --procs)
#   urls.txt:  the list; --transferfile copies it to each host (skip it when the
#              hosts share a filesystem), --cleanup removes the copy afterwards.
set -eu
N=${N:-8}
seq 0 $((N - 1)) | parallel --jobs 1 --sshloginfile hosts.txt \
  --transferfile urls.txt --cleanup \
  --return 'results-{}.ndjson' --return 'summary-{}.json' \
  'npx --yes bulkfetch urls.txt --shard {}/'"$N"' -q -o results-{}.ndjson --summary summary-{}.json'

# Results of all shards: every record once.
cat results-*.ndjson > results.ndjson
