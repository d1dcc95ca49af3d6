# cyclehub: the two commands of the README, and a few more.
#   make run    install what is missing, build, start cyclehubd (store in ./var/cyclehub,
#               HTTP API on 127.0.0.1:7480: it prints the URL and a development token)
#   make test   install what is missing, build, run every test, then again under ASan+UBSan
#   make bench  build, start a broker on a temp store, print the figures

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
STORE      ?= var/cyclehub
HTTP       ?= 127.0.0.1:7480
ARGS       ?=

.PHONY: all deps build run test test-fast test-asan bench fuzz clean

all: build

deps:
	@scripts/deps.sh

# The build's output goes to $(BUILD)/build.log, shown only if it fails: make run
# shows the broker's lines, not the compiler's
build: deps
	@mkdir -p $(BUILD)
	@echo "building in $(BUILD) (log: $(BUILD)/build.log)"
	@{ cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
	   cmake --build $(BUILD) -j$(JOBS); } > $(BUILD)/build.log 2>&1 \
	  || { cat $(BUILD)/build.log; echo "build failed (log: $(BUILD)/build.log)"; exit 1; }

run: build
	@mkdir -p $(STORE) && chmod 700 $(STORE)   # the broker refuses a store others can read
	$(BUILD)/broker/cyclehubd --config docs/cyclehubd.cfg.example --store $(STORE) --http $(HTTP) $(ARGS)

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHUB_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS)

test: test-fast test-asan

bench: build
	@scripts/bench.sh $(BUILD)

fuzz:
	@scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
