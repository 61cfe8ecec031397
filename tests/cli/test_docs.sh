#!/usr/bin/env bash
# Holds the man pages and the shell completions to the real command tree, as the parser
# reports it with the hidden `pdai __commands`:
#   (a) every command and every option is documented in its group's man page
#       (man/pdai-<group>.1, else man/pdai.1), every group in pdai(1)'s COMMANDS
#       overview, and every pdai.conf key in pdai.conf(5);
#       headings and option items naming commands or options that do not exist fail too;
#   (b) completions/ holds exactly what `pdai completion SHELL` prints now;
#   (c) every man page renders without warnings (groff -ww, mandoc -Tlint);
#   (d) the bash completion completes commands, options, files and catalog names, the fish
#       one too, and the zsh one loads;
#   (e) every exit status a pdai*.1 page's EXIT STATUS names is 0 or a code of the Errc
#       table in common/error.hpp, or, on the pages of commands that wait for jobs (those
#       with --wait, and `jobs wait`), a job's exit code as --wait gives it, each for the
#       way it ended (pdai-run(1): 143 when cancelled while it ran, 130 only before it started);
#   (f) every page renders to UTF-8 with no trademark sign (\(tm where \(mu, ×, was meant).
#
# Man page conventions that (a) relies on: each command has a .SS heading that starts with
# "pdai <command path>" (e.g. .SS "pdai bureau add \fICODE\fR"), and each of its options is
# the tag of a .TP (or .IP/.TQ) item under that heading; pdai's global options are items of
# pdai(1)'s OPTIONS section, and each command group has an item "pdai GROUP ..." (or
# "pdai A|B|C" for several) in its COMMANDS section; pdai.conf keys are items of
# pdai.conf(5)'s KEYS section.
#
#   tests/cli/test_docs.sh PDAI SOURCE_DIR      (also: PDAI=... PDAI_SOURCE_DIR=...)
set -uo pipefail

pdai=${1:-${PDAI:-}}
src=${2:-${PDAI_SOURCE_DIR:-}}
if [[ -z $pdai || -z $src || ! -x $pdai || ! -d $src/man ]]; then
    echo "usage: $0 PDAI_BINARY SOURCE_DIR" >&2
    exit 2
fi
pdai=$(cd "$(dirname "$pdai")" && pwd)/$(basename "$pdai")
src=$(cd "$src" && pwd)

