#!/usr/bin/perl
# smpp_operator.pl -- plays a mobile operator's SMSC that delivers USSD as
# SMPP TLVs, for the integration tests: Kannel's bearerbox (smsc = smpp,
# transceiver-mode) connects to it, and it runs a scripted USSD dialogue.
#
#   tests/smpp_operator.pl --port PORT [options] SCRIPT|-
#   tests/smpp_operator.pl --port PORT [options] -e STEP [-e STEP...]
#
# It listens on 127.0.0.1:PORT, answers bearerbox's bind_transceiver and
# every enquire_link, then runs the steps, one a line ('#' starts a comment):
#
#   dial   PHONE SESSION CODE   the person dials CODE (ussd_service_op 1)
#   answer PHONE SESSION TEXT   the person answers a menu (op 18); TEXT is the
#                               rest of the line, and may be empty
#   sleep  SECONDS
#
# PHONE is E.164 (+255...; sent as international digits), SESSION the 2
# octets of its_session_info in hex (4 digits: session number, then the
# sequence/end bits).  Each step is one deliver_sm from PHONE to the short
# code; then the peer waits for the one submit_sm that answers it (and for
# --settle seconds more, to catch any other), answers submit_sm_resp, and
# prints the screen on stdout as
#
#   OP=<ussd_service_op> SI=<its_session_info in hex> <text>
#
# (OP=- / SI=- when the TLV is missing, OP=x<hex> when it is not one octet;
# in the text a newline is \n, a CR \r and a backslash \\).  PDUs are
# logged on stderr.  At the end it unbinds.  It sends data_coding --dcs
# (default 0x0F, as USSD gateways do) with the text in GSM 7-bit, one septet
# an octet, or UCS-2 for --dcs 8.
#
# Exit status: 0 when every step got exactly one screen, from the short code
# to the step's phone; 1 when a step got none in time (--timeout); 2 for bad
# usage or no bind in time (--bind-timeout); 3 for protocol trouble (a
# rejected deliver_sm, an unexpected PDU, an unbind or lost connection, a
# screen from or to the wrong address, a screen no step asked for).
use strict;
use warnings;

use Encode qw(decode);
use Getopt::Long qw(:config no_ignore_case);
use IO::Select;
use POSIX qw(strftime);
use Net::SMPP;
use Time::HiRes qw(time sleep);

my %opt = (
	host => '127.0.0.1',
	to => '15055',
	'system-id' => '',
	password => '',
	dcs => 0x0F,            # GSM 7-bit, language unspecified: what USSD uses
	timeout => 10,
	'bind-timeout' => 20,
	settle => 0.3,
);
my @inline;
GetOptions(\%opt, 'port=i', 'host=s', 'to=s', 'system-id=s', 'password=s',
	'dcs=o', 'timeout=f', 'bind-timeout=f', 'settle=f', 'e=s' => \@inline,
	'help|h') or usage(2);
usage(0) if $opt{help};
usage(2) unless $opt{port} && (@inline xor @ARGV == 1);

# GSM 03.38 default alphabet and its extension table (after 0x1b).
my @GSM = split //, decode('UTF-8',
	"\@£\$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
	. "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà");
my %GSM_EXT = (0x0a => "\f", 0x14 => '^', 0x28 => '{', 0x29 => '}', 0x2f => '\\',
	0x3c => '[', 0x3d => '~', 0x3e => ']', 0x40 => '|', 0x65 => "\x{20ac}");

my @steps = parse_steps(@inline ? @inline : read_script($ARGV[0]));
$| = 1;

my $listener = Net::SMPP->new_listen($opt{host}, port => $opt{port},
	smpp_version => 0x34, timeout => $opt{'bind-timeout'})
	or fatal(2, "cannot listen on $opt{host}:$opt{port}: $!");
logf("listening on $opt{host}:$opt{port}");

my $conn;               # the bound connection
my $sel;                # IO::Select over the listener and $conn
my $bound = 0;
my $trouble = 0;        # protocol trouble seen: exit 3
my $msgid = 0;
my $current;            # the step waiting for its screen, if any
my @screens;            # submit_sm answers of the current step
my %pending;            # seq of a deliver_sm => its step, until its _resp

