#!/bin/sh
# Healthy: the server answers and the member is Synced, or Donor/Desynced while it serves
# a state transfer to a joining member, or non-Primary: cut off from a majority, it holds
# the cluster's data until the quorum comes back or an operator bootstraps it. (Swarm
# replaces an unhealthy task with a fresh container, and the data would go with it.)
status=$(mariadb -NBe "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_status')" \
  2>/dev/null | cut -f2 | tr '\n' ' ')
case "$status" in
  *Synced*|*Donor/Desynced*|*non-Primary*) exit 0 ;;
  *) echo "wsrep state: ${status:-no answer}"; exit 1 ;;
esac
