package SFUTest::Chromium;

# Headless Chromium for the tests, driven over the DevTools protocol (CDP)
# on --remote-debugging-pipe: no third-party code, only Debian's chromium.
#
#   use SFUTest::Chromium;
#   my $why = SFUTest::Chromium::unavailable();   # undef, or why it can't run
#   my $browser = SFUTest::Chromium->launch(      # fake camera, mic, screen
#       ignore_certificate_errors => 1,           # self-signed https/wss
#       args => ['--lang=en'],                    # more flags, optional
#   );
#   my $page = $browser->new_page(width => 390, height => 844, mobile => 1);
#   $page->goto('https://localhost:8443/');       # waits for the load event
#   $page->type('#name', 'Ada');                  # real clicks and key input
#   $page->click('#create');
#   $page->press('Enter');
#   my $v = $page->eval('document.title');        # promises are awaited;
#                                                 # JSON-able values returned
#   $page->wait_for('document.querySelectorAll("video").length >= 2',
#                   timeout => 60, what => 'two videos');  # polls; dies with
#                                                 # `what` and the last value
#   $page->screenshot('build/screenshots/two.png');
#   $page->add_init_script('window.x = 1');      # before each document's scripts
#   my @errors = $page->console_errors;           # console.error, uncaught
#                                                 # exceptions, error log entries
#   $page->close;  $browser->close;               # also when they go away
#
# Every page of one browser shares its fake devices; background pages are
# not throttled.  A second browser is a separate process with its own
# profile.  Timeouts are generous: the tests run on two loaded cores.

use strict;
use warnings;

use Carp qw(croak);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Handle;
use IO::Select;
use JSON::PP ();
use MIME::Base64 qw(decode_base64);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

our $Binary = $ENV{SFU_CHROMIUM} || '/usr/bin/chromium';
our $JSON = JSON::PP->new->utf8->allow_nonref;
our @Live;      # browsers to close at exit

# The NOTES.md recipe: headless, fake devices granted without a prompt,
# loopback ICE candidates allowed (once the page has had a camera or a
# microphone), nothing that phones home.  Tests send nothing outside
# 127.0.0.0/8, so: no host name is resolved but localhost (Chromium would
# otherwise ask the system's DNS server about Google's hosts), no proxy
# discovery, ICE host candidates with plain addresses, never mDNS names
# (.local: Chromium would announce those by multicast; the SFU workers
# talk to loopback peers only, see SFUTest::Stack), and no media router
# (it looks for cast devices by multicast).
our @Flags = (qw(
    --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run
    --no-default-browser-check --disable-background-networking
    --disable-component-update --disable-sync --disable-extensions
    --disable-default-apps --mute-audio
    --use-fake-ui-for-media-stream --use-fake-device-for-media-stream
    --auto-accept-this-tab-capture --auto-select-desktop-capture-source=Entire
    --allow-loopback-in-peer-connection
    --autoplay-policy=no-user-gesture-required
    --disable-background-timer-throttling --disable-renderer-backgrounding
    --disable-backgrounding-occluded-windows
    --disable-domain-reliability --no-pings --no-proxy-server
    --remote-debugging-pipe
), '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
   '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter');

# undef when Chromium can be launched here, else the reason.
sub unavailable {
    return "$Binary is not installed (apt-get install chromium)" unless -x $Binary;
    return undef;
}

