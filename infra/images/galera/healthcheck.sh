#!/bin/sh
# Healthy: the server answers and the member is Synced, or Donor/Desynced while it serves
# a state transfer to a joining member.
state=$(mariadb -NBe "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)
case "$state" in
  Synced|Donor/Desynced) exit 0 ;;
  *) echo "wsrep_local_state_comment: ${state:-no answer}"; exit 1 ;;
esac
