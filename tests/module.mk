BATS_SUITES += $(sort $(wildcard tests/*.bats))

# Every fuzzer for FUZZ_SECONDS (default 60) each, over its corpus
# (tests/fuzz/<name>/ and what earlier runs found): tests/fuzz-long.
.PHONY: fuzz-long
fuzz-long: $(FUZZERS)
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/fuzz-long $(FUZZERS)
