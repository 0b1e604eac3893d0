<?php
// Writes /etc/wordpress/config-default.php (Debian's wp-config.php falls back to it for
// any host name) from the environment, with every value escaped by var_export.
$env = function (string $name, ?string $default = null): string {
    $value = getenv($name);
    if ($value === false || $value === '') {
        if ($default === null) {
            fwrite(STDERR, "wordpress-entrypoint: $name is required\n");
            exit(1);
        }
        return $default;
    }
    return $value;
};
$password = $env('WORDPRESS_DB_PASSWORD');
$name = $env('WORDPRESS_DB_NAME', 'wordpress');
$lines = [
    "define('DB_HOST', " . var_export($env('WORDPRESS_DB_HOST'), true) . ");",
    "define('DB_USER', " . var_export($env('WORDPRESS_DB_USER'), true) . ");",
    "define('DB_PASSWORD', " . var_export($password, true) . ");",
    "define('DB_NAME', " . var_export($name, true) . ");",
    "\$table_prefix = " . var_export($env('WORDPRESS_TABLE_PREFIX', 'wp_'), true) . ";",
];
// Keys and salts must be the same in every replica, or a login made through one replica
// is rejected by the next. Unset ones derive from the database password: secret, and
// equal wherever the replicas share a database.
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY',
          'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {
    $value = $env("WORDPRESS_$key", hash('sha256', "$key:$name:$password"));
    $lines[] = "define('$key', " . var_export($value, true) . ");";
}
file_put_contents('/etc/wordpress/config-default.php', "<?php\n" . implode("\n", $lines) . "\n");
