#!/usr/bin/env bash
# scripts/slurm-local.sh - a throw-away single-node Slurm cluster on this machine, without
# systemd or cgroups. sluice's Slurm test (tests/slurm/run.sh) and anyone who wants to try
# jobs/*.sbatch before submitting them to a real cluster use it. Local to this machine only.
#
#   scripts/slurm-local.sh install   apt-get install slurmctld slurmd slurm-client munge (once)
#   scripts/slurm-local.sh start     start munged + slurmctld + slurmd, wait until the node is
#                                    idle (idempotent: ~1 s cold, ~0.05 s if already up)
#   scripts/slurm-local.sh stop      cancel all jobs, stop the three daemons by PID (idempotent)
#   scripts/slurm-local.sh status    daemons, sinfo, squeue; exit 0 only if all three run
#   scripts/slurm-local.sh env       print "export SLURM_CONF=..." (eval "$(... env)")
#   scripts/slurm-local.sh wait JOBID [TIMEOUT_S]
#                                    poll until the job ends (default 300 s); prints the final
#                                    state; exit 0 only for COMPLETED (sbatch --wait polls ~10 s)
#   scripts/slurm-local.sh selftest  start, sbatch an MPI hello (mpirun and srun --mpi=pmix)
#   scripts/slurm-local.sh client CMD [ARG...]
#                                    run a client command (sbatch, squeue, ...) where it reaches
#                                    slurmctld: here, or on the first simulated node
#
# Several nodes (issue 16): with SLURM_LOCAL_NODES=N, `start` makes N simulated nodes with
# scripts/nodes.sh (network namespaces: own hostname, /tmp and address; SLUICE_NODES_PREFIX,
# default sln) and runs one slurmd per node under the node's name, slurmctld on the first one;
# the cluster has nodes sln[1-N] with 2 CPUs each, so `sbatch -N 2` spreads over two of them.
# Client commands must run inside a node (the host has no address on the nodes' bridge): use
# `client`, which does that. State defaults to /var/tmp/slurm-local-nodes (not /tmp: every
# node has its own). `stop` stops the daemons and takes the nodes down. Jobs that run MPI
# across the nodes must use TCP on the bridge: export OMPI_MCA_btl=tcp,self and
# OMPI_MCA_btl_tcp_if_include=OMPI_MCA_oob_tcp_if_include=198.18.0.0/24 before sbatch.
#
# Everything (config, munge key + socket, state, spool, logs, pid files) lives under
# $SLURM_LOCAL_DIR (default ${TMPDIR:-/tmp}/slurm-local). Ports: $SLURM_LOCAL_PORT and +1
# (default 16817/16818), so a real cluster's 6817/6818 are never touched; /etc/slurm and
# /etc/munge are not modified. Client commands (sbatch, srun, squeue, ...) need SLURM_CONF.
# Runs as root (slurmd must); the daemons run as root too (SlurmUser=root).
#
# Gotchas this recipe handles (Debian 12: Slurm 22.05, munge 0.5.15, Open MPI 4.1):
# - munged's socket directory must be 0755 and its key 0600, or munged refuses to start;
# - `slurmd -N localhost`: the node name in slurm.conf is not the host name;
# - topology is taken from `slurmd -C`, and RealMemory is set to 90 % of it (more than the
#   real memory would DRAIN the node);
# - MpiDefault=pmix: Debian's Open MPI starts under srun only with PMIx (pmi2/none fail);
# - more tasks than CPUs (sbatch -n 4 on 2 CPUs) stays PENDING forever unless the job asks for
#   -O/--overcommit; such jobs must export OMPI_MCA_mpi_yield_when_idle=1 themselves.
set -euo pipefail

NODES_N=${SLURM_LOCAL_NODES:-0}
if [ "$NODES_N" -gt 0 ]; then
    BASE=${SLURM_LOCAL_DIR:-/var/tmp/slurm-local-nodes}
else
    BASE=${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/slurm-local}
fi
PORT=${SLURM_LOCAL_PORT:-16817}
NODE=localhost
NODES_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/nodes.sh
NPREFIX=${SLUICE_NODES_PREFIX:-sln}
[ "$NODES_N" -gt 0 ] && NODE=${NPREFIX}1
CONF=$BASE/slurm.conf
SOCK=$BASE/munge/munge.socket.2
export SLURM_CONF=$CONF

