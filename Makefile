# Thin wrapper over CMake: `make demo` and `make test` are the README's two commands.  Both first
# install missing Debian packages (tools/deps.sh), then configure and build.
JOBS ?= $(shell nproc)
HETERO = build/release/hetero

.PHONY: all deps build demo test test-release test-asan test-tsan bench clean

all: build

deps:
	tools/deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

# The main job: vecadd on every backend, on a GPU if there is one, else on PoCL's CPU device.
demo: build
	$(HETERO) run vecadd

# The test suite on the release build, again under AddressSanitizer + UBSan, and the tests of the
# pthread-based code (IO servers, co-scheduler, SVM cooperation, the locks, pools and transports
# of `hetero conc`, the mapping policies and the work-stealing deque of `hetero map`) under
# ThreadSanitizer.  OpenMP code is left out of the TSan run: Debian's libgomp is not
# instrumented, so TSan cannot see its barriers and reports false races (tests/tsan.supp).
TSAN_TESTS = _io|sched|svm|misd|conc_(sync|crash|gil|ipc|cleanup)|map_policies|map_deque|map_device|progress

test: test-release test-asan test-tsan

test-release: build
	ctest --preset release

test-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -R '$(TSAN_TESTS)'

bench: build
	tools/bench/vecadd.sh

clean:
	rm -rf build
