#!/bin/bash
# A Galera member that finds its peers in etcd, with the walkthrough's environment contract:
#   MYSQL_ROOT_PASSWORD   root's password (root@localhost and root@%)
#   DISCOVERY_SERVICE     etcd host:port (v2 API)
#   CLUSTER_NAME          the Galera cluster's name and its etcd key (default: galera)
#   XTRABACKUP_PASSWORD   the SST user's password (state transfers use mariabackup)
#   STRANDED_AFTER        seconds non-Primary beside a Primary peer before leaving (default 60)
#
# Data: where the node offers a volume on /var/lib/galera (the stack gives each node one),
# the member's datadir lives there and outlives the task: the next member on that node (a
# restart, a release, the node back from a power loss) takes up the history where the last
# one left it. One member per node holds it (a lock); a second member on the same node,
# after another node was lost, keeps its datadir in the container, as without a volume.
#
# Discovery, under /v2/keys/galera/$CLUSTER_NAME in etcd:
#   nodes/<address>   each member registers its overlay address with a TTL, refreshed
#                     while it is healthy (Synced, or a donor serving a state transfer);
#                     a starting member joins the addresses it finds.
#   bootstrap         when there are none, members race to create this key atomically
#                     (prevExist=false): exactly one wins and bootstraps with gcomm://,
#                     the others wait for it to register and join it. The winner holds
#                     the key (refreshing its TTL) for as long as it lives: on a slow
#                     machine its first start can outlast the TTL, and a lapsed key
#                     would let a second member bootstrap a second cluster. (The original
#                     Percona-Lab script let every member that found no peer bootstrap.)
#   positions/<address>  "<seqno>:<may>:<uuids>:<address>" of each member waiting for the
#                     election: the last write set its datadir holds; whether Galera would
#                     let it bootstrap (may: 0 yes, 1 no); the UUIDs its datadir's members
#                     had in their Primary components (a UUID is a run's, not a datadir's).
#                     Only the most advanced member may win, and only once every member of
#                     its saved component (gvwstate.dat) has said where it stands: after the
#                     whole cluster lost power, it is recovered from the member that holds
#                     the most, as an operator would (safe_to_bootstrap), not from whichever
#                     came first.
set -euo pipefail

: "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is required}"
: "${DISCOVERY_SERVICE:?DISCOVERY_SERVICE (etcd host:port) is required}"
: "${XTRABACKUP_PASSWORD:?XTRABACKUP_PASSWORD is required}"
CLUSTER_NAME=${CLUSTER_NAME:-galera}
TTL=${DISCOVERY_TTL:-30}
[ "$TTL" -ge 3 ] || TTL=3
REFRESH=$((TTL / 6))  # registrations and the election key are refreshed this often
[ "$REFRESH" -ge 1 ] || REFRESH=1
# An etcd rescheduled to another node starts empty, and stays so until the living members'
# next refresh: a starting member runs the election only when nobody has been registered
# for longer than that, or it would bootstrap a second cluster beside the living one.
GRACE=$((REFRESH + 2))
WAIT=${DISCOVERY_WAIT:-300}
# How long a member stays non-Primary beside a Primary component before it leaves (see
# leave_when_stranded).
STRANDED_AFTER=${STRANDED_AFTER:-60}
KEYS=http://$DISCOVERY_SERVICE/v2/keys/galera/$CLUSTER_NAME
BAKED=/var/lib/mysql  # the image's datadir, with the baked history
POOL=/var/lib/galera  # the node's volume, if it has one
DATADIR=$BAKED

log() { echo "galera-entrypoint: $*" >&2; }

wait_for_etcd() {
  local waited=0
  until curl -fsS -m 3 "http://$DISCOVERY_SERVICE/health" >/dev/null 2>&1; do
    waited=$((waited + 1))
    [ "$waited" -lt "$WAIT" ] || { log "etcd at $DISCOVERY_SERVICE never answered"; exit 1; }
    sleep 1
  done
}

# Our address on the network that reaches etcd (the overlay), not an ingress address.
own_address() {
  local host=${DISCOVERY_SERVICE%:*} ip
  ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
  ip -o -4 route get "${ip:-$host}" | sed -n 's/.* src \([0-9.]*\).*/\1/p'
}

# Registered members other than us (a registration outlives its member by up to TTL seconds).
registered() {
  curl -fsS -m 5 "$KEYS/nodes" 2>/dev/null | grep -o '"value":"[0-9.]*"' | cut -d'"' -f4 | grep -vx "$MY_ADDRESS"
}

