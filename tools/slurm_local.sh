#!/usr/bin/env bash
# A one-machine Slurm cluster from Debian 12's packages, for trying and
# testing `sweep --backend=slurm` (tools/README.md, "Slurm on one machine").
#
#   tools/setup.sh --with-slurm      # once: munge, slurmctld, slurmd, client
#   tools/slurm_local.sh start       # munged, slurmctld, slurmd (via sudo if
#                                    # not root); waits for the
#                                    # node to be idle (at most 60 s)
#   tools/slurm_local.sh status
#   tools/slurm_local.sh stop
#
# No systemd: the daemons are started by hand and stopped by their PID files.
# No cgroups: proctrack/linuxproc and task/none. No accounting database:
# sacct does not work, so ended tasks are looked up with scontrol (kept for
# MinJobAge = 1 hour) and in the tasks' own output. The configuration goes
# to /etc/slurm/slurm.conf (where every Slurm command looks), state, spool
# and logs under $AANET_SLURM_DIR (default /tmp/aanet-slurm); job ids keep
# counting, and queued jobs survive, across restarts while that directory
# lives.
#
# A private instance beside it (what tests/slurm_backend_test.sh starts, so
# that nobody's queued work delays it and it inherits no one's jobs):
#   AANET_SLURM_DIR=D AANET_SLURM_CONF=D/slurm.conf AANET_SLURM_PORT=P \
#     tools/slurm_local.sh start
# listens on ports P (slurmctld) and P+1 (slurmd); its clients need
# SLURM_CONF=D/slurm.conf. munged is shared: `stop` leaves it running while
# another instance's daemons run.
set -euo pipefail

dir=${AANET_SLURM_DIR:-/tmp/aanet-slurm}
conf=${AANET_SLURM_CONF:-/etc/slurm/slurm.conf}
port=${AANET_SLURM_PORT:-6817}
timeout_s=${AANET_SLURM_TIMEOUT:-60}
export SLURM_CONF=$conf

die() { echo "slurm_local: $*" >&2; exit 1; }

# start and stop run daemons as root and slurm: re-run under sudo (as
# tools/setup.sh does) when not root.
if { [ "${1:-}" = start ] || [ "${1:-}" = stop ]; } && [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "$1 needs root (or sudo)"
  exec sudo AANET_SLURM_DIR="$dir" AANET_SLURM_CONF="$conf" \
    AANET_SLURM_PORT="$port" AANET_SLURM_TIMEOUT="$timeout_s" "$0" "$@"
fi

need_tools() {
  for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
      die "$tool not found; run tools/setup.sh --with-slurm first"
  done
}

pid_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

write_config() {
  local node_line host
  node_line=$(/usr/sbin/slurmd -C | head -1)
  host=${node_line#NodeName=}
  host=${host%% *}
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<CONF
# Written by tools/slurm_local.sh: a one-machine cluster.
ClusterName=aanet-local
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node_line State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  if pid_alive /run/munge/munged.pid; then return; fi
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged --seed-file="$dir/munge.seed" ||
    die "munged did not start (see /var/log/munge/munged.log)"
  local i
  for ((i = 0; i < 50; i++)); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  die "munge does not authenticate (munge -n | unmunge fails); see /var/log/munge/munged.log"
}

# Jobs the saved state calls running whose processes are gone: after a
# reboot (or a machine reset) slurmctld recovers them as RUNNING, the fresh
# slurmd has no step for them, and this Slurm never notices, so they would
# hold the cores forever. A live batch step has a socket
# <node>_<jobid>.<step> in the spool directory (slurmstepd outlives a
# restarted slurmd, and such jobs are left alone). The sweep resubmits a
# cancelled task's point on its next run.
cancel_lost_jobs() {
  local job name socket live
  # %A is the job record's own id (in the socket's name), %i the name scancel
  # takes (an array task is 99_62, not its record id).
  squeue -h -t RUNNING,COMPLETING -o '%A %i' | while read -r job name; do
    live=0
    for socket in "$dir"/spool/*_"$job".*; do
      [ -S "$socket" ] && live=1
    done
    [ "$live" = 1 ] && continue
    echo "slurm_local: job $name was running when the daemons stopped and its processes are gone; cancelling it (rerun its sweep to resubmit the point)"
    scancel "$name" || true
  done
}

start() {
  need_tools
  if pid_alive "$dir/run/slurmctld.pid" && pid_alive "$dir/run/slurmd.pid"; then
    echo "slurm_local: already running ($(sinfo -h -o '%N %T' 2>/dev/null | head -1))"
    return
  fi
  mkdir -p "$dir"/{state,spool,log,run}
  chown slurm:slurm "$dir/state" "$dir/log" "$dir/run"
  runuser -u slurm -- test -w "$dir/state" ||
    die "the slurm user cannot write $dir/state (is a parent directory private? chmod 755 it)"
  start_munge
  write_config
  pid_alive "$dir/run/slurmctld.pid" || /usr/sbin/slurmctld -f "$conf" ||
    die "slurmctld did not start; see $dir/log/slurmctld.log"
  pid_alive "$dir/run/slurmd.pid" || /usr/sbin/slurmd -f "$conf" ||
    die "slurmd did not start; see $dir/log/slurmd.log"
  local deadline=$((SECONDS + timeout_s)) state=""
  while ((SECONDS < deadline)); do
    state=$(sinfo -h -o '%T' 2>/dev/null | head -1 || true)
    if [ "$state" = "idle" ] || [ "$state" = "mixed" ] || [ "$state" = "allocated" ]; then
      cancel_lost_jobs
      echo "slurm_local: up: node $(sinfo -h -o '%N, %c CPUs, %T' | head -1); config $conf; logs $dir/log"
      return
    fi
    sleep 0.5
  done
  echo "slurm_local: the node did not become idle within ${timeout_s} s (state: '${state:-no answer}')" >&2
  tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
  exit 1
}

stop_daemon() {
  local name=$1 pidfile=$2 i
  pid_alive "$pidfile" || return 0
  kill "$(cat "$pidfile")" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pidfile" || return 0
    sleep 0.1
  done
  kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  echo "slurm_local: $name did not stop in 10 s; killed it" >&2
}

stop() {
  stop_daemon slurmd "$dir/run/slurmd.pid"
  stop_daemon slurmctld "$dir/run/slurmctld.pid"
  # munged authenticates every instance on this machine: stop it only when
  # no other instance's daemon runs (a just-stopped one may linger as a
  # zombie for a moment; those do not count).
  if ! ps -eo stat=,comm= | awk '$1 !~ /^Z/ && ($2 == "slurmctld" || $2 == "slurmd") {found = 1}
                                 END {exit !found}'; then
    stop_daemon munged /run/munge/munged.pid
  fi
  echo "slurm_local: stopped"
}

status() {
  local up=0
  for d in slurmctld slurmd; do
    if pid_alive "$dir/run/$d.pid"; then
      echo "$d: running (pid $(cat "$dir/run/$d.pid"))"
      up=$((up + 1))
    else
      echo "$d: not running"
    fi
  done
  if pid_alive /run/munge/munged.pid; then echo "munged: running"; else echo "munged: not running"; fi
  if [ "$up" -eq 2 ]; then
    sinfo -h -o 'node %N: %T, %c CPUs' 2>/dev/null || true
    squeue -h -o 'job %i %T %j' 2>/dev/null | head -20 || true
    return 0
  fi
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: tools/slurm_local.sh start|stop|status" ;;
esac