log() { printf '[slurm-local] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# client CMD...: a Slurm client command where slurmctld can be reached (see the header).
client() {
    if [ "$NODES_N" -gt 0 ]; then
        SLURM_CONF=$CONF bash "$NODES_SH" exec "$NODE" "$@"
    else
        "$@"
    fi
}

# pid_alive PIDFILE COMM -> prints pid if the process in PIDFILE is alive and its name is COMM
pid_alive() {
    local f=$1 comm=$2 pid
    [ -s "$f" ] || return 1
    pid=$(tr -dc '0-9' < "$f")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm")" = "$comm" ] || return 1
    echo "$pid"
}

need_bins() {
    local b missing=()
    for b in munged mungekey slurmctld slurmd sbatch srun squeue sinfo scontrol scancel; do
        command -v "$b" >/dev/null 2>&1 || missing+=("$b")
    done
    [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} - run: $0 install"
}

cmd_install() {
    local b have=1 sudo=""
    for b in slurmctld slurmd sbatch munged mungekey; do command -v "$b" >/dev/null || have=0; done
    if [ $have = 1 ]; then log "already installed: $(slurmd -V)"; return 0; fi
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    # Debian's postinst tries to start the services; without systemd that is refused, harmless.
    $sudo apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge \
        >/dev/null 2>&1 || { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq \
        --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null; }
    log "installed: $(slurmd -V)"
}

write_conf() {
    local cpus sockets cores threads mem
    # real topology from slurmd -C (avoids "Node reconfigured socket/core boundaries" messages)
    read -r cpus sockets cores threads mem < <(slurmd -C | head -1 | tr ' ' '\n' | awk -F= '
        $1=="CPUs"{c=$2} $1=="SocketsPerBoard"{s=$2} $1=="CoresPerSocket"{k=$2}
        $1=="ThreadsPerCore"{t=$2} $1=="RealMemory"{m=$2} END{print c, s, k, t, m}')
    mem=$(( mem * 9 / 10 ))   # configured > real memory would DRAIN the node
    cat > "$CONF" <<EOF
# generated by slurm-local.sh - single-node test cluster
ClusterName=local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
# no cgroups, no systemd: linuxproc tracking, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Debian's Open MPI 4.1 direct-launches under srun only with PMIx (pmi2/none fail in MPI_Init)
MpiDefault=pmix
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
# no mail on this test cluster (Debian's default MailProg is not installed)
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
EOF
    if [ "$NODES_N" -gt 0 ]; then
        # Simulated nodes: 2 CPUs each and an equal share of the memory, slurmctld on node 1.
        mem=$(( mem / NODES_N ))
        sed -i -e "s/^SlurmctldHost=.*/SlurmctldHost=$NODE(198.18.0.11)/" \
            -e "s|^SlurmdSpoolDir=.*|SlurmdSpoolDir=$BASE/spool-%n|" \
            -e "s|^SlurmdPidFile=.*|SlurmdPidFile=$BASE/slurmd-%n.pid|" \
            -e "s|^SlurmdLogFile=.*|SlurmdLogFile=$BASE/log/slurmd-%n.log|" "$CONF"
        local i
        for i in $(seq 1 "$NODES_N"); do
            echo "NodeName=$NPREFIX$i NodeAddr=198.18.0.$((10 + i)) CPUs=2 Sockets=1" \
                "CoresPerSocket=2 ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN" >> "$CONF"
        done
        echo "PartitionName=debug Nodes=$NPREFIX[1-$NODES_N] Default=YES MaxTime=INFINITE" \
            "State=UP" >> "$CONF"
        return
    fi
    cat >> "$CONF" <<EOF
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores \
    ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
    if pid_alive "$BASE/munge/munged.pid" munged >/dev/null; then return 0; fi
    mkdir -p "$BASE/munge" "$BASE/munge-key" "$BASE/log"
    # munged checks every directory above its socket: all must be world-executable (a mktemp
    # -d directory is 0700, so BASE is opened up here; its parents are the caller's business).
    chmod 0755 "$BASE" "$BASE/munge"
    local d=$BASE
    while d=$(dirname "$d"); [ "$d" != / ]; do
        [ "$(( 0$(stat -c %a "$d") & 01 ))" = 1 ] ||
            die "munged needs o+x on every directory above its socket; $d is $(stat -c %a "$d")"
    done
    chmod 0700 "$BASE/munge-key"      # key dir must be private
    [ -s "$BASE/munge-key/munge.key" ] ||
        mungekey --create --keyfile="$BASE/munge-key/munge.key" >/dev/null
    chmod 0600 "$BASE/munge-key/munge.key"
    munged --socket="$SOCK" --key-file="$BASE/munge-key/munge.key" \
        --pid-file="$BASE/munge/munged.pid" --seed-file="$BASE/munge-key/munged.seed" \
        --log-file="$BASE/log/munged.log" || die "munged failed: $(tail -2 "$BASE/log/munged.log")"
    munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null || die "munge round-trip failed"
}

cmd_start() {
    need_bins
    local t0=$SECONDS ctld slurmd
    mkdir -p "$BASE/state" "$BASE/spool" "$BASE/log"
    ctld=$(pid_alive "$BASE/slurmctld.pid" slurmctld || true)
    slurmd=$(pid_alive "$BASE/slurmd.pid" slurmd || true)
    [ -n "$ctld" ] || [ -n "$slurmd" ] || write_conf     # only rewrite config when nothing runs
    start_munged
    if [ -z "$ctld" ]; then
        # -c: fresh state on every cold start (no jobs or node states from an old run)
        slurmctld -c -f "$CONF" || die "slurmctld failed: $(tail -3 "$BASE/log/slurmctld.log")"
    fi
    if [ -z "$slurmd" ]; then
        slurmd -N "$NODE" -f "$CONF" || die "slurmd failed: $(tail -3 "$BASE/log/slurmd.log")"
    fi
    local state=""
    for _ in $(seq 1 60); do
        state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
        case "$state" in
            idle|mixed|allocated|completing) break ;;
            down*|drain*|fail*)
                scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
        esac
        sleep 0.5
    done
    case "$state" in
        idle|mixed|allocated|completing) ;;
        *) die "node state '$state' after 30s; see $BASE/log" ;;
    esac
    log "up in $((SECONDS - t0))s: node $NODE $state; now: export SLURM_CONF=$CONF"
}