# Registered members that answer on Galera's port, comma-separated: joining only dead
# addresses would make mariadbd abort.
peers() {
  local address live=()
  for address in $(registered); do
    timeout 5 bash -c "</dev/tcp/$address/4567" 2>/dev/null && live+=("$address")
  done
  (IFS=,; echo "${live[*]}")
}

# Join live registered members; run the bootstrap election only when nobody is registered
# (members that are registered but do not answer yet, on a loaded machine, are waited for:
# bootstrapping beside them would start a second cluster).
choose_cluster_address() {
  local found deadline=$((SECONDS + WAIT)) alone=0 reason said=
  until found=$(peers) && [ -n "$found" ]; do
    announce "$SEQNO"
    if [ -n "$(registered)" ]; then
      alone=0
    elif [ $((alone += 1)) -gt "$GRACE" ]; then
      misplaced
      announce_gone
      reason=$(not_yet_mine)
      if [ -z "$reason" ] && curl -fsS -m 5 -X PUT "$KEYS/bootstrap?prevExist=false" -d value="$MY_ADDRESS" \
          -d ttl="$TTL" -o /dev/null 2>/dev/null; then
        log "won the bootstrap election: starting a new cluster"; echo "gcomm://"; return
      fi
      reason=${reason:-another member bootstraps; waiting for it to register}
      [ "$reason" = "$said" ] || log "not bootstrapping: $reason"
      said=$reason
    fi
    # A member with a saved component waits for it as long as it takes (Galera would too):
    # leaving would only make it recover its position again (minutes under emulation).
    [ -n "$VIEW" ] || [ "$SECONDS" -lt "$deadline" ] || {
      curl -fsS -m 5 -X DELETE "$KEYS/positions/$MY_ADDRESS" -o /dev/null 2>/dev/null || true
      log "no live member registered within ${WAIT}s"; exit 1; }
    sleep 1
  done
  log "joining registered members: $found"; echo "gcomm://$found"
}

# A member on a node whose datadir another member holds, while the cluster is down and its
# last Primary component waits for a member whose datadir is on another node: swarm placed
# two tasks on one node before the other node was back (after a power loss). This one holds
# nothing the cluster needs; it leaves, so that swarm places its task again, on the node
# with the fewest.
misplaced() {
  [ "$DATADIR" = "$BAKED" ] && [ -d "$POOL" ] && [ -n "$VIEW" ] || return 0
  log "the cluster is down and this node's datadir is another member's: leaving, so that swarm places this task on a node whose datadir waits"
  curl -fsS -m 5 -X DELETE "$KEYS/positions/$MY_ADDRESS" -o /dev/null 2>/dev/null || true
  exit 1
}

# Our UUID in the group, once Galera has one (gvwstate.dat names it in a Primary component),
# is noted where the election will look for it: the node's datadir's members in
# $POOL/uuids (another member's saved component may name one of its earlier runs). A member
# that keeps its datadir in its container leaves nothing behind when its node loses power,
# yet it stays in the others' saved component: its UUID goes to $POOL/ephemeral/, and after
# a power loss the members on that node tell the election not to wait for it (etcd's
# gone/). What only it had committed is lost with it, as with any lost disk.
note_uuid() {
  [ -d "$POOL" ] || return 0
  local uuid=
  while kill -0 "$SERVER" 2>/dev/null && [ -z "$uuid" ]; do
    sleep "$REFRESH"
    uuid=$(sed -n 's/^my_uuid: *//p' "$DATADIR/gvwstate.dat" 2>/dev/null || true)
  done
  [ -n "$uuid" ] || return 0
  if [ "$DATADIR" = "$BAKED" ]; then
    mkdir -p "$POOL/ephemeral" && touch "$POOL/ephemeral/$uuid"
    # The newest 20, as with uuids: every election round announces each of them.
    (cd "$POOL/ephemeral" && ls -t | tail -n +21 | xargs -r rm -f --)
  else
    { tail -n 19 "$POOL/uuids" 2>/dev/null || true; echo "$uuid"; } > "$POOL/uuids.new"
    mv "$POOL/uuids.new" "$POOL/uuids"
  fi
}

announce_gone() {
  local uuid
  for uuid in $(ls "$POOL/ephemeral" 2>/dev/null); do
    curl -fsS -m 5 -X PUT "$KEYS/gone/$uuid" -d value="$uuid" -d ttl=$((WAIT * 2)) -o /dev/null 2>/dev/null || true
  done
}

gone_members() {
  curl -fsS -m 5 "$KEYS/gone" 2>/dev/null | grep -o '"value":"[^"]*"' | cut -d'"' -f4 || true
}

