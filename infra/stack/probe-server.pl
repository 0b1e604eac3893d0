# Answers every HTTP request with this container's hostname (set to the task name by the
# stack file), then closes the connection: each request is a fresh connection, so the
# answers show how the routing mesh spreads connections over the tasks.
use strict;
use warnings;
use IO::Socket::INET;

my $port = $ARGV[0] or die "usage: probe-server.pl PORT\n";
my $name = `hostname`;
chomp $name;
my $server = IO::Socket::INET->new(LocalPort => $port, Listen => 64, ReuseAddr => 1)
  or die "cannot listen on $port: $!\n";
$SIG{PIPE} = 'IGNORE';
while (my $client = $server->accept) {
  while (my $line = <$client>) { last if $line =~ /^\r?\n$/; }
  print $client "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Served-By: $name\r\n"
    . "Connection: close\r\n\r\n$name\n";
  close $client;
}
