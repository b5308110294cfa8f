#!/bin/bash
# A small GPU health check for SLURM's HealthCheckProgram (or to run after
# NHC). It drains this node with a reason when a check fails, and resumes it
# only if the node was drained by this script (reason starts with $PREFIX), so
# it never undoes a drain that an administrator set by hand.
#
#   slurm.conf:  HealthCheckProgram=/usr/local/sbin/gpu-healthcheck.sh
#                HealthCheckInterval=300
#                HealthCheckNodeState=ANY,CYCLE
#
# Environment (all optional):
#   EXPECTED_GPUS  GPUs this node must show (default 8)
#   NODE           SLURM node name (default: short host name)
#   DRY_RUN=1      print the scontrol command instead of running it

set -uo pipefail

EXPECTED_GPUS=${EXPECTED_GPUS:-8}
NODE=${NODE:-$(hostname -s)}
PREFIX="gpuhc:"
QUERY="index,pci.bus_id,ecc.errors.uncorrected.volatile.total"
# Row-remapping state has its own query (Ampere and newer; older GPUs print
# nothing or [N/A], which counts as healthy).
REMAP_QUERY="gpu_bus_id,remapped_rows.pending,remapped_rows.failure"

run_scontrol() {
    if [ "${DRY_RUN:-0}" = "1" ]; then
        echo "would run: scontrol $*"
    else
        scontrol "$@"
    fi
}

drain() {
    echo "FAIL: $1"
    run_scontrol update nodename="$NODE" state=drain reason="$PREFIX $1"
    exit 1
}

# 1. The driver answers at all (a hung GPU often makes nvidia-smi hang: cap it).
if ! out=$(timeout 60 nvidia-smi --query-gpu="$QUERY" --format=csv,noheader,nounits 2>&1); then
    drain "nvidia-smi failed or timed out"
fi
if ! remap=$(timeout 60 nvidia-smi --query-remapped-rows="$REMAP_QUERY" --format=csv,noheader 2>&1); then
    # Not every GPU answers this query (pre-Ampere, MIG with active instances):
    # warn and skip the remap checks rather than drain a node that may be fine.
    echo "WARN: remapped-rows query failed, skipping remap checks: ${remap%%$'\n'*}"
    remap=""
fi
declare -A remap_pending remap_failure
while IFS=',' read -r rbus rpending rfailure; do
    rbus=${rbus// /}
    [ -z "$rbus" ] && continue
    remap_pending[$rbus]=${rpending// /}
    remap_failure[$rbus]=${rfailure// /}
done <<< "$remap"

# 2. Every GPU is visible, and none has uncorrectable ECC errors or a pending
#    or failed row remap (both need a GPU reset or an RMA).
count=0
while IFS=',' read -r idx bus ecc; do
    [ -z "${idx// /}" ] && continue
    count=$((count + 1))
    ecc=${ecc// /}; bus=${bus// /}
    pending=${remap_pending[$bus]:-No}; failure=${remap_failure[$bus]:-No}
    # "[N/A]" (no ECC on this model) counts as zero.
    if [[ $ecc =~ ^[0-9]+$ ]] && [ "$ecc" -gt 0 ]; then
        drain "GPU $idx ($bus) has $ecc uncorrectable ECC errors"
    fi
    if [ "$pending" = "Yes" ] || [ "$pending" = "1" ]; then
        drain "GPU $idx ($bus) has a pending row remap, needs a reset"
    fi
    if [ "$failure" = "Yes" ] || [ "$failure" = "1" ]; then
        drain "GPU $idx ($bus) row remapping failed, needs RMA"
    fi
done <<< "$out"

if [ "$count" -ne "$EXPECTED_GPUS" ]; then
    drain "found $count GPUs, expected $EXPECTED_GPUS"
fi

# 3. Healthy: undo only our own drain.
reason=$(scontrol show node "$NODE" 2>/dev/null | sed -n 's/^ *Reason=\(.*\)$/\1/p')
if [[ $reason == "$PREFIX"* ]]; then
    echo "OK: $count GPUs healthy, resuming (was: $reason)"
    run_scontrol update nodename="$NODE" state=resume
else
    echo "OK: $count GPUs healthy"
fi
exit 0
