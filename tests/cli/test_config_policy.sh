#!/usr/bin/env bash
# Policy only admins set (pdai.conf(5), SYSTEM AND USER SETTINGS): a security setting in a
# user's ~/.config/pdai/pdai.conf is refused with a message naming the key, whatever the
# command, and the system file's value holds: with require_signed_bundles = true there, an
# unsigned bundle does not register. (Run as root, --config FILE stands for the system file;
# the user file is read on top of it, as for everyone.)
source "$(dirname "$0")/lib.sh"
: "${TEST_TMP:?}"
sys=$TEST_TMP/system.conf
printf 'require_signed_bundles = true\nbundle_store = "%s/store"\n' "$TEST_TMP" >"$sys"
chmod 644 "$sys"
c=(--config "$sys")
user_conf=$XDG_CONFIG_HOME/pdai/pdai.conf
mkdir -p "$(dirname "$user_conf")"

expect 0 "init" -- "${c[@]}" catalog init
expect 0 "vendor" -- "${c[@]}" vendor add acme
b=$TEST_TMP/b
mkdir -p "$b/bin"
printf 'format = 1\nname = "unsigned"\nversion = "1.0.0"\nvendor = "acme"\ncategory = "other"\ndescription = "nobody signed it"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ntime = "5m"\n' >"$b/pdai.toml"
printf '#!/bin/sh\nexit 0\n' >"$b/bin/run" && chmod 755 "$b/bin/run"
expect 0 "pack" -- bundle pack "$b" -o "$TEST_TMP/unsigned.tar.gz"

for key in 'require_signed_bundles = false' 'bundle_max_ratio = 0' "bundle_store = \"$TEST_TMP/elsewhere\"" \
    "catalog = \"$TEST_TMP/other.db\"" 'bundle_max_entries = 1000000000'; do
    printf '%s\n' "$key" >"$user_conf"
    name=${key%% =*}
    expect 2 "user file sets $name: refused" -- "${c[@]}" algo register "$TEST_TMP/unsigned.tar.gz"
    contains "$err" "'$name' is a system setting" "names $name"
    expect 2 "user file sets $name: a read command is refused too" -- "${c[@]}" vendor list
done
equals "$(sqlite3 "$PDAI_CATALOG" 'SELECT count(*) FROM algorithms')" 0 "nothing registered meanwhile"

# Presentation and defaults are the user's to set.
printf 'backend = "local"\nlog_level = "warn"\n' >"$user_conf"
expect 0 "a user file with defaults only is read" -- "${c[@]}" vendor list
# The system file's policy holds.
expect 2 "require_signed_bundles = true from the system file: an unsigned bundle" -- \
    "${c[@]}" algo register "$TEST_TMP/unsigned.tar.gz"
contains "$err" "is not signed, and require_signed_bundles = true" "says why"
rm -f "$user_conf"
expect 2 "and without any user file" -- "${c[@]}" algo register "$TEST_TMP/unsigned.tar.gz"

# The same as a real unprivileged user: root's file is the system file, the user's own
# ~/.config/pdai/pdai.conf may not turn its policy off.
if [[ $(id -u) == 0 ]] && command -v useradd >/dev/null && command -v runuser >/dev/null; then
    u=pdc$(($$ % 100000))
    trap 'userdel "$u" 2>/dev/null; chmod -R u+w "$TEST_TMP" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
    uhome=$TEST_TMP/uhome
    useradd -M -N -d "$uhome" -s /bin/sh "$u" || { fail "useradd $u"; finish; exit 1; }
    install -d -o "$u" "$uhome" "$uhome/.config" "$uhome/.config/pdai"
    printf 'require_signed_bundles = false\n' >"$uhome/.config/pdai/pdai.conf"
    chown "$u" "$uhome/.config/pdai/pdai.conf"
    as_user() { (cd "$uhome" && runuser -u "$u" -- env -i PATH="$PATH" HOME="$uhome" PDAI_CATALOG="$PDAI_CATALOG" "$PDAI" "$@"); }
    out=$(as_user "${c[@]}" vendor list 2>&1)
    rc=$?
    equals "$rc" 2 "user $u: a system setting in ~/.config/pdai/pdai.conf is refused (exit 2)"
    contains "$out" "'require_signed_bundles' is a system setting" "user $u: names the key"
    printf 'log_level = "warn"\n' >"$uhome/.config/pdai/pdai.conf"
    out=$(as_user "${c[@]}" vendor list 2>&1)
    rc=$?
    equals "$rc" 0 "user $u: defaults only: read (exit 0)"
    contains "$out" "acme" "user $u: the listing"
else
    echo "skip: the unprivileged-user case needs root, useradd and runuser"
fi
finish