tmp=$(mktemp -d /tmp/pdai-docs-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
mkdir -p "$HOME"
unset PDAI_CATALOG NO_COLOR
: >"$tmp/empty.conf"  # no system or user config can change what pdai prints here

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

if ! "$pdai" --config "$tmp/empty.conf" __commands >"$tmp/commands.json"; then
    echo "FAIL: pdai __commands did not run" >&2
    exit 1
fi

# ----------------------------------------------------------------------------------------
# (a) man pages document every command and option
echo "== (a) man pages cover the command tree"
# Roff source to plain words, for both Perl checks below: drop the macro name, font and
# special-character escapes.
cat >"$tmp/roff_plain.pl" <<'PERL'
sub plain {
    my $s = shift;
    $s =~ s/^\.\s*[A-Za-z]+\s*//;
    $s =~ s/\\f(\[[^\]]*\]|\(..|.)//g;
    $s =~ s/\\\(..|\\\[[^\]]*\]/ /g;
    $s =~ s/\\-/-/g;
    $s =~ s/\\&|\\\s//g;
    $s =~ s/\\e/\\/g;
    $s =~ s/"//g;
    return $s;
}
1;
PERL
export PDAI_ROFF_PL=$tmp/roff_plain.pl
cat >"$tmp/check_man.pl" <<'PERL'
use strict;
use warnings;
use JSON::PP;

my ($json_file, $mandir, $config_cpp) = @ARGV;
my $tree = do { local $/; open my $f, '<', $json_file or die "$json_file: $!"; decode_json(<$f>) };

my @cmds;
sub walk { my $n = shift; push @cmds, $n; walk($_) for @{ $n->{subcommands} }; }
walk($tree);
my %cmd = map { $_->{path} => $_ } @cmds;
my %global = map { $_ => 1 } map { @{ $_->{names} } } @{ $tree->{options} };
my @problems;

require "$ENV{PDAI_ROFF_PL}";  # plain(): roff source to words

# A page as sections (.SH) and command blocks (.SS), each with the tags of its items.
my %pages;
sub page {
    my $name = shift;
    return $pages{$name} if exists $pages{$name};
    my $file = "$mandir/$name";
    return $pages{$name} = undef unless -f $file;
    open my $f, '<', $file or die "$file: $!";
    my @lines = grep { !/^\.\\"/ && !/^'\\"/ } <$f>;
    chomp @lines;
    my (%sections, @blocks, $section, $block);
    for (my $i = 0; $i < @lines; $i++) {
        my $l = $lines[$i];
        if ($l =~ /^\.SH\b/) {
            $section = { name => plain($l), tags => [] };
            $sections{ $section->{name} } = $section;
            $block = undef;
        } elsif ($l =~ /^\.SS\b/) {
            $block = { heading => plain($l), tags => [], text => '' };
            push @blocks, $block;
        } elsif ($l =~ /^\.(TP|TQ)\b/ && $i + 1 < @lines) {
            my $tag = plain($lines[++$i]);
            push @{ $section->{tags} }, $tag if $section;
            if ($block) { push @{ $block->{tags} }, $tag; $block->{text} .= " $tag"; }
        } elsif ($l =~ /^\.IP\s+(.*)/) {
            my $tag = plain(".IP $1");
            push @{ $section->{tags} }, $tag if $section;
            push @{ $block->{tags} }, $tag if $block;
        } elsif ($block) {
            $block->{text} .= ' ' . plain($l);
        }
    }
    return $pages{$name} = { file => "man/$name", sections => \%sections, blocks => \@blocks };
}

sub page_for {  # the page of a command's group, else pdai(1)
    my $path = shift;
    my ($group) = split / /, $path;
    my $p = page("pdai-$group.1");
    return $p // page('pdai.1');
}

# The command a heading documents: the longest run of words after "pdai" that is a command.
sub heading_command {
    my $heading = shift;
    my @w = split ' ', $heading;
    return undef unless @w && $w[0] eq 'pdai';
    my ($path, $i) = ('', 1);
    while ($i < @w) {
        my $next = $path eq '' ? $w[$i] : "$path $w[$i]";
        last unless exists $cmd{$next};
        $path = $next;
        $i++;
    }
    return ($path, [ @w[ $i .. $#w ] ]);
}

sub has_word {
    my ($text, $word) = @_;
    return $text =~ /(^|[^-\w])\Q$word\E([^-\w]|$)/;
}

# Commands and their options and positionals.
for my $c (@cmds) {
    my $path = $c->{path};
    if ($path eq '') {
        my $p = page('pdai.1') or do { push @problems, "man/pdai.1 is missing"; next };
        my $opts = $p->{sections}{OPTIONS};
        for my $o (@{ $c->{options} }) {
            my @n = @{ $o->{names} };
            next if $opts && grep { my $t = $_; grep { has_word($t, $_) } @n } @{ $opts->{tags} };
            push @problems, "$p->{file}: global option " . join('/', @n)
              . " is not an item of the OPTIONS section";
        }
        next;
    }
    my $p = page_for($path);
    my @mine = grep { my ($h) = heading_command($_->{heading}); defined $h && $h eq $path } @{ $p->{blocks} };
    my @under = grep { $_->{heading} =~ /^pdai \Q$path\E( |$)/ } @{ $p->{blocks} };
    if (!@under) {
        push @problems, "$p->{file}: command 'pdai $path' has no .SS heading starting with 'pdai $path'";
        next;
    }
    for my $o (@{ $c->{options} }) {
        my @n = @{ $o->{names} };
        next if grep { $global{$_} } @n;
        next if grep { my $b = $_; grep { my $t = $_; grep { has_word($t, $_) } @n } @{ $b->{tags} } } @mine;
        push @problems, "$p->{file}: option " . join('/', @n) . " of 'pdai $path' is not an item under its heading";
    }
    for my $pos (@{ $c->{positionals} }) {
        next if grep { has_word("$_->{heading} $_->{text}", $pos) } @mine;
        push @problems, "$p->{file}: argument $pos of 'pdai $path' is not named under its heading";
    }
}

# pdai(1)'s COMMANDS overview has an item for every command group ("pdai run|train|infer").
{
    my $top = page('pdai.1');
    my @tags = $top && $top->{sections}{COMMANDS} ? @{ $top->{sections}{COMMANDS}{tags} } : ();
    for my $s (@{ $tree->{subcommands} }) {
        my $name = $s->{path};
        next if grep { /^\s*pdai\s+(\S+)/ && grep { $_ eq $name } split /\|/, $1 } @tags;
        push @problems, "man/pdai.1: command '$name' has no item in the COMMANDS overview";
    }
}

# Headings and items that name commands or options that do not exist (stale pages).
opendir my $d, $mandir or die "$mandir: $!";
for my $name (sort grep { /\.[1-9]$/ } readdir $d) {
    my $p = page($name);
    for my $b (@{ $p->{blocks} }) {
        next unless $b->{heading} =~ /^pdai\b/;
        my ($path, $rest) = heading_command($b->{heading});
        if (@$rest && $rest->[0] =~ /^[a-z][a-z0-9-]*$/ && !exists $cmd{"$path $rest->[0]"}) {
            push @problems, "$p->{file}: heading '$b->{heading}' names no command ('pdai "
              . ($path eq '' ? '' : "$path ") . "$rest->[0]' does not exist)";
            next;
        }
        my %valid = (%global, map { $_ => 1 } map { @{ $_->{names} } } @{ $cmd{$path}{options} });
        for my $t ($b->{heading}, @{ $b->{tags} }) {
            for my $word (split /[\s,|\[\]=]+/, $t) {
                next unless $word =~ /^(--?[A-Za-z][-A-Za-z0-9]*)/;
                my $opt = $1;
                push @problems, "$p->{file}: '$opt' under '$b->{heading}' is no option of 'pdai $path'"
                  unless $valid{$opt};
            }
        }
    }
}

# pdai.conf keys: every key app/settings.cpp accepts is an item of pdai.conf(5)'s KEYS.
if (open my $f, '<', $config_cpp) {
    my %keys;
    while (<$f>) { $keys{$1} = 1 while /\bkey == "([a-z_]+)"/g; }
    my $conf = page('pdai.conf.5');
    my @tags = $conf && $conf->{sections}{KEYS} ? @{ $conf->{sections}{KEYS}{tags} } : ();
    for my $k (sort keys %keys) {
        push @problems, "man/pdai.conf.5: key '$k' is not an item of the KEYS section"
          unless grep { (split ' ', $_)[0] eq $k } @tags;
    }
    push @problems, "$config_cpp: found no config keys (key == \"...\")" unless %keys;
}

print "MISSING: $_\n" for @problems;
printf "%d command paths checked, %d problem(s)\n", scalar @cmds, scalar @problems;
exit(@problems ? 1 : 0);
PERL
if perl "$tmp/check_man.pl" "$tmp/commands.json" "$src/man" "$src/app/settings.cpp"; then
    ok "every command, option and config key is in its man page"
else
    fail "man pages miss commands or options (see MISSING above)"
fi

# ----------------------------------------------------------------------------------------
# (b) the committed completion scripts are what pdai generates now
echo "== (b) completions/ is up to date"
for pair in bash:pdai.bash zsh:_pdai fish:pdai.fish; do
    shell=${pair%%:*} file=${pair#*:}
    if ! "$pdai" --config "$tmp/empty.conf" completion "$shell" >"$tmp/$file"; then
        fail "pdai completion $shell failed"
    elif ! diff -u "$src/completions/$file" "$tmp/$file" >"$tmp/$file.diff"; then
        head -n 40 "$tmp/$file.diff"
        fail "completions/$file differs from 'pdai completion $shell': run scripts/gen-completions"
    else
        ok "completions/$file is up to date"
    fi
done

# The scripts are correct shell: shellcheck over the bash one, each shell's own parser over
# all three (the runtime lives in completions/*.in templates, so this checks them too).
if command -v shellcheck >/dev/null; then
    if shellcheck -s bash "$src/completions/pdai.bash" >"$tmp/shellcheck.out" 2>&1; then
        ok "shellcheck: completions/pdai.bash is clean"
    else
        head -n 40 "$tmp/shellcheck.out"
        fail "shellcheck finds problems in completions/pdai.bash (fix completions/pdai.bash.in)"
    fi
else
    echo "skip: shellcheck is not installed (scripts/setup installs it)"
fi
bash -n "$src/completions/pdai.bash" && ok "bash -n: pdai.bash parses" || fail "bash cannot parse pdai.bash"
zsh -n "$src/completions/_pdai" && ok "zsh -n: _pdai parses" || fail "zsh cannot parse _pdai"
fish --no-execute "$src/completions/pdai.fish" && ok "fish --no-execute: pdai.fish parses" || fail "fish cannot parse pdai.fish"

# The design lives in the repo: no file sends a reader to a DESIGN.md that a clone lacks,
# and no document to the ../shared folder beside a developer's checkout.
if [[ -d $src/.git ]] && command -v git >/dev/null; then
    stray=$(git -C "$src" grep -n -I -e 'DESIGN\.md' -e 'DESIGN:' -- . ':!tests/cli/test_docs.sh' || true)
    stray+=$(git -C "$src" grep -n -I -e '\.\./shared' -- README.md ARCHITECTURE.md man bench/RESULTS.md || true)
    if [[ -z $stray ]]; then ok "no document points at DESIGN.md or ../shared"; else
        echo "$stray" | head -n 10; fail "documents point at files a clone does not have"; fi
fi

# ----------------------------------------------------------------------------------------
# (c) the man pages render without warnings
echo "== (c) man pages render cleanly"
# mandoc style messages that are ignored, each with why (they are printed all the same):
#  - "input text line longer than 80 bytes": a preference for short source lines; it has
#    no effect on the rendered page (groff -ww below reports what does).
mandoc_ignored='STYLE: input text line longer than 80 bytes'
shopt -s nullglob
pages=("$src"/man/*.[1-9])
((${#pages[@]})) || fail "no man pages in man/"
for page in "${pages[@]}"; do
    name=man/$(basename "$page")
    for dev in ps utf8; do
        out=$(groff -man -ww -z -T"$dev" "$page" 2>&1)
        [[ -z $out ]] || fail "$name: groff -T$dev warns: $out"
    done
    out=$(mandoc -Tlint -W style "$page" 2>&1)
    ignored=$(grep -F -- "$mandoc_ignored" <<<"$out")
    left=$(grep -v -F -- "$mandoc_ignored" <<<"$out")
    [[ -z $ignored ]] || printf 'ignored: %s\n' "$ignored"
    if [[ -n $left ]]; then
        fail "$name: mandoc -Tlint: $left"
    else
        ok "$name renders without warnings"
    fi
done

# ----------------------------------------------------------------------------------------
# (d) the completions complete
echo "== (d) completions work"
catalog=$tmp/catalog.db
{
    "$pdai" --catalog "$catalog" catalog init &&
        "$pdai" --catalog "$catalog" bureau add fin --display-name "Finance Bureau" &&
        "$pdai" --catalog "$catalog" bureau add police --display-name "Police Bureau" &&
        "$pdai" --catalog "$catalog" vendor add acme &&
        "$pdai" --catalog "$catalog" gpu type add a100 --weight 1 --price 12 &&
        "$pdai" --catalog "$catalog" gpu type add t4 --weight 0.25 --price 3 &&
        "$pdai" --catalog "$catalog" catalog backup "$tmp/backup-1.db"
} >/dev/null || fail "could not make the test catalog"
# Two jobs for job-id completion: rows as a submission records them (no backend needed).
sqlite3 "$catalog" "INSERT INTO jobs (id, kind, backend, bureau_id, unix_user, state, request_json, submitted_at)
  SELECT 41, 'run', 'local', id, 'root', 'completed', '{}', 0 FROM bureaus WHERE code = 'fin';
  INSERT INTO jobs (id, kind, backend, bureau_id, unix_user, state, request_json, submitted_at)
  SELECT 42, 'run', 'local', id, 'root', 'failed', '{}', 0 FROM bureaus WHERE code = 'fin';" ||
    fail "could not add the test jobs"

# The subcommands of a command path, from the tree (what completion must offer).
subs_of() {
    perl -MJSON::PP -e '
        my ($file, $path) = @ARGV;
        my $t = do { local $/; open my $f, "<", $file or die; decode_json(<$f>) };
        sub find { my ($n, $p) = @_; return $n if $n->{path} eq $p;
                   for (@{ $n->{subcommands} }) { my $r = find($_, $p); return $r if $r } undef }
        my $n = find($t, $path) or exit 1;
        print join(" ", sort map { $_->{path} =~ s/.* //r } @{ $n->{subcommands} }), "\n";
    ' "$tmp/commands.json" "$1"
}

# complete_bash MODE LINE: what bash offers at the end of LINE, sorted, space-separated.
# MODE "bc" loads bash-completion first (as an interactive shell would), "plain" does not.
complete_bash() {
    local mode=$1 line=$2
    PATH=$(dirname "$pdai"):$PATH bash --norc --noprofile -c '
        mode=$1 line=$2 script=$3
        if [[ $mode == bc ]]; then
            source /usr/share/bash-completion/bash_completion || exit 3
        fi
        source "$script" || exit 3
        read -ra COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$line COMP_POINT=${#line}
        _pdai pdai "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " " | sed "s/ $//"
    ' bash "$mode" "$line" "$src/completions/pdai.bash"
}

# expect_bash MODE LINE WANT [all|has]: "all": exactly WANT; "has": every word of WANT.
expect_bash() {
    local mode=$1 line=$2 want=$3 how=${4:-all} got w
    got=$(complete_bash "$mode" "$line")
    if [[ $how == all && $got != "$want" ]]; then
        fail "bash ($mode): '$line<TAB>' offers '$got', expected '$want'"
        return
    fi
    for w in $want; do
        [[ " $got " == *" $w "* ]] || { fail "bash ($mode): '$line<TAB>' offers '$got', missing '$w'"; return; }
    done
    ok "bash ($mode): '$line<TAB>' -> $got"
}

if [[ ! -f /usr/share/bash-completion/bash_completion ]]; then
    fail "bash-completion is not installed (scripts/setup installs it)"
fi
groups=$(subs_of "")
vendor_subs=$(subs_of vendor)
for mode in bc plain; do
    export PDAI_CATALOG=$catalog
    expect_bash $mode "pdai " "$groups"
    expect_bash $mode "pdai vendor " "$vendor_subs"
    expect_bash $mode "pdai vendor " "add list remove show" has
    expect_bash $mode "pdai --json bureau member " "$(subs_of "bureau member")"
    expect_bash $mode "pdai bureau show " "fin police"
    expect_bash $mode "pdai bureau show p" "police"
    expect_bash $mode "pdai bureau add " ""
    expect_bash $mode "pdai bureau add fin --" "--account --display-name --json --catalog --help" has
    expect_bash $mode "pdai bureau member add fin --role " "admin member"
    expect_bash $mode "pdai quota set fin --gpu-types t4," "t4,a100 t4,all"
    expect_bash $mode "pdai node add n1 --owner " "fin police shared"
    expect_bash $mode "pdai gpu type set " "a100 t4"
    expect_bash $mode "pdai vendor show " "acme"
    expect_bash $mode "pdai catalog restore $tmp/backup-" "$tmp/backup-1.db"
    # What #18 added: job ids, audit entities by the CLI's words, --by keys, the public
    # 'completion', and the script flags (--parsable, -o, --noheader).
    expect_bash $mode "pdai jobs show " "41 42"
    expect_bash $mode "pdai jobs cancel 4" "41 42"
    expect_bash $mode "pdai audit list --entity " "algorithm algorithm-version bureau catalog gpu-type member node partition quota vendor vendor-key"
    expect_bash $mode "pdai audit list --entity m" "member"
    expect_bash $mode "pdai usage report --by " "algorithm bureau day gpu-type user vendor"
    expect_bash $mode "pdai completion " "bash fish zsh"
    expect_bash $mode "pdai run x --par" "--parsable --partition"
    expect_bash $mode "pdai jobs list --nohe" "--noheader"
    expect_bash $mode "pdai node " "set" has
    unset PDAI_CATALOG
    # pdai __complete reads the catalog the command line names.
    expect_bash $mode "pdai --catalog $catalog bureau show " "fin police"
    expect_bash $mode "pdai bureau member list --catalog $catalog " "fin police"
done

for shell in zsh fish; do
    file=$src/completions/$([[ $shell == zsh ]] && echo _pdai || echo pdai.fish)
    if $shell -n "$file"; then ok "$shell -n $(basename "$file")"; else fail "$shell cannot parse $file"; fi
done

# zsh: the script loads under compinit and defines a function for every command.
want=$(perl -MJSON::PP -e 'my $t = do { local $/; open my $f, "<", $ARGV[0] or die; decode_json(<$f>) };
    my $n = 0; sub w { $n++; w($_) for @{ $_[0]{subcommands} } } w($t); print "$n\n"' "$tmp/commands.json")
got=$(zsh -f -c 'autoload -Uz compinit && compinit -u -d "$1/zcompdump" && source "$2" &&
    (( $+functions[_pdai] )) && print ${#${(k)functions[(I)_pdai_cmd*]}}' zsh "$tmp" "$src/completions/_pdai" 2>&1)
if [[ $got == "$want" ]]; then
    ok "zsh: _pdai loads, $got command functions"
else
    fail "zsh: loading _pdai gave '$got', expected $want command functions"
fi

# fish: ask fish itself what it would complete.
complete_fish() {
    PATH=$(dirname "$pdai"):$PATH fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
        "$src/completions/pdai.fish" "$1" | cut -f1 | sort -u | tr '\n' ' ' | sed 's/ $//'
}
expect_fish() {
    local got
    got=$(complete_fish "$1")
    if [[ $got == "$2" ]]; then ok "fish: '$1<TAB>' -> $got"; else fail "fish: '$1<TAB>' offers '$got', expected '$2'"; fi
}
export PDAI_CATALOG=$catalog
expect_fish "pdai " "$groups"
expect_fish "pdai vendor " "$vendor_subs"
expect_fish "pdai bureau show " "fin police"
expect_fish "pdai node add n1 --owner " "fin police shared"
expect_fish "pdai bureau member add fin --role " "admin member"
expect_fish "pdai quota set fin --gpu-types t4," "t4,a100 t4,all"
expect_fish "pdai jobs show " "41 42"
expect_fish "pdai completion " "bash fish zsh"
expect_fish "pdai audit list --entity gpu" "gpu-type"
unset PDAI_CATALOG
expect_fish "pdai --catalog $catalog gpu type set " "a100 t4"

# ----------------------------------------------------------------------------------------
# (e) the exit statuses the pages name exist
echo "== (e) EXIT STATUS sections name real exit codes"
cat >"$tmp/check_exit.pl" <<'PERL'
use strict;
use warnings;
use JSON::PP;

my ($json_file, $mandir, $error_hpp) = @ARGV;
my $tree = do { local $/; open my $f, '<', $json_file or die "$json_file: $!"; decode_json(<$f>) };
my @problems;

# The codes pdai exits with: 0 and the values of enum class Errc.
my %errc = (0 => 'success');
{
    open my $f, '<', $error_hpp or die "$error_hpp: $!";
    my $src = do { local $/; <$f> };
    my ($body) = $src =~ /enum\s+class\s+Errc\b[^{]*\{(.*?)\};/s or die "$error_hpp: no enum class Errc\n";
    $body =~ s{//[^\n]*}{}g;
    $errc{$2} = $1 while $body =~ /(\w+)\s*=\s*(\d+)/g;
}
die "$error_hpp: found no Errc values\n" if keys %errc < 2;

# A job's own exit code as --wait gives it (jobs/job_state.cpp, the local supervisor and
# Slurm's records), with what the page must say it is for: a page that says 130 for any
# cancel, or 143 for something other than one, fails.
my %job = (
    124 => 'time limit',
    126 => 'differed|not started',
    130 => 'cancelled before it started',
    137 => 'out of memory|SIGKILL',
    143 => 'cancel',
);

# The groups whose commands wait for jobs, from the command tree: their pages may name them.
my %waits;
sub walk {
    my $n = shift;
    my $wait = grep { $_ eq '--wait' } map { @{ $_->{names} } } @{ $n->{options} };
    $waits{ (split / /, $n->{path})[0] } = 1 if $n->{path} ne '' && ($wait || $n->{path} =~ / wait$/);
    walk($_) for @{ $n->{subcommands} };
}
walk($tree);

require "$ENV{PDAI_ROFF_PL}";  # plain(): roff source to words

my $checked = 0;
opendir my $d, $mandir or die "$mandir: $!";
for my $name (sort grep { /^pdai.*\.1$/ } readdir $d) {
    open my $f, '<', "$mandir/$name" or die "$mandir/$name: $!";
    my @lines = grep { !/^\.\\"/ } <$f>;
    chomp @lines;
    my ($in, @section) = (0);
    for (@lines) {
        if (/^\.SH\b/) { $in = plain($_) eq 'EXIT STATUS'; next; }
        push @section, $_ if $in;
    }
    next unless @section;
    my ($group) = $name =~ /^pdai-([a-z]+)\.1$/;
    my $waits = defined $group && $waits{$group};
    # Codes are read conservatively: the tag of an item (.TP then ".B 3"), and in running
    # text a number that starts a clause, "N for|when|on|after ...", "128 plus the signal".
    my (@found, $text);
    for (my $i = 0; $i < @section; $i++) {
        if ($section[$i] =~ /^\.TP\b/ && $i + 1 < @section && plain($section[$i + 1]) =~ /^\s*(\d+)\s*$/) {
            push @found, [ $1, '' ];
            $i++;
            next;
        }
        $text .= ' ' . plain($section[$i]);
    }
    $text //= '';
    $text =~ s/\s+/ /g;
    while ($text =~ /(?:^|[;,(:.]|\b(?:also|and|or|then|status|exits?))\s*(\d+)\s+(for|when|on|after|plus)\b((?:(?![,;()]|\.\s).)*)/g) {
        push @found, [ $2 eq 'plus' ? "$1+N" : $1, "$2$3" ];
    }
    my (@ok, @job);
    for my $f (@found) {
        my ($code, $clause) = @$f;
        if ($code eq '128+N' && $waits) { push @job, $code; next; }
        if (exists $job{$code} && $waits) {
            if ($clause =~ /$job{$code}/) { push @job, $code; next; }
            push @problems, "man/$name: EXIT STATUS says $code $clause; a job exits $code only for "
              . "/$job{$code}/";
            next;
        }
        if ($code =~ /^\d+$/ && exists $errc{$code}) { push @ok, $code; next; }
        push @problems, "man/$name: EXIT STATUS names exit status $code ($code $clause), which is no code of "
          . "Errc in common/error.hpp" . ($waits ? " nor a job's exit code" : '');
    }
    my $as = join ' ', map { "as $_" } $text =~ /\bAs (pdai-[a-z]+) ?\(\d\)/g;
    my $list = sub { my %u = map { $_ => 1 } @_; join ' ', sort { ($a =~ /(\d+)/)[0] <=> ($b =~ /(\d+)/)[0] } keys %u };
    printf "man/%s: %s%s%s\n", $name, $list->(@ok) || '-', @job ? '; jobs: ' . $list->(@job) : '',
      $as ? " ($as)" : '';
    push @problems, "man/$name: EXIT STATUS names no exit code (read it: the check found none)"
      unless @found || $as;
    $checked++;
    # pdai-run(1) is where --wait's codes are listed: a cancelled job's 143 must be there.
    push @problems, "man/$name: EXIT STATUS does not say that a cancelled job exits 143"
      if $name eq 'pdai-run.1' && !grep { $_->[0] eq '143' && $_->[1] =~ /cancel/ } @found;
}
printf "%d pages checked against exit codes %s (%s); job exit codes on the pages of %s\n", $checked,
  join(' ', sort { $a <=> $b } keys %errc), 'common/error.hpp', join(' ', sort keys %waits);
print "WRONG: $_\n" for @problems;
exit(@problems || !$checked ? 1 : 0);
PERL
if perl "$tmp/check_exit.pl" "$tmp/commands.json" "$src/man" "$src/common/error.hpp"; then
    ok "every exit status in the man pages is one pdai or a job exits with"
else
    fail "man pages name exit statuses that do not exist (see WRONG above)"
fi

# ----------------------------------------------------------------------------------------
# (f) special characters render as meant
echo "== (f) man pages render to UTF-8 without a trademark sign"
for page in "${pages[@]}"; do
    name=man/$(basename "$page")
    bad=
    for how in groff mandoc; do
        if [[ $how == groff ]]; then
            text=$(groff -man -Tutf8 -ww "$page" 2>/dev/null)
        else
            text=$(mandoc -Tutf8 "$page" 2>/dev/null)
        fi
        text=$(sed -e 's/\x1b\[[0-9;]*m//g' -e 's/.\x08//g' <<<"$text")  # no bold or colour
        [[ -n $text ]] || bad+=" $how rendered nothing;"
        [[ $text == *™* || $text == *"(tm)"* ]] && bad+=" $how shows a trademark sign;"
        # \(mu is the multiplication sign: where the source has one, the page shows ×.
        grep -q '\\(mu' "$page" && [[ $text != *×* ]] && bad+=" $how shows no × for \\(mu;"
    done
    if [[ -n $bad ]]; then fail "$name:$bad"; else ok "$name renders to UTF-8 without ™"; fi
done

echo
if ((failures)); then
    echo "test_docs: $failures failure(s)"
    exit 1
fi
echo "test_docs: all checks passed"