sub launch {
    my ($class, %o) = @_;
    my $why = unavailable();
    croak "SFUTest::Chromium: $why" if $why;
    my $profile = tempdir('sfu-chromium-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @cmd = ($Binary, @Flags, "--user-data-dir=$profile",
               '--window-size=' . ($o{window} // '1280,800'),
               $o{ignore_certificate_errors} ? '--ignore-certificate-errors' : (),
               @{ $o{args} || [] }, 'about:blank');

    pipe(my $cmd_r, my $cmd_w) or croak "pipe: $!";
    pipe(my $evt_r, my $evt_w) or croak "pipe: $!";
    my $log = $o{log} // "$profile/chromium.log";
    my $pid = fork // croak "fork: $!";
    if ($pid == 0) {
        # Chromium reads commands on fd 3 and writes replies on fd 4.  Lift
        # both ends clear of 3 and 4 first, so neither dup2 clobbers the other.
        setpgrp(0, 0);
        my $in = POSIX::dup(fileno $cmd_r);
        my $out = POSIX::dup(fileno $evt_w);
        POSIX::dup2($in, 3) // POSIX::_exit(126);
        POSIX::dup2($out, 4) // POSIX::_exit(126);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    close $cmd_r;
    close $evt_w;
    $cmd_w->autoflush(1);

    my $self = bless {
        pid => $pid, out => $cmd_w, in => $evt_r, buf => '', next_id => 1,
        replies => {}, events => {}, pages => {}, profile => $profile,
        log => $log, timeout => $o{timeout} // 30,
    }, $class;
    push @Live, $self;
    my $v = $self->send_command('Browser.getVersion', {}, timeout => 60);
    $self->{version} = $v->{product};
    return $self;
}

sub version { $_[0]{version} }
sub pid { $_[0]{pid} }

# --- the pipe: NUL-terminated JSON messages both ways

sub _write {
    my ($self, $msg) = @_;
    my $data = $JSON->encode($msg) . "\0";
    while (length $data) {
        my $n = syswrite $self->{out}, $data;
        croak "SFUTest::Chromium: the browser went away ($!)" unless defined $n;
        substr($data, 0, $n) = '';
    }
}

# Read what has arrived within $wait seconds; file replies and events.
sub _pump {
    my ($self, $wait) = @_;
    my $sel = IO::Select->new($self->{in});
    return 0 unless $sel->can_read($wait);
    my $n = sysread $self->{in}, my $chunk, 1 << 20;
    croak "SFUTest::Chromium: the browser exited (see $self->{log})" unless $n;
    $self->{buf} .= $chunk;
    while ((my $end = index $self->{buf}, "\0") >= 0) {
        my $msg = $JSON->decode(substr $self->{buf}, 0, $end);
        substr($self->{buf}, 0, $end + 1) = '';
        if (defined $msg->{id}) {
            $self->{replies}{ $msg->{id} } = $msg;
        } elsif (my $page = $self->{pages}{ $msg->{sessionId} // '' }) {
            $page->_event($msg->{method}, $msg->{params});
        }
    }
    return 1;
}

# Send one command (to a page when $o{session}) and wait for its result.
sub send_command {
    my ($self, $method, $params, %o) = @_;
    my $id = $self->{next_id}++;
    $self->_write({ id => $id, method => $method, params => $params // {},
                    $o{session} ? (sessionId => $o{session}) : () });
    my $deadline = time + ($o{timeout} // $self->{timeout});
    until ($self->{replies}{$id}) {
        my $left = $deadline - time;
        croak "SFUTest::Chromium: $method got no reply in time" if $left <= 0;
        $self->_pump($left);
    }
    my $reply = delete $self->{replies}{$id};
    croak "SFUTest::Chromium: $method: $reply->{error}{message}"
        . ($reply->{error}{data} ? " ($reply->{error}{data})" : '')
        if $reply->{error};
    return $reply->{result};
}

sub new_page {
    my ($self, %o) = @_;
    my $t = $self->send_command('Target.createTarget',
                                { url => 'about:blank', newWindow => JSON::PP::true });
    my $a = $self->send_command('Target.attachToTarget',
                                { targetId => $t->{targetId}, flatten => JSON::PP::true });
    my $page = SFUTest::Chromium::Page->_new($self, $t->{targetId}, $a->{sessionId});
    $self->{pages}{ $a->{sessionId} } = $page;
    $page->_setup(%o);
    return $page;
}

sub close {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    eval { $self->_write({ id => $self->{next_id}++, method => 'Browser.close' }) };
    my $deadline = time + 5;
    while (time < $deadline) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    # whatever is left of this browser's own process group
    kill TERM => -$pid;
    sleep 0.1;
    kill KILL => -$pid;
    waitpid $pid, 0;
    close $self->{out};
    close $self->{in};
    @Live = grep { $_ != $self } @Live;
}

sub DESTROY { local ($?, $@); $_[0]->close }

END { local $?; $_->close for @Live }


package SFUTest::Chromium::Page;

use strict;
use warnings;
use Carp qw(croak);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use MIME::Base64 qw(decode_base64);
use Scalar::Util qw(weaken);
use Time::HiRes qw(sleep time);

sub _new {
    my ($class, $browser, $target, $session) = @_;
    my $self = bless { browser => $browser, target => $target,
                       session => $session, console => [], loads => 0 }, $class;
    weaken $self->{browser};
    return $self;
}

sub send_command {
    my ($self, $method, $params, %o) = @_;
    return $self->{browser}->send_command($method, $params,
                                          session => $self->{session}, %o);
}

sub _setup {
    my ($self, %o) = @_;
    $self->send_command($_) for qw(Page.enable Runtime.enable Log.enable);
    # every page believes it has focus (clipboard, autoplay, timers)
    $self->send_command('Emulation.setFocusEmulationEnabled', { enabled => JSON::PP::true });
    if ($o{width} || $o{height}) {
        $self->send_command('Emulation.setDeviceMetricsOverride', {
            width => $o{width} // 1280, height => $o{height} // 800,
            deviceScaleFactor => 1, mobile => $o{mobile} ? JSON::PP::true : JSON::PP::false });
    }
}

sub _event {
    my ($self, $method, $p) = @_;
    if ($method eq 'Page.loadEventFired') {
        $self->{loads}++;
    } elsif ($method eq 'Runtime.consoleAPICalled') {
        my $text = join ' ', map { $_->{value} // $_->{description} // $_->{type} }
                              @{ $p->{args} || [] };
        push @{ $self->{console} }, { level => $p->{type}, text => $text };
    } elsif ($method eq 'Runtime.exceptionThrown') {
        my $d = $p->{exceptionDetails};
        my $text = $d->{exception}{description} // $d->{text};
        push @{ $self->{console} }, { level => 'exception', text => $text };
    } elsif ($method eq 'Log.entryAdded') {
        my $e = $p->{entry};
        push @{ $self->{console} }, { level => $e->{level},
            text => $e->{text} . ($e->{url} ? " ($e->{url})" : '') };
    }
}

# JavaScript run in every document this page loads, before its own scripts.
sub add_init_script {
    my ($self, $js) = @_;
    $self->send_command('Page.addScriptToEvaluateOnNewDocument', { source => $js });
    return $self;
}

# Navigate and wait for the page's load event.
sub goto {
    my ($self, $url, %o) = @_;
    my $before = $self->{loads};
    my $r = $self->send_command('Page.navigate', { url => $url });
    croak "SFUTest::Chromium: cannot open $url: $r->{errorText}" if $r->{errorText};
    my $deadline = time + ($o{timeout} // 30);
    while ($self->{loads} == $before) {
        croak "SFUTest::Chromium: $url did not finish loading in time" if time > $deadline;
        $self->{browser}->_pump(0.2);
    }
    return $self;
}

# Evaluate a JavaScript expression; promises are awaited, the value comes
# back as Perl data (JSON::PP booleans).  A thrown error dies with its text.
sub eval {
    my ($self, $js, %o) = @_;
    my $r = $self->send_command('Runtime.evaluate', {
        expression => $js, awaitPromise => JSON::PP::true,
        returnByValue => JSON::PP::true, userGesture => JSON::PP::true,
    }, timeout => $o{timeout});
    if (my $d = $r->{exceptionDetails}) {
        croak "SFUTest::Chromium: page threw: "
            . ($d->{exception}{description} // $d->{text});
    }
    return $r->{result}{value};
}

# Poll an expression until it is truthy; returns its value.  Dies after
# `timeout` seconds (default 60) naming `what` and the last value seen.
sub wait_for {
    my ($self, $js, %o) = @_;
    my $deadline = time + ($o{timeout} // 60);
    my $last;
    while (1) {
        my $v = eval { $self->eval($js) };
        if ($@) {
            $last = "exception: $@";
        } else {
            return $v if $v;
            $last = $v;
        }
        last if time > $deadline;
        $self->{browser}->_pump($o{interval} // 0.25);
    }
    my $shown = ref $last ? $SFUTest::Chromium::JSON->encode($last) : $last // 'undefined';
    croak "SFUTest::Chromium: timed out waiting for "
        . ($o{what} // $js) . " (last value: $shown)";
}

# Centre of the first visible, enabled element matching a CSS selector
# that is not covered by another one, scrolled into view; waits for it.
sub _target {
    my ($self, $selector, %o) = @_;
    my $sel = $SFUTest::Chromium::JSON->encode($selector);
    return $self->wait_for(<<"JS", timeout => $o{timeout} // 30, what => "$selector to be clickable");
(() => {
    const e = [...document.querySelectorAll($sel)].find(e => e.getClientRects().length);
    if (!e || e.disabled) return null;
    e.scrollIntoView({block: 'center', inline: 'center'});
    const r = e.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    if (!top || !(top === e || e.contains(top))) return null;
    return {x, y};
})()
JS
}

sub click {
    my ($self, $selector, %o) = @_;
    my $at = $self->_target($selector, %o);
    for my $type (qw(mouseMoved mousePressed mouseReleased)) {
        $self->send_command('Input.dispatchMouseEvent', {
            type => $type, x => $at->{x}, y => $at->{y},
            $type eq 'mouseMoved' ? () : (button => 'left', clickCount => 1) });
    }
    return $self;
}

# Click into a field, select what it holds, and type text over it.
sub type {
    my ($self, $selector, $text, %o) = @_;
    $self->click($selector, %o);
    $self->eval('document.activeElement && document.activeElement.select'
                . ' && document.activeElement.select()');
    $self->send_command('Input.insertText', { text => $text });
    return $self;
}

my %Keys = (Enter => [13, "\r"], Escape => [27, ''], Tab => [9, "\t"],
            Backspace => [8, '']);

sub press {
    my ($self, $key) = @_;
    my $k = $Keys{$key} or croak "SFUTest::Chromium: press: unknown key $key";
    for my $type (qw(keyDown keyUp)) {
        $self->send_command('Input.dispatchKeyEvent', {
            type => $type, key => $key, code => $key,
            windowsVirtualKeyCode => $k->[0],
            ($type eq 'keyDown' && length $k->[1]) ? (text => $k->[1]) : () });
    }
    return $self;
}

sub screenshot {
    my ($self, $path) = @_;
    my $r = $self->send_command('Page.captureScreenshot', { format => 'png' },
                                timeout => 60);
    make_path(dirname($path));
    open my $fh, '>', $path or croak "$path: $!";
    binmode $fh;
    print $fh decode_base64($r->{data});
    close $fh or croak "$path: $!";
    return $path;
}

# Messages so far: each {level, text}; console_errors gives the texts of
# errors only (console.error, uncaught exceptions, the browser's error log).
sub console { @{ $_[0]{console} } }

sub console_errors {
    map { $_->{text} } grep { $_->{level} =~ /^(error|exception|assert)$/ }
        @{ $_[0]{console} };
}

sub clear_console { $_[0]{console} = [] }

sub close {
    my ($self) = @_;
    my $browser = $self->{browser} or return;
    eval { $browser->send_command('Target.closeTarget', { targetId => $self->{target} }) };
    delete $browser->{pages}{ $self->{session} };
    delete $self->{browser};
}

1;
