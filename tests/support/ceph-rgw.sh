#!/usr/bin/env bash
# A throwaway one-node Ceph cluster (mon + memstore OSD + radosgw) on loopback,
# with every bit of state, log and socket under DIR, for S3 tests.
#
#   ceph-rgw.sh start DIR   # prints one final line of JSON credentials (also DIR/rgw.json)
#   ceph-rgw.sh stop DIR    # stops the daemons by pid file; safe to repeat
#
# Env: RGW_PORT / MON_PORT pick ports (default: a free one), CEPH_RGW_TIMEOUT
# bounds each wait in seconds (default 60).
#
# Ceph 16.2 (Debian bookworm) on 2 cores: ready in about 1.5 s; idle RSS about
# 40 MB mon + 50 MB osd + 46 MB radosgw. Memstore keeps objects in the OSD's
# memory (device capped at 2 GiB), so the OSD grows with what tests store.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
DIR=$2
TIMEOUT=${CEPH_RGW_TIMEOUT:-60}

log() { echo "ceph-rgw: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# True when something already listens on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p tries=0
  while [ $tries -lt 200 ]; do
    p=$((20000 + RANDOM % 30000))
    if ! port_in_use "$p"; then
      echo "$p"
      return 0
    fi
    tries=$((tries + 1))
  done
  die "no free loopback port found"
}

# N random bytes as hex (od reads exactly N bytes: no SIGPIPE under pipefail).
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# Alive and not a zombie: orphaned daemons may wait to be reaped by an init that never does.
pid_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

