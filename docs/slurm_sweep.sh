#!/bin/bash
# Run a planned dermsim sweep as a Slurm job array: one array task per row of runs.csv.
#
#   dermsim sweep plan configs/sweeps/morris_rates.yaml -o sweeps/morris   # on the login node
#   N=$(( $(wc -l < sweeps/morris/runs.csv) - 2 ))                          # last row index
#   sbatch --array=0-$N%50 docs/slurm_sweep.sh sweeps/morris                 # at most 50 at once
#   dermsim sweep collect sweeps/morris                                      # when all are done
#
# Each task runs exactly one row (`--index`), writes only into DIR/runs/<run_id>/, and
# skips a row that is already complete, so resubmitting the same array after a failure
# or a time-out redoes only what is missing. DIR must be on a file system every node sees.
#SBATCH --job-name=dermsim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=%x-%A_%a.out

set -euo pipefail
DIR=${1:?usage: sbatch --array=0-N docs/slurm_sweep.sh SWEEP_DIR}
DERMSIM=${DERMSIM:-dermsim}          # path of the binary if it is not on PATH
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export HDF5_USE_FILE_LOCKING=FALSE   # shared file systems often lack POSIX locks
exec "$DERMSIM" sweep run "$DIR" --index "$SLURM_ARRAY_TASK_ID"