wait_bind();
my $rc = 0;
for my $s (@steps) {
	$rc = run_step($s) || $rc;
	last if $rc == 1 || !$bound;
}
$rc ||= 3 if $trouble;
unbind();
exit $rc;

# -- the script -----------------------------------------------------------------

sub usage {
	my ($status) = @_;
	my $fh = $status ? \*STDERR : \*STDOUT;
	print $fh "usage: smpp_operator.pl --port PORT [--host H] [--to SHORTCODE]\n",
		"    [--system-id ID --password PW] [--dcs N] [--timeout S] [--bind-timeout S]\n",
		"    [--settle S] (SCRIPT|- | -e STEP...)\n",
		"steps: 'dial PHONE SESSION CODE', 'answer PHONE SESSION TEXT', 'sleep S'\n";
	exit $status;
}

sub read_script {
	my ($path) = @_;
	my $fh;
	if ($path eq '-') {
		$fh = \*STDIN;
	} else {
		open($fh, '<', $path) or fatal(2, "cannot open $path: $!");
	}
	my @lines = <$fh>;
	chomp @lines;
	return @lines;
}

sub parse_steps {
	my @out;
	for my $line (@_) {
		next if $line =~ /^\s*(#|$)/;
		if ($line =~ /^\s*(dial|answer)\s+(\+?\d+)\s+([0-9A-Fa-f]{4})(?: (.*))?$/) {
			my ($kind, $phone, $si, $text) = ($1, $2, lc $3, $4 // '');
			fatal(2, "a dial needs a code: '$line'") if $kind eq 'dial' && $text eq '';
			push @out, { kind => $kind, phone => $phone, si => $si, text => $text,
				op => $kind eq 'dial' ? 1 : 18, line => $line };
		} elsif ($line =~ /^\s*sleep\s+(\d+(?:\.\d+)?)\s*$/) {
			push @out, { kind => 'sleep', secs => $1, line => $line };
		} else {
			fatal(2, "bad step: '$line'");
		}
	}
	fatal(2, "no steps") unless @out;
	return @out;
}

# -- steps ------------------------------------------------------------------------

# Sends the step's deliver_sm and waits for its screen.  Returns 0, 1 (no
# screen in time) or 3 (protocol trouble).  A rejected deliver_sm ends the
# wait at once.
sub run_step {
	my ($s) = @_;
	if ($s->{kind} eq 'sleep') {
		pump(time + $s->{secs}, sub { 0 });
		return 0;
	}
	@screens = ();
	$current = $s;
	(my $digits = $s->{phone}) =~ s/^\+//;
	my $seq = $conn->deliver_sm(async => 1,
		service_type => 'USSD',
		source_addr_ton => 1, source_addr_npi => 1, source_addr => $digits,
		dest_addr_ton => 0, dest_addr_npi => 1, destination_addr => $opt{to},
		esm_class => 0, data_coding => $opt{dcs},
		short_message => encode_text($s->{text}, $opt{dcs}),
		ussd_service_op => chr($s->{op}),
		its_session_info => pack('H4', $s->{si}));
	$pending{$seq} = $s;
	logf("> deliver_sm seq=$seq op=$s->{op} si=$s->{si} from=$digits to=$opt{to} "
		. "text='$s->{text}'");

	my $start = time;
	my $got = pump($start + $opt{timeout}, sub { @screens > 0 || !$bound || $s->{rejected} });
	if ($s->{rejected}) {
		$current = undef;
		return 3;
	}
	if (!$got || !@screens) {
		$current = undef;
		logf("no screen within $opt{timeout} s for '$s->{line}'");
		print "TIMEOUT $s->{line}\n";
		return 1;
	}
	pump(time + $opt{settle}, sub { !$bound });
	$current = undef;
	pump(time + 2, sub { !exists $pending{$seq} || !$bound })
		if exists $pending{$seq};
	if (exists $pending{$seq}) {
		logf("no deliver_sm_resp for seq $seq");
		delete $pending{$seq};
		$trouble = 1;
	}
	my $rc = 0;
	if (@screens > 1) {
		logf(scalar(@screens) . " screens for one step");
		$rc = 3;
	}
	for my $m (@screens) {
		(my $to = $m->{destination_addr}) =~ s/^\+//;
		if ($to ne $digits) {
			logf("screen for $m->{destination_addr}, expected $digits");
			print "WRONG-TO=$m->{destination_addr} ";
			$rc = 3;
		}
		if ($m->{source_addr} ne $opt{to}) {
			logf("screen from $m->{source_addr}, expected $opt{to}");
			print "WRONG-FROM=$m->{source_addr} ";
			$rc = 3;
		}
		print screen_line($m), "\n";
	}
	logf(sprintf("step took %.3f s", time - $start));
	return $rc;
}

sub screen_line {
	my ($pdu) = @_;
	my $op = $pdu->{ussd_service_op};
	$op = !defined $op ? '-' : length($op) == 1 ? ord($op) : 'x' . unpack('H*', $op);
	my $si = defined $pdu->{its_session_info} ? unpack('H*', $pdu->{its_session_info}) : '-';
	my $text = pdu_text($pdu);
	$text =~ s/\\/\\\\/g;
	$text =~ s/\n/\\n/g;
	$text =~ s/\r/\\r/g;
	my $line = "OP=$op SI=$si $text";
	utf8::encode($line);
	return $line;
}

# -- the connection -------------------------------------------------------------

sub wait_bind {
	my $deadline = time + $opt{'bind-timeout'};
	$sel = IO::Select->new($listener);
	pump($deadline, sub { $bound });
	fatal(2, "no bind_transceiver within $opt{'bind-timeout'} s") unless $bound;
}

# Serves the connection until done->() is true (returns 1) or the deadline
# passes (returns 0).
sub pump {
	my ($deadline, $done) = @_;
	while (1) {
		return 1 if $done->();
		my $left = $deadline - time;
		return 0 if $left <= 0;
		for my $fh ($sel->can_read($left)) {
			if ($fh == $listener) {
				accept_conn();
			} elsif (my $pdu = $conn->read_pdu) {
				handle($pdu);
			} else {
				logf("connection closed");
				$sel->remove($conn);
				$conn = undef;
				if ($bound) {
					$bound = 0;
					$trouble = 1;
				}
			}
		}
	}
}

sub accept_conn {
	my $c = $listener->accept or return;
	if ($conn) {
		logf("a second connection: dropping the first");
		$sel->remove($conn);
		$conn->close;
		$trouble = 1 if $bound;
		$bound = 0;
	}
	$conn = $c;
	$sel->add($conn);
	logf("connection from " . $conn->peerhost . ":" . $conn->peerport);
}

sub handle {
	my ($pdu) = @_;
	my $name = $pdu->explain_cmd;
	my $seq = $pdu->{seq};
	if ($name eq 'bind_transceiver') {
		my $ok = $opt{'system-id'} eq '' ||
			($pdu->{system_id} eq $opt{'system-id'} && $pdu->{password} eq $opt{password});
		logf("< bind_transceiver system_id='$pdu->{system_id}' "
			. "system_type='$pdu->{system_type}' version="
			. sprintf('0x%02x', $pdu->{interface_version})
			. ($ok ? '' : ': wrong credentials'));
		# 0x0e ESME_RINVPASWD
		$conn->bind_transceiver_resp(seq => $seq, system_id => 'operator',
			status => $ok ? 0 : 0x0e);
		$bound = $ok;
	} elsif ($name =~ /^bind_/) {
		logf("< $name: only bind_transceiver is served");
		# 0x04 ESME_RINVBNDSTS
		my $resp = "${name}_resp";
		$conn->$resp(seq => $seq, system_id => 'operator', status => 0x04);
		$trouble = 1;
	} elsif ($name eq 'enquire_link') {
		$conn->enquire_link_resp(seq => $seq);
	} elsif ($name eq 'submit_sm') {
		$msgid++;
		$conn->submit_sm_resp(seq => $seq, message_id => "ussd$msgid");
		my $line = screen_line($pdu);
		logf("< submit_sm seq=$seq from=$pdu->{source_addr} to=$pdu->{destination_addr} "
			. "ton=$pdu->{dest_addr_ton} dcs=$pdu->{data_coding} esm=$pdu->{esm_class} "
			. "service_type='$pdu->{service_type}' $line");
		if ($current) {
			push @screens, $pdu;
		} else {
			logf("a submit_sm no step asked for");
			print "STRAY $line\n";
			$trouble = 1;
		}
	} elsif ($name eq 'deliver_sm_resp') {
		my $s = delete $pending{$seq};
		logf("< deliver_sm_resp seq=$seq status=$pdu->{status}");
		if ($pdu->{status} != 0) {
			logf("deliver_sm rejected: " . $pdu->explain_status);
			print "REJECTED status=$pdu->{status}" . ($s ? " $s->{line}" : '') . "\n";
			$s->{rejected} = 1 if $s;
			$trouble = 1;
		}
	} elsif ($name eq 'enquire_link_resp') {
		# ours: none are sent
	} elsif ($name eq 'unbind') {
		logf("< unbind");
		$conn->unbind_resp(seq => $seq);
		$bound = 0;
		$trouble = 1;
	} elsif ($name eq 'unbind_resp') {
		logf("< unbind_resp");
		$bound = 0;
	} else {
		logf("< unexpected $name status=$pdu->{status}");
		# 0x03 ESME_RINVCMDID
		$conn->generic_nack(seq => $seq, status => 0x03) unless $pdu->{cmd} & 0x80000000;
		$trouble = 1;
	}
}

sub unbind {
	return unless $conn && $bound;
	my $seq = $conn->unbind(async => 1);
	logf("> unbind seq=$seq");
	pump(time + 2, sub { !$bound });
	$conn->close;
}

# -- text -------------------------------------------------------------------------

# The text of a submit_sm as characters, by its data_coding.
sub pdu_text {
	my ($pdu) = @_;
	my $bytes = $pdu->{short_message};
	$bytes = $pdu->{message_payload} if $bytes eq '' && defined $pdu->{message_payload};
	my $dcs = $pdu->{data_coding};
	return decode('UTF-16BE', $bytes) if $dcs == 0x08 || ($dcs & 0xcc) == 0x48;
	return decode('ISO-8859-1', $bytes) if $dcs == 0x01 || $dcs == 0x03;
	return gsm_decode($bytes);
}

# The step's text (UTF-8 from the script) as short_message bytes: UCS-2 for
# data_coding 8, else unpacked GSM 7-bit ('?' for what GSM lacks).
sub encode_text {
	my ($utf8, $dcs) = @_;
	my $chars = decode('UTF-8', $utf8);
	return Encode::encode('UTF-16BE', $chars) if $dcs == 0x08;
	my %code;
	@code{@GSM} = (0 .. $#GSM);
	my %ext = reverse %GSM_EXT;
	my $out = '';
	for my $c (split //, $chars) {
		if ($c ne "\x1b" && exists $code{$c}) {
			$out .= chr($code{$c});
		} elsif (exists $ext{$c}) {
			$out .= "\x1b" . chr($ext{$c});
		} else {
			$out .= '?';
		}
	}
	return $out;
}

# Unpacked GSM 7-bit (one septet an octet, as SMPP carries it).
sub gsm_decode {
	my @b = map { ord } split //, $_[0];
	my $out = '';
	for (my $i = 0; $i < @b; $i++) {
		if ($b[$i] == 0x1b && $i + 1 < @b) {
			my $c = $b[++$i];
			$out .= $GSM_EXT{$c} // $GSM[$c & 0x7f];
		} else {
			$out .= $GSM[$b[$i] & 0x7f];
		}
	}
	return $out;
}

# -- logging ------------------------------------------------------------------------

sub logf {
	my ($msg) = @_;
	my $t = time;
	utf8::encode($msg) if utf8::is_utf8($msg);
	printf STDERR "%s.%03d smpp_operator: %s\n",
		strftime('%H:%M:%S', localtime $t), ($t - int $t) * 1000, $msg;
}

sub fatal {
	my ($status, $msg) = @_;
	logf($msg);
	exit $status;
}
