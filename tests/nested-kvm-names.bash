# shellcheck shell=bash
# tests/nested-kvm-names.bash: how tests/nested-kvm keeps count of tests by
# name across its machines: which tests a filter selects, what a machine's
# TAP says it ran, which are left after a stall, the filter that selects
# exactly those, and the final count. Sourced by tests/nested-kvm and by
# tests/foundation.bats, which checks it against real bats runs.

# tests_in_order FILTER SUITE...: the names of the tests FILTER (a bats
# --filter regex; empty: all) selects, in the order bats runs them (suites in
# order, tests in file order), as the suites spell them (an escaped quote \"
# stays so): bats --filter matches that spelling.
tests_in_order() {
	local filter=$1 f line name pat='^[[:blank:]]*@test[[:blank:]]+(.*[^[:blank:]])[[:blank:]]+\{(.*)$' # bats' own
	shift
	for f in "$@"; do
		while IFS= read -r line; do
			[[ $line =~ $pat ]] || continue
			name=${BASH_REMATCH[1]#[\'\"]}
			name=${name%[\'\"]}
			if [ -z "$filter" ] || [[ $name =~ $filter ]]; then printf '%s\n' "$name"; fi
		done <"$f"
	done
}
lines() { [ $# -eq 0 ] || printf '%s\n' "$@"; } # each argument a line; none, no line
# tap_name: a test's name as its TAP line says it. bats reads the name as
# bash reads a word in double quotes: a bare " goes ('on_reboot="destroy"'
# is reported 'on_reboot=destroy'), \" \\ \$ \` keep their second character.
tap_name() { sed -E 's/\\\\/\x02/g; s/\\"/\x01/g; s/\\\$/$/g; s/\\`/`/g; s/"//g; s/\x01/"/g; s/\x02/\\/g'; }
# reported LOG: the names of the tests a machine's console LOG reports, one a
# line (bats --timing: each result line says "in N ms" after the name, before
# a skip's reason)
reported() { sed -nE 's/^(ok|not ok) [0-9]+ (.*)$/\2/p' "$1" | result_name; }
# failed_in LOG: the names of the tests LOG reports failed, one a line
failed_in() { sed -nE 's/^not ok [0-9]+ (.*)$/\1/p' "$1" | result_name; }
# result_name: a result line's name, its time and a skip's reason or a
# timeout's note (bats: "NAME in 5ms # timeout after 240s") left out
result_name() { sed -E 's/ in [0-9]+ms( # (skip|timeout).*)?$//; s/ # skip.*$//'; }
# as_filter: names on stdin as one bats --filter regex that selects exactly those
as_filter() { sed -E "s/[][\\\\.^\$*+?(){}|]/\\\\&/g" | paste -sd'|' | sed -E 's/^(.+)$/^(\1)$/'; }
# unreported A B: the lines of file A that file B does not account for, each
# line of B accounting for one line of A (two tests may share a name, in two
# suites). A line of A may be "NAME<tab>WHAT": matched by NAME, WHAT printed.
# (FILENAME, not NR == FNR: B may be empty)
unreported() { awk -F '\t' 'FILENAME == ARGV[1] { n[$0]++; next } n[$1] > 0 { n[$1]--; next } { print $NF }' "$2" "$1"; }
# tests_left LOG NAME...: the NAMEs (as the suites spell them, in the order
# given) that the results in LOG do not account for
tests_left() {
	local log=$1
	shift
	unreported <(with_tap_names "$@") <(reported "$log")
}
# tests_named FILE NAME...: the NAMEs (as the suites spell them, in the order
# given) whose TAP spelling is a line of FILE, each line standing for one
tests_named() {
	local names=$1
	shift
	awk -F '\t' 'FILENAME == ARGV[1] { n[$0]++; next } n[$1] > 0 { n[$1]--; print $2 }' "$names" \
		<(with_tap_names "$@")
}
# with_tap_names NAME...: "TAP-NAME<tab>NAME" for each NAME, a line each
with_tap_names() {
	local t
	lines "$@" | while IFS= read -r t; do
		printf '%s\t%s\n' "$(printf '%s\n' "$t" | tap_name)" "$t"
	done
}
# check_count SELECTED REPORTS: quiet (status 0) when the names in REPORTS
# (TAP spelling, every machine's) account for those in SELECTED once each;
# else says which have no result (as "not ok" lines) and which came twice
# or unasked (one test was once dropped unseen after a stall: its report
# was counted for another test)
check_count() {
	local missing extra
	missing=$(unreported "$1" "$2")
	extra=$(unreported "$2" "$1")
	[ -z "$missing$extra" ] && return 0
	echo "tests/nested-kvm: $(wc -l <"$2") results for the $(wc -l <"$1") tests selected"
	[ -z "$missing" ] || printf '%s\n' "$missing" | sed 's/^/not ok 0 /; s/$/ (no result: the nested run never reported it)/'
	[ -z "$extra" ] || printf '%s\n' "$extra" | sed 's/^/# reported but not selected, or twice: /'
	return 1
}
