#!/bin/bash
# A Galera member that finds its peers in etcd, with the walkthrough's environment contract:
#   MYSQL_ROOT_PASSWORD   root's password (root@localhost and root@%)
#   DISCOVERY_SERVICE     etcd host:port (v2 API)
#   CLUSTER_NAME          the Galera cluster's name and its etcd key (default: galera)
#   XTRABACKUP_PASSWORD   the SST user's password (state transfers use mariabackup)
#   STRANDED_AFTER        seconds non-Primary beside a Primary peer before leaving (default 60)
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
DATADIR=/var/lib/mysql

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
  local found waited=0 alone=0
  until found=$(peers) && [ -n "$found" ]; do
    if [ -n "$(registered)" ]; then
      alone=0
    elif [ $((alone += 1)) -gt "$GRACE" ]; then
      if curl -fsS -m 5 -X PUT "$KEYS/bootstrap?prevExist=false" -d value="$MY_ADDRESS" -d ttl="$TTL" \
          -o /dev/null 2>/dev/null; then
        log "won the bootstrap election: starting a new cluster"; echo "gcomm://"; return
      fi
      [ "$alone" -gt $((GRACE + 1)) ] || log "another member bootstraps; waiting for it to register"
    fi
    waited=$((waited + 1))
    [ "$waited" -lt "$WAIT" ] || { log "no live member registered within ${WAIT}s"; exit 1; }
    sleep 1
  done
  log "joining registered members: $found"; echo "gcomm://$found"
}

write_config() {
  install -d -o mysql -g mysql -m 0750 /run/mysqld
  install -m 0600 -o mysql -g mysql /dev/null /etc/mysql/mariadb.conf.d/99-member.cnf
  cat > /etc/mysql/mariadb.conf.d/99-member.cnf <<CNF
[galera]
wsrep_cluster_name = $CLUSTER_NAME
wsrep_cluster_address = $CLUSTER_ADDRESS
wsrep_node_address = $MY_ADDRESS
wsrep_sst_auth = sst:$XTRABACKUP_PASSWORD
CNF
  # For the healthcheck and the operator's `mariadb` in the container: no password on a command line.
  install -m 0600 /dev/null /root/.my.cnf
  printf '[client]\nuser=root\npassword=%s\n' "$MYSQL_ROOT_PASSWORD" > /root/.my.cnf
}

# Normally a no-op (the image carries the system tables); for an empty volume on the datadir.
init_datadir() {
  [ -d "$DATADIR/mysql" ] && return 0
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
}

create_users() {  # on the bootstrapping member only: replicated to the others (IST or SST)
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
  local disconnected=0 stranded=0 status peer
  local patience=$(( (STRANDED_AFTER + REFRESH - 1) / REFRESH ))
  while kill -0 "$SERVER" 2>/dev/null; do
    sleep "$REFRESH"
    status=$(mariadb -NBe "SHOW STATUS LIKE 'wsrep_cluster_status'" 2>/dev/null | cut -f2) || continue
    if [ "$status" = "Disconnected" ]; then disconnected=$((disconnected + 1)); else disconnected=0; fi
    if [ "$status" = "non-Primary" ]; then stranded=$((stranded + 1)); else stranded=0; fi
    if [ "$disconnected" -ge 3 ]; then
      log "Galera left the group for good (Disconnected for $((disconnected * REFRESH))s): stopping so that swarm restarts this task"
      stop
      return
    fi
    if [ "$stranded" -ge "$patience" ] && peer=$(primary_peer); then
      log "stranded: non-Primary for $((stranded * REFRESH))s while $peer is Primary: stopping so that swarm restarts this task"
      stop
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
  curl -fsS -m 5 -X DELETE "$KEYS/nodes/$MY_ADDRESS" -o /dev/null 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
}

main() {
  wait_for_etcd
  MY_ADDRESS=$(own_address)
  [ -n "$MY_ADDRESS" ] || { log "cannot tell our own address towards $DISCOVERY_SERVICE"; exit 1; }
  BOOTSTRAP=
  CLUSTER_ADDRESS=$(choose_cluster_address)
  if [ "$CLUSTER_ADDRESS" = "gcomm://" ]; then
    BOOTSTRAP=1
    hold_election &
  fi
  log "member $MY_ADDRESS of $CLUSTER_NAME, cluster address $CLUSTER_ADDRESS"
  write_config
  init_datadir
  mariadbd --user=mysql ${BOOTSTRAP:+--wsrep-new-cluster} &
  SERVER=$!
  trap stop TERM INT
  if [ -n "$BOOTSTRAP" ]; then
    until mariadb --no-defaults -uroot -e 'SELECT 1' >/dev/null 2>&1; do
      kill -0 "$SERVER" 2>/dev/null || { log "mariadbd exited while bootstrapping"; exit 1; }
      sleep 1
    done
    create_users
  fi
  refresh_registration &
  leave_when_stranded &
  local code=0
  wait "$SERVER" || code=$?
  # A TERM interrupts `wait` as soon as the trap has run: wait again for mariadbd's clean
  # shutdown (leaving the cluster gracefully), or it dies with us mid-shutdown.
  while kill -0 "$SERVER" 2>/dev/null; do
    wait "$SERVER" || code=$?
  done
  exit "$code"
}

main "$@"