# start with SLURM_LOCAL_NODES=N: the simulated nodes, slurmctld on the first, one slurmd each.
cmd_start_nodes() {
    need_bins
    local t0=$SECONDS i n ctld state=""
    bash "$NODES_SH" up "$NODES_N" 2 || die "scripts/nodes.sh up $NODES_N failed"
    mkdir -p "$BASE/state" "$BASE/log"
    ctld=$(pid_alive "$BASE/slurmctld.pid" slurmctld || true)
    [ -n "$ctld" ] || write_conf
    start_munged
    if [ -z "$ctld" ]; then
        bash "$NODES_SH" exec "$NODE" slurmctld -c -f "$CONF" ||
            die "slurmctld failed: $(tail -3 "$BASE/log/slurmctld.log")"
    fi
    for i in $(seq 1 "$NODES_N"); do
        n=$NPREFIX$i
        mkdir -p "$BASE/spool-$n"
        pid_alive "$BASE/slurmd-$n.pid" slurmd > /dev/null ||
            bash "$NODES_SH" exec "$n" slurmd -N "$n" -f "$CONF" ||
            die "slurmd on $n failed: $(tail -3 "$BASE/log/slurmd-$n.log")"
    done
    for _ in $(seq 1 60); do
        state=$(client sinfo -h -N -o %T 2>/dev/null | sort | uniq -c | tr -s ' ' || true)
        [ "$state" = " $NODES_N idle" ] && break
        client scontrol update NodeName="$NPREFIX[1-$NODES_N]" State=RESUME > /dev/null 2>&1 ||
            true
        sleep 0.5
    done
    [ "$state" = " $NODES_N idle" ] || die "nodes not idle after 30s ($state); see $BASE/log"
    log "up in $((SECONDS - t0))s: $NODES_N nodes $NPREFIX[1-$NODES_N] idle; clients:" \
        "$0 client CMD (SLURM_CONF=$CONF)"
}