# Our position for the election ("?" while we still recover it).
announce() {
  curl -fsS -m 5 -X PUT "$KEYS/positions/$MY_ADDRESS" -d value="$1:$MAY:$MY_UUIDS:$MY_ADDRESS" -d ttl="$TTL" \
    -o /dev/null 2>/dev/null || true
}

# Whether Galera would let this datadir bootstrap (0) or not (1): after a crash in a Primary
# component (a saved view: the election waits for all of that component, then the most
# advanced may, as an operator would decide), or where Galera's own guard says so (the last
# member to leave cleanly, or the baked datadir). A member that left cleanly before others
# (safe_to_bootstrap: 0) holds less than the one that left last: it waits for that one.
may_bootstrap() {
  MAY=1
  if [ -n "$VIEW" ] || grep -q '^safe_to_bootstrap: *1' "$DATADIR/grastate.dat" 2>/dev/null; then MAY=0; fi
}

positions() {
  curl -fsS -m 5 "$KEYS/positions" 2>/dev/null | grep -o '"value":"[^"]*"' | cut -d'"' -f4
}

# Why this member may not bootstrap (nothing: it may). It must hold the most of the history
# among the members that said where they stand (ties go to one that may bootstrap, then to
# the lowest address, so that one member asks for the key), Galera must let it, and every
# member of its saved component must have said so: the one missing may hold more.
not_yet_mine() {
  local known gone uuid best
  known=$(positions) || { echo "etcd did not list the members' positions"; return; }
  gone=$(gone_members)
  for uuid in $VIEW; do
    grep -qx "$uuid" <<<"$gone" && continue
    grep -Eq "^[^:]*:[^:]*:([^:]*,)?$uuid(,[^:]*)?:" <<<"$known" \
      || { echo "waiting for $uuid, a member of the last Primary component, to say where it stands"; return; }
  done
  if grep -q '^?' <<<"$known"; then echo "waiting for $(grep '^?' <<<"$known" | cut -d: -f4 | head -1) to recover its position"; return; fi
  best=$(sort -t: -k1,1nr -k2,2n -k4,4 <<<"$known" | head -1)
  if [ "${best##*:}" = "$MY_ADDRESS" ]; then
    [ "$MAY" = 0 ] || echo "Galera would not bootstrap from here (safe_to_bootstrap: 0, no saved component): waiting for the member that left last"
  elif [ "${best%%:*}" = "$SEQNO" ]; then echo "${best##*:} goes first (the same seqno, $SEQNO)"
  else echo "${best##*:} holds more of the history (seqno ${best%%:*}; ours $SEQNO)"; fi
}

write_config() {
  install -d -o mysql -g mysql -m 0750 /run/mysqld
  install -m 0600 -o mysql -g mysql /dev/null /etc/mysql/mariadb.conf.d/99-member.cnf
  cat > /etc/mysql/mariadb.conf.d/99-member.cnf <<CNF
[mysqld]
datadir = $DATADIR
[galera]
wsrep_cluster_name = $CLUSTER_NAME
wsrep_node_address = $MY_ADDRESS
wsrep_sst_auth = sst:$XTRABACKUP_PASSWORD
CNF
  # For the healthcheck and the operator's `mariadb` in the container: no password on a command line.
  install -m 0600 /dev/null /root/.my.cnf
  printf '[client]\nuser=root\npassword=%s\n' "$MYSQL_ROOT_PASSWORD" > /root/.my.cnf
}

set_cluster_address() {
  printf 'wsrep_cluster_address = %s\n' "$CLUSTER_ADDRESS" >> /etc/mysql/mariadb.conf.d/99-member.cnf
}

# The node's datadir if this member is the first on the node to claim it (a lock that we
# and mariadbd hold for as long as the container lives), made from the image's the first
# time; else the image's own.
claim_datadir() {
  [ -d "$POOL" ] || return 0
  exec 9>"$POOL/datadir.lock"
  if ! flock -n 9; then
    exec 9>&-
    log "another member on this node holds the node's datadir: this one keeps its data in the container"
    return 0
  fi
  if [ ! -d "$POOL/data" ]; then
    rm -rf "$POOL/data.new"
    cp -a "$BAKED" "$POOL/data.new"
    mv "$POOL/data.new" "$POOL/data"
  fi
  DATADIR=$POOL/data
}

