package Test::Nginx::Socket;

# Compatible implementation of openresty's Test::Nginx::Socket for the
# sections this project uses (see t/compat/README.md).  Built on Test::Base
# like upstream; picked by t/bin/run-tests only when the upstream module is
# not installed.

use Test::Base -base;

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use List::Util qw(shuffle);
use Time::HiRes qw(sleep time);
use Test::LongString ();

use Test::Nginx::Util;

our $VERSION = '0.30-compat';

our @EXPORT = qw(
    plan run_tests run_test
    repeat_each config_preamble worker_connections workers
    master_on master_off master_process_enabled log_level
    no_shuffle no_root_location no_long_string env_to_nginx
    add_block_preprocessor server_name server_addr server_root html_dir
    server_port server_port_for_client timeout bail_out add_cleanup_handler
    check_accum_error_log error_log_data access_log_data use_hup is_str
    $ServerPort $ServerAddr $ServerPortForClient $ServRoot $NoLongString
);

sub is_str {
    my ($got, $expected, $desc) = @_;
    if (ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    return $NoLongString ? Test::More::is($got, $expected, $desc)
                         : Test::LongString::is_string($got, $expected, $desc);
}

sub run_tests {
    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $Test::Nginx::Util::NoShuffle;
    for my $block (@blocks) {
        $_->($block) for @Test::Nginx::Util::BlockPreprocessors;
        run_test($block);
    }
    Test::Nginx::Util::cleanup();
    my $tb = Test::More->builder;
    $tb->done_testing unless $tb->has_plan;
}

# Value of a section for request number $i (sections may be arrays when
# --- request eval gives several requests).
sub per_req {
    my ($v, $i) = @_;
    return ref $v eq 'ARRAY' ? $v->[$i] : $v;
}

sub trimmed {
    my $v = shift;
    return undef unless defined $v;
    $v =~ s/^\s+|\s+$//g;
    return $v;
}

sub skip_count {
    my ($block) = @_;
    my $spec = sec($block, "skip_nginx");
    return () unless defined $spec;
    $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/
        or bail_out($block->name . " - Invalid --- skip_nginx spec: $spec");
    my ($n, $op, $reason) = ($1, $2, $6);
    my $want = sprintf "%d.%03d%03d", $3, $4, $5;
    my $have = get_nginx_version();
    my $skip = defined $have ? eval "$have $op $want" : $op =~ /^</;
    return () unless $skip;
    return ($n, $reason || "nginx version $op $3.$4.$5");
}

sub run_test {
    my ($block) = @_;
    my $name = $block->name;

    if (my ($n, $reason) = skip_count($block)) {
        SKIP: { Test::More::skip("$name - $reason", $n) }
        return;
    }

    my $rand_ports = {};
    my $config = expand_env_in_text(sec($block, "config"), $name, $rand_ports);

    if (defined sec($block, "must_die")) {
        run_must_die($block, $config, $rand_ports);
        return;
    }

    my $err = Test::Nginx::Util::start_nginx_for_block($block, $config, $rand_ports);
    if ($err) {
        Test::More::fail("$name - nginx started: $err");
        return;
    }

    # Like upstream: --- init once per block, after nginx is up.
    if (defined(my $init = sec($block, "init"))) {
        ref $init eq 'CODE' ? $init->() : eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    for my $rep (0 .. $RepeatEach - 1) {
        # A fresh mock TCP server for every repetition, as upstream does.
        my $tcp;
        $tcp = [ Test::Nginx::Util::start_tcp_server($block, $rand_ports) ]
            if defined sec($block, "tcp_listen");
        run_one($block, $rep, $tcp);
        Test::Nginx::Util::stop_tcp_server($tcp->[0]) if $tcp;
        $Test::Nginx::Util::ErrLogFilePos = -s $ErrLogFile // 0
            unless $Test::Nginx::Util::CheckAccumErrLog;
    }

    Test::Nginx::Util::stop_nginx() unless $UseHup || $ENV{TEST_NGINX_NO_CLEAN};
}

# --- must_die [exit code]: nginx must fail to start, every repetition;
# no requests are made, --- error_log / --- no_error_log are matched
# against what it logged and printed on stderr.
sub run_must_die {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;
    my $want = trimmed(sec($block, "must_die"));

    for my $rep (0 .. $RepeatEach - 1) {
        my ($status, $err) =
            Test::Nginx::Util::run_nginx_to_death($block, $config, $rand_ports);
        if (!defined $status) {
            Test::More::fail("$name - die as expected: $err");
        } elsif ($status & 127) {
            Test::More::fail("$name - die as expected: killed by signal "
                             . ($status & 127));
        } elsif (length $want && $want =~ /^\d+$/) {
            Test::More::is($status >> 8, $want,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        check_error_log($block, 1);
    }
}

sub run_one {
    my ($block, $rep, $tcp) = @_;
    my $name = $block->name;

    my $reqs = build_requests($block);
    my $timeout = parse_time(sec($block, "timeout")) // $Timeout;
    $timeout += 10 if $UseValgrind;
    my $died_before = !Test::Nginx::Util::nginx_alive();

    for my $i (0 .. $#$reqs) {
        my $tag = @$reqs > 1 ? " (req $i)" : '';
        my ($raw, $timed_out) = send_request($reqs->[$i], $timeout,
            parse_time(sec($block, "raw_request_middle_delay")));
        if ($timed_out && !defined sec($block, "abort")) {
            warn "ERROR: client socket timed out - $name$tag\n";
        }
        my $res = parse_response($raw, $reqs->[$i]{head});
        check_response($block, $i, $tag, $res);
    }

    if (defined(my $wait = sec($block, "wait"))) {
        sleep parse_time($wait);
    }

    if ($tcp) {
        my $q = SFUTest::NginxProc::slurp($tcp->[1]);
        if (defined sec($block, "tcp_query")) {
            is_str($q, sec($block, "tcp_query"), "$name - tcp_query ok");
        }
        if (defined sec($block, "tcp_query_len")) {
            Test::More::is(length $q, trimmed(sec($block, "tcp_query_len")),
                           "$name - TCP query length ok");
        }
    }

    check_error_log($block);

    if (!$died_before && !Test::Nginx::Util::nginx_alive()) {
        Test::More::fail("$name - nginx is still running (it exited or crashed)");
    }
}

# --- Requests

sub build_requests {
    my ($block) = @_;
    my $name = $block->name;
    if (defined(my $raw = sec($block, "raw_request"))) {
        return [ { pieces => ref $raw eq 'ARRAY' ? $raw : [$raw] } ];
    }
    my $request = sec($block, "request");
    bail_out("$name - No '--- request' or '--- raw_request' section")
        unless defined $request;
    my @list = ref $request eq 'ARRAY' ? @$request : ($request);
    return [ map { build_http($block, $_) } @list ];
}

sub build_http {
    my ($block, $text) = @_;
    my $name = $block->name;
    $text = expand_env_in_text($text, $name);
    $text =~ s/^\s+//;
    my ($first, $body) = split /\r?\n/, $text, 2;
    my ($meth, $uri, $ver) = split ' ', $first;
    bail_out("$name - Request line should be non-empty") unless defined $meth;
    $uri //= '/';
    $ver //= 'HTTP/1.1';
    $body //= '';
    $body =~ s/^\s+|\s+$//gs;

    my $more = '';
    my $has = sub { $more =~ /^\Q$_[0]\E\s*:/mi };
    if (defined(my $mh = sec($block, "more_headers"))) {
        $mh = expand_env_in_text($mh, $name);
        for my $line (split /\n+/, $mh) {
            next if $line =~ /^\s*(#|$)/;
            my ($k, $v) = split /:\s*/, $line, 2;
            $more .= "$k: " . ($v // '') . "\r\n";
        }
    }
    my $head = "$meth $uri $ver\r\n";
    $head .= "Host: localhost\r\n" unless $has->('Host');
    $head .= "Connection: close\r\n" unless $has->('Connection');
    $head .= $more;
    if (length $body && !$has->('Content-Length') && !$has->('Transfer-Encoding')) {
        $head .= "Content-Length: " . length($body) . "\r\n";
    }
    return { pieces => ["$head\r\n$body"], head => uc $meth eq 'HEAD' };
}

# Send one request (a list of pieces), read the response until it is
# complete, the server closes, or the timeout.  Returns (bytes, timed_out).
sub send_request {
    my ($req, $timeout, $middle_delay) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $ServerAddr,
        PeerPort => $ServerPortForClient, Proto => 'tcp', Timeout => $timeout);
    if (!$sock) {
        warn "ERROR: cannot connect to $ServerAddr:$ServerPortForClient: $!\n";
        return ('', 0);
    }
    binmode $sock;
    my $deadline = time + $timeout;
    my @pieces = @{ $req->{pieces} };
    for my $k (0 .. $#pieces) {
        sleep($middle_delay // 0.01) if $k > 0;
        my $data = $pieces[$k];
        while (length $data) {
            my $n = syswrite $sock, $data;
            last unless $n;
            substr($data, 0, $n) = '';
        }
    }
    my $sel = IO::Select->new($sock);
    my $buf = '';
    while (1) {
        my $left = $deadline - time;
        return ($buf, 1) if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread $sock, $buf, 65536, length $buf;
        last unless $n;
        last if parse_response($buf, $req->{head})->{complete};
    }
    close $sock;
    return ($buf, 0);
}

sub parse_response {
    my ($buf, $is_head) = @_;
    my %res = (status => '', headers => [], raw_headers => '', body => '',
               complete => 0);
    my $end = index $buf, "\r\n\r\n";
    return \%res if $end < 0;
    my $head = substr $buf, 0, $end + 2;
    my $rest = substr $buf, $end + 4;
    my ($status_line, @lines) = split /\r\n/, $head;
    $res{status} = $1 if $status_line =~ m{^HTTP/\d\.\d\s+(\d+)};
    $res{raw_headers} = join "\r\n", @lines;
    my (%h, @h);
    for my $l (@lines) {
        my ($k, $v) = split /:\s*/, $l, 2;
        next unless defined $v;
        $v =~ s/\s+$//;
        push @h, [$k, $v];
        push @{ $h{lc $k} }, $v;
    }
    $res{headers} = \@h;
    $res{header} = { map { $_ => join(', ', @{ $h{$_} }) } keys %h };

    my $te = $res{header}{'transfer-encoding'} // '';
    my $cl = $res{header}{'content-length'};
    if ($is_head || $res{status} =~ /^(1\d\d|204|304)$/) {
        $res{complete} = 1;
    } elsif ($te =~ /chunked/i) {
        my $body = '';
        while ($rest =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            if ($len == 0) { $res{complete} = 1 if $rest =~ /\r\n\z|\r\n\r\n/; last }
            if (length $rest < $len + 2) { $body .= $rest; $rest = ''; last }
            $body .= substr $rest, 0, $len;
            substr($rest, 0, $len + 2) = '';
        }
        $res{body} = $body;
    } elsif (defined $cl && $cl =~ /^\d+$/) {
        $res{body} = substr $rest, 0, $cl;
        $res{complete} = length $rest >= $cl;
    } else {
        $res{body} = $rest;   # read until the server closes
    }
    return \%res;
}

# --- Checks

sub parse_header_spec {
    my ($spec) = @_;
    my @out;
    for my $l (split /\n/, $spec) {
        $l =~ s/^\s+|\s+$//g;
        next unless length $l;
        if ($l =~ s/^!\s*//) {
            push @out, [$l, undef];
        } else {
            my ($k, $v) = split /\s*:\s*/, $l, 2;
            push @out, [$k, $v // ''];
        }
    }
    return @out;
}

sub check_response {
    my ($block, $i, $tag, $res) = @_;
    my $name = $block->name;

    my $code = per_req(sec($block, "error_code"), $i);
    $code = defined $code ? trimmed($code) : 200;
    Test::More::is($res->{status}, $code, "$name - status code ok$tag");

    if (defined(my $spec = per_req(sec($block, "response_headers"), $i))) {
        $spec = expand_env_in_text($spec, $name);
        for my $h (parse_header_spec($spec)) {
            my ($k, $v) = @$h;
            if (!defined $v) {
                Test::More::unlike($res->{raw_headers}, qr/^\s*\Q$k\E\s*:/mi,
                    "$name - header $k not present in the raw headers$tag");
                next;
            }
            Test::More::is($res->{header}{lc $k} // '', $v, "$name - header $k ok$tag");
        }
    }
    if (defined(my $spec = per_req(sec($block, "response_headers_like"), $i))) {
        for my $h (parse_header_spec($spec)) {
            my ($k, $v) = @$h;
            Test::More::like($res->{header}{lc $k} // '', qr/^$v$/,
                             "$name - header $k like ok$tag");
        }
    }

    if (defined(my $exp = per_req(sec($block, "response_body"), $i))) {
        $exp =~ s/\$ServerPort\b/$ServerPort/g unless ref $exp;
        is_str($res->{body}, $exp, "$name - response_body - response is expected$tag");
    } elsif (defined(my $pat = per_req(sec($block, "response_body_like"), $i))) {
        my $re = ref $pat eq 'Regexp' ? $pat : qr/$pat/s;
        my $summary = substr $res->{body}, 0, 200;
        $summary =~ s/\s+/ /g;
        Test::More::like($res->{body}, $re,
            "$name - response_body_like - response is expected ($summary)$tag");
    }
    if (defined(my $pat = per_req(sec($block, "response_body_unlike"), $i))) {
        my $re = ref $pat eq 'Regexp' ? $pat : qr/$pat/s;
        Test::More::unlike($res->{body}, $re, "$name - response_body_unlike$tag");
    }
}

sub log_patterns {
    my ($v) = @_;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { length } map { s/^\s+|\s+$//gr } split /\n/, $v;
}

sub pat_desc {
    my $p = shift;
    return ref $p ? "$p" : $p;
}

sub line_matches {
    my ($lines, $p) = @_;
    for my $l (@$lines) {
        return 1 if ref $p ? $l =~ $p : index($l, $p) >= 0;
    }
    return 0;
}

sub check_error_log {
    my ($block, $with_stderr) = @_;
    my $name = $block->name;
    my @want = log_patterns(sec($block, "error_log"));
    my @dont = log_patterns(sec($block, "no_error_log"));
    return unless @want || @dont;

    # Log-phase lines may land just after the response; give them a moment.
    my $lines = error_log_data($with_stderr);
    my $deadline = time + 1.5;
    while (grep { !line_matches($lines, $_) } @want) {
        last if time > $deadline;
        sleep 0.05;
        $lines = error_log_data($with_stderr);
    }
    for my $p (@want) {
        Test::More::ok(line_matches($lines, $p),
            "$name - pattern \"" . pat_desc($p) . "\" matches a line in error.log")
            or Test::More::diag("error.log lines of this block (without debug):\n"
                . (join('', grep { !/\[debug\]/ } @$lines)
                   || "(none)\n"));
    }
    for my $p (@dont) {
        my @hits = grep { ref $p ? $_ =~ $p : index($_, $p) >= 0 } @$lines;
        Test::More::ok(!@hits,
            "$name - pattern \"" . pat_desc($p) . "\" should not match any line in error.log")
            or Test::More::diag("matching lines:\n" . join '', @hits[0 .. ($#hits > 4 ? 4 : $#hits)]);
    }
}

1;
