#!/bin/bash
# Print, for the task it runs in, what the task really got: rank, host, the
# CPUs it may run on, their NUMA node(s) and the GPUs it can see. Run it as a
# job step with the same options as your training step:
#
#   srun --ntasks-per-node=8 --cpus-per-task=12 --gpus-per-task=1 \
#        --gpu-bind=closest --cpu-bind=cores bash affinity-report.sh | sort -n -k1.6
#
# Works outside SLURM too (rank and local rank then print as "-").

set -uo pipefail

cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)

# Expand "0-3,8,10-11" to a list and count it.
count=0
expanded=()
IFS=',' read -ra parts <<< "$cpus"
for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then
        for ((c = ${part%-*}; c <= ${part#*-}; c++)); do expanded+=("$c"); done
    else
        expanded+=("$part")
    fi
done
count=${#expanded[@]}

# NUMA nodes that hold at least one of our CPUs.
numa=""
for node_dir in /sys/devices/system/node/node[0-9]*; do
    [ -d "$node_dir" ] || continue
    node=${node_dir##*node}
    list=$(cat "$node_dir/cpulist")
    IFS=',' read -ra nparts <<< "$list"
    for part in "${nparts[@]}"; do
        lo=${part%-*}; hi=${part#*-}
        for c in "${expanded[@]}"; do
            if [ "$c" -ge "$lo" ] && [ "$c" -le "$hi" ]; then
                numa="${numa:+$numa,}$node"
                break 2
            fi
        done
    done
done

printf 'rank=%s local=%s host=%s cpus=%s ncpus=%d numa=%s gpus=%s\n' \
    "${SLURM_PROCID:--}" "${SLURM_LOCALID:--}" "$(hostname -s)" \
    "$cpus" "$count" "${numa:-?}" "${CUDA_VISIBLE_DEVICES:-all}"