# Where this member's history stands (SEQNO, and START_POSITION when it had to be
# recovered). After a crash grastate.dat says seqno -1 and the position is in InnoDB:
# recovered as the packages' galera_recovery does, or the member would bootstrap a new
# history, or need a whole SST to join.
recover_position() {
  local uuid seqno found log=/tmp/wsrep-recover.log
  rm -f "$log"  # (a restarted container's last one would tell an older position)
  uuid=$(sed -n 's/^uuid: *//p' "$DATADIR/grastate.dat" 2>/dev/null || true)
  seqno=$(sed -n 's/^seqno: *//p' "$DATADIR/grastate.dat" 2>/dev/null || true)
  SEQNO=${seqno:--1} START_POSITION=
  [ "$SEQNO" = "-1" ] && [ -n "$uuid" ] || return 0
  # ("?" said again while InnoDB recovers, which can outlast the TTL: the others wait for it.)
  (while sleep "$REFRESH"; do announce "?"; done) &
  local saying=$!
  mariadbd --user=mysql --wsrep-recover --wsrep-cluster-address=gcomm:// --log-error="$log" >/dev/null 2>&1 || true
  kill "$saying" 2>/dev/null || true
  found=$(sed -n 's/.*WSREP: Recovered position: *//p' "$log" 2>/dev/null | tail -1) || true
  [ -n "$found" ] || { log "could not recover the position after a crash: $(tail -3 "$log" 2>&1)"; return 0; }
  log "recovered position $found after a crash"
  START_POSITION=$found SEQNO=${found##*:}
}

# The Primary component this datadir was in when its member went down without leaving (a
# crash, a power loss: Galera removes gvwstate.dat on a clean shutdown). MY_UUID is ours in
# it; VIEW its members, read from the node's datadir by a second member on the node.
saved_view() {
  local file mine
  mine=$(sed -n 's/^my_uuid: *//p' "$DATADIR/gvwstate.dat" 2>/dev/null || true)
  [ "$DATADIR" = "$BAKED" ] || mine="$(cat "$POOL/uuids" 2>/dev/null || true) $mine"
  MY_UUIDS=$(tr -s ' \n' '\n\n' <<<"$mine" | grep . | sort -u | paste -sd, || true)
  VIEW=
  for file in "$DATADIR/gvwstate.dat" "$POOL/data/gvwstate.dat"; do
    [ -s "$file" ] || continue
    VIEW=$(sed -n 's/^member: *\([0-9a-f-]*\).*/\1/p' "$file" | tr '\n' ' ')
    return 0
  done
}

# The cluster is bootstrapped from this member, which the election found the most advanced:
# Galera's own guard (safe_to_bootstrap: 0 on all but the last to leave, and on every member
# after a power loss) stands down, as an operator would set it.
mark_safe_to_bootstrap() {
  [ -n "$VIEW" ] || return 0  # (else Galera's own verdict stands: it let us, see may_bootstrap)
  grep -q '^safe_to_bootstrap: *0' "$DATADIR/grastate.dat" 2>/dev/null || return 0
  sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$DATADIR/grastate.dat"
  log "the most advanced member (seqno $SEQNO): marked safe_to_bootstrap"
}

# Normally a no-op (the image carries the system tables); for an empty volume on the datadir.
init_datadir() {
  [ -d "$DATADIR/mysql" ] && return 0
  # (The cluster address is not in the configuration yet; SST by mariabackup wants one.)
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal --wsrep-cluster-address=gcomm:// >/dev/null
}

# On the bootstrapping member only (replicated to the others), when the datadir is the
# image's (root has no password yet); a recovered datadir has its users.
create_users() {
  mariadb --no-defaults -uroot -e 'SELECT 1' >/dev/null 2>&1 || return 0
  mariadb --no-defaults -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'sst'@'localhost' IDENTIFIED BY '$XTRABACKUP_PASSWORD';
GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'sst'@'localhost';
SQL
}

# Keep our registration alive while we are healthy (the image's healthcheck: Synced, or a
# donor serving a state transfer, whose registration must not lapse mid-transfer).
refresh_registration() {
  while kill -0 "$SERVER" 2>/dev/null; do
    if galera-healthcheck >/dev/null; then
      curl -fsS -m 5 -X PUT "$KEYS/nodes/$MY_ADDRESS" -d value="$MY_ADDRESS" -d ttl="$TTL" -o /dev/null || true
    fi
    sleep "$REFRESH"
  done
}

# A registered peer that answers Primary, if there is one (asked as root over SQL: the
# same password on every member).
primary_peer() {
  local address
  for address in $(registered); do
    if [ "$(timeout 5 mariadb -h "$address" --connect-timeout=3 -NBe "SHOW STATUS LIKE 'wsrep_cluster_status'" \
        2>/dev/null | cut -f2)" = Primary ]; then
      echo "$address"; return 0
    fi
  done
  return 1
}

# Leave (gracefully, as on a TERM) when this member is stranded, so that swarm restarts the
# task and the new one joins again through etcd, as an operator would restart it:
# - Disconnected for three looks: it has left the group for good, seen when an IST after an
#   SST came one write set short ("Receiving IST failed, node restart required"), and the
#   healthcheck's start period would hide it from swarm for 15 minutes;
# - non-Primary for STRANDED_AFTER seconds while a registered peer answers Primary: after a
#   partition heals a member can stay non-Primary for good ("sending install message for new
#   primary component failed", upstream galera#174: it never retries). A non-Primary member
#   commits nothing, so nothing acknowledged goes with it. Alone, with no Primary peer (the
#   quorum lost), it keeps its data and waits for the operator's bootstrap.
leave_when_stranded() {
  local disconnected=0 stranded=0 status peer last=
  local patience=$(( (STRANDED_AFTER + REFRESH - 1) / REFRESH ))
  while kill -0 "$SERVER" 2>/dev/null; do
    sleep "$REFRESH"
    status=$(mariadb -NBe "SHOW STATUS LIKE 'wsrep_cluster_status'" 2>/dev/null | cut -f2) || continue
    # (Said once per change: which reading a later stop started from.)
    [ "$status" = "$last" ] || [ "$status" = Primary ] || log "Galera reports $status"
    last=$status
    if [ "$status" = "Disconnected" ]; then disconnected=$((disconnected + 1)); else disconnected=0; fi
    if [ "$status" = "non-Primary" ]; then stranded=$((stranded + 1)); else stranded=0; fi
    if [ "$disconnected" -ge 3 ]; then
      stop "Galera left the group for good (Disconnected for $((disconnected * REFRESH))s), so that swarm restarts this task"
      return
    fi
    if [ "$stranded" -ge "$patience" ] && peer=$(primary_peer); then
      stop "stranded: non-Primary for $((stranded * REFRESH))s while $peer is Primary, so that swarm restarts this task"
      return
    fi
  done
}

# The bootstrapper holds the election key for as long as this container lives.
hold_election() {
  while true; do
    sleep "$REFRESH"
    curl -fsS -m 5 -X PUT "$KEYS/bootstrap" -d value="$MY_ADDRESS" -d ttl="$TTL" -o /dev/null 2>/dev/null || true
  done
}

stop() {
  log "stopping mariadbd: ${1:-asked to (TERM)}"
  curl -fsS -m 5 -X DELETE "$KEYS/nodes/$MY_ADDRESS" -o /dev/null 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
}

answers() {
  mariadb -e 'SELECT 1' >/dev/null 2>&1 || mariadb --no-defaults -uroot -e 'SELECT 1' >/dev/null 2>&1
}

main() {
  wait_for_etcd
  MY_ADDRESS=$(own_address)
  [ -n "$MY_ADDRESS" ] || { log "cannot tell our own address towards $DISCOVERY_SERVICE"; exit 1; }
  claim_datadir
  write_config
  init_datadir
  saved_view
  may_bootstrap
  announce_gone
  announce "?"
  recover_position
  BOOTSTRAP=
  CLUSTER_ADDRESS=$(choose_cluster_address)
  curl -fsS -m 5 -X DELETE "$KEYS/positions/$MY_ADDRESS" -o /dev/null 2>/dev/null || true
  if [ "$CLUSTER_ADDRESS" = "gcomm://" ]; then
    BOOTSTRAP=1
    hold_election &
    mark_safe_to_bootstrap
  else
    rm -f "$DATADIR/gvwstate.dat"  # joining a live component: the saved one is not to be restored
  fi
  log "member $MY_ADDRESS of $CLUSTER_NAME, cluster address $CLUSTER_ADDRESS, datadir $DATADIR"
  set_cluster_address
  mariadbd --user=mysql ${BOOTSTRAP:+--wsrep-new-cluster} ${START_POSITION:+--wsrep-start-position=$START_POSITION} &
  SERVER=$!
  trap stop TERM INT
  if [ -n "$BOOTSTRAP" ]; then
    until answers; do
      kill -0 "$SERVER" 2>/dev/null || { log "mariadbd exited while bootstrapping"; exit 1; }
      sleep 1
    done
    create_users
  fi
  refresh_registration &
  leave_when_stranded &
  note_uuid &
  local code=0
  wait "$SERVER" || code=$?
  # A TERM interrupts `wait` as soon as the trap has run: wait again for mariadbd's clean
  # shutdown (leaving the cluster gracefully), or it dies with us mid-shutdown.
  while kill -0 "$SERVER" 2>/dev/null; do
    wait "$SERVER" || code=$?
  done
  exit "$code"
}

# Sourced (by the unit tests of the election), it defines the functions and runs nothing.
[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