# SIGTERM the named daemons together, wait up to 10 s, then SIGKILL what is left.
stop_daemons() {
  local name pid pids=() waited=0 alive
  for name in "$@"; do
    [ -f "$DIR/$name.pid" ] || continue
    pid=$(cat "$DIR/$name.pid")
    if pid_alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  while :; do
    alive=()
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive+=("$pid"); done
    [ ${#alive[@]} -eq 0 ] && break
    if [ $waited -ge 100 ]; then
      log "pids ${alive[*]} ignored SIGTERM for 10 s; sending SIGKILL"
      kill -9 "${alive[@]}" 2>/dev/null || true
      for pid in "${alive[@]}"; do
        while pid_alive "$pid"; do sleep 0.05; done
      done
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  for name in "$@"; do rm -f "$DIR/$name.pid"; done
}

# The monitor goes last: the OSD tells it that it is going down.
stop_all() {
  stop_daemons rgw osd
  stop_daemons mon
}

# Starts a daemon in the foreground mode (-f) but in the background of this
# script, so its pid is ours to record and signal.
launch() {
  local name=$1
  shift
  "$@" -f -c "$DIR/ceph.conf" </dev/null >"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/$name.pid"
}

show_logs() {
  local name=$1 daemon_log=$2
  log "last lines of $DIR/log/$name.out and $DIR/log/$daemon_log:"
  tail -n 5 "$DIR/log/$name.out" >&2 2>/dev/null || true
  tail -n 20 "$DIR/log/$daemon_log" >&2 2>/dev/null || true
}

# Polls "$@" until it succeeds; fails naming WHAT and showing the daemon's logs.
wait_for() {
  local what=$1 name=$2 daemon_log=$3 deadline=$((SECONDS + TIMEOUT)) pid
  shift 3
  until "$@" >/dev/null 2>&1; do
    pid=$(cat "$DIR/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      log "$name exited while waiting for $what"
      show_logs "$name" "$daemon_log"
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "timed out after ${TIMEOUT}s waiting for $what"
      show_logs "$name" "$daemon_log"
      exit 1
    fi
    sleep 0.1
  done
}

ceph_cli() { ceph -c "$DIR/ceph.conf" --connect-timeout 10 "$@"; }

# A subshell, so a refused connect cannot end the script.
rgw_answers_http() (
  exec 3<>"/dev/tcp/127.0.0.1/$RGW_PORT" || exit 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  reply=$(timeout 2 head -c 12 <&3 || true)
  [[ $reply == HTTP/1.* ]]
)

osd_is_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

write_conf() {
  cat >"$DIR/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
crash dir = $DIR/crash
keyring = $DIR/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail crit = 0
mon data avail warn = 0

[mon]
mon data = $DIR/mon/\$cluster-\$id
# Commits map changes every 50 ms instead of 1 s: cuts start-up to seconds.
paxos propose interval = 0.05

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd op num shards = 2
osd op num threads per shard = 1

[client.rgw.a]
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw thread pool size = 32
rgw dynamic resharding = false
rgw enable lc threads = false
CONF
}

start() {
  command -v radosgw >/dev/null 2>&1 || die "radosgw is not installed; run tests/support/install-ceph.sh (as root)"
  if [ -f "$DIR/mon.pid" ] && pid_alive "$(cat "$DIR/mon.pid")"; then
    die "a cluster is already running in $DIR; run: $0 stop $DIR"
  fi
  mkdir -p "$DIR"/{run,log,crash,mon,osd,rgw}
  DIR=$(cd "$DIR" && pwd)
  local started_ms
  started_ms=$(($(date +%s%N) / 1000000))
  # Any failure from here on must not leave half a cluster running.
  trap 'status=$?; [ $status -eq 0 ] || stop_all' EXIT

  FSID=$(cat /proc/sys/kernel/random/uuid)
  MON_PORT=${MON_PORT:-$(free_port)}
  RGW_PORT=${RGW_PORT:-$(free_port)}
  write_conf

  # radosgw will not authenticate with "auth none", so: cephx, with one
  # keyring for every daemon that the monitor imports at mkfs.
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n osd.0 \
    --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.rgw.a \
    --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null

  log "mon: mkfs and start on 127.0.0.1:$MON_PORT"
  monmaptool --create --clobber --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
  ceph-mon -c "$DIR/ceph.conf" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >"$DIR/log/mon.mkfs" 2>&1 ||
    die "ceph-mon --mkfs failed: $(tail -n 5 "$DIR/log/mon.mkfs")"
  launch mon ceph-mon -i a
  wait_for "the monitor to answer" mon mon.a.log ceph_cli mon stat

  log "osd: mkfs (memstore) and start"
  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(ceph_cli osd new "$osd_uuid") || die "ceph osd new failed"
  [ "$osd_id" = 0 ] || die "expected osd id 0, got '$osd_id'"
  mkdir -p "$DIR/osd/ceph-0"
  ceph-osd -c "$DIR/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd.mkfs" 2>&1 ||
    die "ceph-osd --mkfs failed: $(tail -n 5 "$DIR/log/osd.mkfs")"
  launch osd ceph-osd -i 0
  wait_for "osd.0 to be up" osd osd.0.log osd_is_up

  log "rgw: start on 127.0.0.1:$RGW_PORT"
  launch rgw radosgw -n client.rgw.a
  wait_for "radosgw to answer HTTP on port $RGW_PORT" rgw client.rgw.a.log rgw_answers_http

  local access secret
  access=$(random_hex 10 | tr 'a-f' 'A-F')
  secret=$(random_hex 20)
  radosgw-admin -c "$DIR/ceph.conf" user create --uid=tester --display-name=tester \
    --access-key="$access" --secret-key="$secret" >"$DIR/log/user-create.out" 2>&1 ||
    die "radosgw-admin user create failed: $(tail -n 5 "$DIR/log/user-create.out")"

  log "ready in $(($(date +%s%N) / 1000000 - started_ms)) ms"
  local json
  json=$(printf '{"endpoint":"http://127.0.0.1:%s","accessKeyId":"%s","secretAccessKey":"%s","region":"default"}' \
    "$RGW_PORT" "$access" "$secret")
  echo "$json" >"$DIR/rgw.json"
  echo "$json"
}

case "$ACTION" in
start) start ;;
stop)
  [ -d "$DIR" ] || exit 0
  stop_all
  ;;
*) usage ;;
esac
