#!/bin/sh
# Runs a plan as a Slurm job array on a single-node Slurm this script starts
# (munge, slurmctld, slurmd with a configuration of its own in a temporary
# directory), then the merge step, and stops them. Exit 77 with one line of
# reason when Slurm cannot be started here; 0 when the merged database is
# there; 1 otherwise.
#   tests/slurm.sh VIRTLAB PLAN OUTDIR
set -u
VIRTLAB=$1 PLAN=$2 OUT=$3
skip() { echo "$*"; exit 77; }

for c in slurmctld slurmd sbatch squeue munged; do
	command -v $c >/dev/null 2>&1 || skip "$c not installed (Debian: slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || skip "starting slurmd needs root"

T=$(mktemp -d /tmp/virtlab-slurm.XXXXXX)
cleanup() {
	[ -f "$T/slurmd.pid" ] && kill "$(cat "$T/slurmd.pid")" 2>/dev/null
	[ -f "$T/slurmctld.pid" ] && kill "$(cat "$T/slurmctld.pid")" 2>/dev/null
	[ -f "$T/munged.pid" ] && kill "$(cat "$T/munged.pid")" 2>/dev/null
	sleep 1
	rm -rf "$T"
}
trap cleanup EXIT

# munge with a key and socket of our own
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$T/munge.key"
mkdir -p "$T/munge"
munged --key-file="$T/munge.key" --socket="$T/munge/munge.socket" --pid-file="$T/munged.pid" \
	--log-file="$T/munged.log" --seed-file="$T/munge.seed" --force 2>"$T/munged.err" ||
	skip "munged would not start: $(head -1 "$T/munged.err")"

host=$(hostname -s 2>/dev/null || hostname)
cpus=$(nproc)
# ports of our own, so that two runs (or a real cluster's daemons) do not meet
port=$((20000 + $$ % 20000))
mkdir -p "$T/spool/ctld" "$T/spool/d"
cat > "$T/slurm.conf" <<EOC
ClusterName=virtlab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$T/spool/ctld
SlurmdSpoolDir=$T/spool/d
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOC
export SLURM_CONF="$T/slurm.conf"
slurmctld -f "$T/slurm.conf" 2>"$T/ctld.err" || skip "slurmctld would not start: $(head -1 "$T/ctld.err")"
slurmd -f "$T/slurm.conf" 2>"$T/d.err" || skip "slurmd would not start: $(head -1 "$T/d.err")"
alive() { [ -f "$T/$1.pid" ] && kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }
i=0
until timeout 5 sinfo -h -o %T 2>/dev/null | grep -q idle; do
	i=$((i + 1))
	alive slurmctld || skip "slurmctld stopped: $(tail -1 "$T/slurmctld.log" 2>/dev/null)"
	alive slurmd || skip "slurmd stopped: $(tail -1 "$T/slurmd.log" 2>/dev/null)"
	[ $i -gt 20 ] && skip "the node did not come up: $(tail -1 "$T/slurmctld.log" 2>/dev/null)"
	sleep 1
done

"$VIRTLAB" experiment slurm "$PLAN" --shards 3 --out "$OUT" >/dev/null || exit 1
timeout 120 sh "$OUT/slurm/submit.sh" >"$T/submit.out" 2>&1 || { cat "$T/submit.out"; exit 1; }
merge=$(tail -1 "$T/submit.out")
# Done when squeue answers with an empty queue. A squeue that times out on a
# loaded machine says nothing about the jobs, so it is asked again until a
# wall-clock deadline, not a count of tries, runs out.
deadline=$(($(date +%s) + 600))
while :; do
	if q=$(timeout 10 squeue -h 2>/dev/null) && [ -z "$q" ]; then
		break
	fi
	[ "$(date +%s)" -gt "$deadline" ] && { echo "jobs did not finish within 10 minutes"; timeout 10 squeue; exit 1; }
	sleep 1
done
[ -f "$OUT/slurm/merged.db" ] || { echo "no merged database (merge job $merge)"; cat "$OUT/slurm/merge.log" 2>/dev/null; exit 1; }
exit 0
