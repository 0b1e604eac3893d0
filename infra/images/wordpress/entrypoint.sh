#!/bin/bash
# Configure WordPress from the environment, create its database once the database host
# answers (as the official image does), and run apache in the foreground.
set -euo pipefail

install -d -m 0755 /run/wordpress /run/apache2 /var/lock/apache2
install -m 0640 -g www-data /dev/null /etc/wordpress/config-default.php
php /usr/local/share/wordpress-config.php
printf 'Header always set X-Served-By "%s"\n' "$(hostname)" > /run/wordpress/served-by.conf
RELEASE=$(cat /etc/swarmproof-release 2>/dev/null || echo v1)
printf 'Header always set X-Swarmproof-Release "%s"\n' "$RELEASE" >> /run/wordpress/served-by.conf
if [ "$RELEASE" = broken ]; then
  # A bad release: it starts, and never answers (its healthcheck fails), until stopped; then
  # it exits as a killed process does (143), never 0: swarm must see the task fail.
  echo "wordpress-entrypoint: release $RELEASE serves nothing" >&2
  trap 'exit 143' TERM INT WINCH
  while :; do sleep 1 & wait $!; done
fi

create_database() {
  local attempt
  for attempt in $(seq 1 120); do
    if php -r '
      mysqli_report(MYSQLI_REPORT_OFF);
      $c = @new mysqli(getenv("WORDPRESS_DB_HOST"), getenv("WORDPRESS_DB_USER"), getenv("WORDPRESS_DB_PASSWORD"));
      if ($c->connect_errno) { exit(1); }
      $db = $c->real_escape_string(getenv("WORDPRESS_DB_NAME") ?: "wordpress");
      exit($c->query("CREATE DATABASE IF NOT EXISTS `$db`") ? 0 : 1);'; then
      echo "wordpress-entrypoint: database ready (attempt $attempt)" >&2
      return 0
    fi
    sleep 2
  done
  echo "wordpress-entrypoint: the database at $WORDPRESS_DB_HOST never answered" >&2
}
create_database &

set +u  # envvars reads variables it does not define
source /etc/apache2/envvars
exec apache2 -D FOREGROUND
