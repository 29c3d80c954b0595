#!/bin/bash
# Queues the shard array, then the merge once every task has ended:
#   SLMBENCH_RESULTS=/shared/slmbench-run1 examples/slurm/submit.sh [suite file]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SLMBENCH_DIR=${SLMBENCH_DIR:-$(cd "$here/../.." && pwd)}
export SLMBENCH_RESULTS=${SLMBENCH_RESULTS:?set SLMBENCH_RESULTS to a folder on the shared filesystem}
export SLMBENCH_SUITE=${1:-${SLMBENCH_SUITE:-benchmarks/suites/default.ts}}
array=$(sbatch --parsable --export=ALL "$here/shards.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency="afterany:${array%%;*}" "$here/merge.sbatch")
echo "shards: job ${array%%;*}; merge: job ${merge%%;*}; results in $SLMBENCH_RESULTS/merged"