# stop_pids PIDFILE:COMM ... -> TERM all (each daemon needs ~2s to exit), wait, KILL leftovers
stop_pids() {
    local spec pids=() pid
    for spec in "$@"; do
        pid=$(pid_alive "${spec%%:*}" "${spec#*:}" || true)
        rm -f "${spec%%:*}"
        [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 40); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        if [ -d "/proc/$pid" ]; then
            log "pid $pid ignored TERM for 4s, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

cmd_stop() {
    if pid_alive "$BASE/slurmctld.pid" slurmctld >/dev/null && [ -s "$CONF" ]; then
        # cancel every job of this private cluster so no slurmstepd / job process outlives slurmd
        client scancel --full -p debug 2>/dev/null || true
        for _ in $(seq 1 40); do
            [ -z "$(client squeue -h -t all -o %T 2>/dev/null |
                    grep -vE 'COMPLETED|CANCELLED|FAILED|TIMEOUT' || true)" ] && break
            sleep 0.25
        done
    fi
    local f specs=("$BASE/slurmd.pid:slurmd")
    for f in "$BASE"/slurmd-*.pid; do [ -e "$f" ] && specs+=("$f:slurmd"); done
    stop_pids "${specs[@]}" "$BASE/slurmctld.pid:slurmctld"
    stop_pids "$BASE/munge/munged.pid:munged"
    [ "$NODES_N" -gt 0 ] && bash "$NODES_SH" down
    log "stopped"
}

cmd_status() {
    local ok=0 d p f ds=(slurmd:"$BASE/slurmd.pid") i
    if [ "$NODES_N" -gt 0 ]; then
        ds=()
        for i in $(seq 1 "$NODES_N"); do ds+=(slurmd:"$BASE/slurmd-$NPREFIX$i.pid"); done
    fi
    for d in munged:"$BASE/munge/munged.pid" slurmctld:"$BASE/slurmctld.pid" "${ds[@]}"; do
        p=${d%%:*}; f=${d#*:}
        if pid=$(pid_alive "$f" "$p"); then echo "$p running (pid $pid)"
        else echo "$p NOT running"; ok=1; fi
    done
    if [ $ok -eq 0 ]; then client sinfo; client squeue; fi
    return $ok
}

# job_state JOBID -> prints the JobState (empty once the job has left slurmctld's memory)
job_state() {
    client scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}

cmd_wait() {
    local jid=${1:?usage: $0 wait JOBID [TIMEOUT_S]} limit=${2:-300} st="" t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$limit" ]; do
        st=$(job_state "$jid")
        case "$st" in
            COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|\
            DEADLINE)
                break ;;
        esac
        sleep 0.25
    done
    echo "${st:-UNKNOWN}"
    case "$st" in
        COMPLETED) return 0 ;;
        PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|"")
            log "job $jid still ${st:-unknown} after ${limit}s; cancelling it"
            client scancel "$jid" 2>/dev/null || true
            return 1 ;;
        *) return 1 ;;
    esac
}

cmd_selftest() {
    command -v mpicc >/dev/null || die "mpicc missing (apt-get install libopenmpi-dev openmpi-bin)"
    cmd_start
    local d; d=$(mktemp -d "${TMPDIR:-/tmp}/slurm-selftest.XXXXXX")
    cat > "$d/hello.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
int main(int c, char **v) { int r, n; MPI_Init(&c, &v); MPI_Comm_rank(MPI_COMM_WORLD, &r);
  MPI_Comm_size(MPI_COMM_WORLD, &n); printf("hello %d/%d\n", r, n); MPI_Finalize(); return 0; }
EOF
    mpicc -o "$d/hello" "$d/hello.c"
    cat > "$d/job.sh" <<EOF
#!/bin/bash
#SBATCH -n 2
#SBATCH -t 00:02:00
#SBATCH -o $d/job.out
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo MPIRUN; mpirun -np 2 $d/hello
echo SRUN; srun --mpi=pmix $d/hello
EOF
    local t0=$SECONDS
    local jid st=""
    jid=$(sbatch --parsable "$d/job.sh")
    st=$(cmd_wait "$jid" 60 || true)
    cat "$d/job.out"
    [ "$st" = COMPLETED ] || die "job $jid ended $st"
    [ "$(grep -c '^hello [01]/2' "$d/job.out")" -eq 4 ] || die "unexpected job output"
    log "selftest PASS (job round trip $((SECONDS - t0))s)"
    rm -rf "$d"
}

case "${1:-}" in
    install) cmd_install ;;
    start) if [ "$NODES_N" -gt 0 ]; then cmd_start_nodes; else cmd_start; fi ;;
    client) shift; client "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    wait) shift; cmd_wait "$@" ;;
    selftest) cmd_selftest ;;
    *) echo "usage: $0 install|start|stop|status|env|wait JOBID [S]|selftest|client CMD..." >&2
       exit 2 ;;
esac
