BATS_SUITES += $(sort $(wildcard tests/*.bats))
