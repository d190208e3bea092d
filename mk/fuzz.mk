# Fuzzing (tests/fuzz/): libFuzzer targets built with clang, and a gcc
# replay build that runs every seed under ASan+UBSan in make check.
#
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="engine reply"]
#                       run each fuzzer for FUZZ_TIME seconds from the seeds;
#                       prints executions per fuzzer, keeps findings in
#                       $(O)/fuzz/findings/
#   make fuzz-build     the libFuzzer binaries, $(O)/fuzz/fuzz_<name>
#   make fuzz-replay    replay every seed with the gcc build (no clang needed)
#   make fuzz-canfail   prove the harnesses can fail: break one bounds check
#                       per target in a copy of the source, fuzz until caught
#   make fuzz-seeds     regenerate tests/fuzz/seeds/ (hex text, committed)
#
# Tools: scripts/install-analysis.sh (clang, libclang-rt).

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SAN := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# the agent, port and front-end objects every target links (not main.c)
FUZZ_LIB_SRCS = $(LIB_SRCS)
fuzzobj = $(patsubst %.c,$(O)/fuzzobj/%.o,$(1))
FUZZ_BINS := $(patsubst %,$(O)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_REPLAY_BINS := $(patsubst %,$(O)/fuzz/replay_%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-bins fuzz-canfail fuzz-seeds

$(O)/fuzzobj/%.o: %.c $(AUTOCONF) | $(WOLFSSL_DEP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-FUZZ $<")
	$(Q)$(FUZZ_CC) $(PL_CFLAGS) $(WOLFSSL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(FUZZ_EXTRA_CFLAGS) -c $< -o $@

$(O)/fuzz/fuzz_%: $(O)/fuzzobj/tests/fuzz/fuzz_%.o $(call fuzzobj,$(FUZZ_LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-FUZZ $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(WOLFSSL_LIBS) -o $@

# gcc, ASan+UBSan, the unit tests' objects: runs in make check without clang
$(O)/fuzz/replay_%: $(O)/san/tests/fuzz/fuzz_%.o $(O)/san/tests/fuzz/replay.o $(call sanobj,$(FUZZ_LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(SAN_FLAGS) $^ $(WOLFSSL_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)
fuzz-replay-bins: $(FUZZ_REPLAY_BINS)

fuzz-replay: $(FUZZ_REPLAY_BINS)
	$(Q)for t in $(FUZZ_NAMES); do \
		printf '  REPLAY  %-8s ' $$t; $(O)/fuzz/replay_$$t tests/fuzz/seeds/$$t || exit 1; \
	done

fuzz: $(patsubst %,$(O)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	$(Q)O=$(O) bash tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-canfail:
	$(Q)O=$(O) bash tests/fuzz/canfail.sh $(FUZZ_TARGETS)

fuzz-seeds:
	$(Q)$(PYTHON) tests/fuzz/gen-seeds.py tests/fuzz/seeds

# One target linked with a broken copy of one source (tests/fuzz/canfail.sh
# makes the copy): CANFAIL_T=target CANFAIL_SRC=original CANFAIL_COPY=copy
CANFAIL_OBJ = $(O)/canfail/$(CANFAIL_T).o
.PHONY: fuzz-canfail-bin
fuzz-canfail-bin: $(O)/fuzzobj/tests/fuzz/fuzz_$(CANFAIL_T).o $(call fuzzobj,$(FUZZ_LIB_SRCS))
	@mkdir -p $(O)/canfail
	$(Q)$(FUZZ_CC) $(filter-out -MMD -MP,$(PL_CFLAGS)) -I$(dir $(CANFAIL_SRC)) $(WOLFSSL_CFLAGS) \
		$(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wno-error -c $(CANFAIL_COPY) -o $(CANFAIL_OBJ)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(O)/fuzzobj/tests/fuzz/fuzz_$(CANFAIL_T).o \
		$(filter-out $(call fuzzobj,$(CANFAIL_SRC)),$(call fuzzobj,$(FUZZ_LIB_SRCS))) \
		$(CANFAIL_OBJ) $(WOLFSSL_LIBS) -o $(O)/canfail/fuzz_$(CANFAIL_T)
