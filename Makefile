# aims: two commands on a fresh Debian machine with the Swift toolchain.
#   make demo   the main job on the embedded default model (LiteMedSAM)
#   make test   the whole test suite, release build with testing enabled
#   make benchmark  SimCMF's AIMS table on simulated scenes, every modality (about an hour on 2 cores;
#                   BENCHMARK_FLAGS=--quick: about 12 minutes); out/benchmark/report.html
#   make fuzz   the libFuzzer harnesses with AddressSanitizer, FUZZ_SECONDS each (docs/RELIABILITY.md)
SWIFT ?= swift
CONFIG := -c release
export AIMS_CACHE ?= $(HOME)/.cache/aims

.PHONY: all deps weights build test demo benchmark bench clean fuzz

all: build

deps:
	@scripts/ensure-deps

weights: deps
	@scripts/fetch-weights >/dev/null

build: deps
	$(SWIFT) build $(CONFIG)

# AIMS_REQUIRE_PROVIDED makes a test that misses something this project installs or ships (the LiteMedSAM
# checkpoint of `weights`, libdeflate of `deps`, fixtures) fail instead of skip; only optional data
# (../shared/data) and CPU features may skip.
test: deps weights
	AIMS_REQUIRE_PROVIDED=1 $(SWIFT) test $(CONFIG) -Xswiftc -enable-testing

# One harness per reader, one after another, niced; findings saved under .build-fuzz/out/findings/.
fuzz: deps
	scripts/fuzz

demo: deps weights build
	scripts/demo

# Continues an interrupted run in out/benchmark (same settings); BENCHMARK_FLAGS=--force starts over.
BENCHMARK_FLAGS ?=
benchmark: deps weights build
	.build/release/aims benchmark --out out/benchmark $(BENCHMARK_FLAGS)

clean:
	rm -rf .build
