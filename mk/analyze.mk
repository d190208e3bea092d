# Static analysis and build checks (see tests/analyze/suite.sh for what
# make check runs of these).
#
#   make analyze          all of the below
#   make cppcheck         cppcheck with .cppcheck-suppressions, errors fail
#   make tidy             clang-tidy with .clang-tidy (warnings are errors)
#   make clang-werror     the whole tree with clang -Wall -Wextra -Werror
#   make check-hardening  readelf proof that $(O)/postlet is hardened
#   make valgrind         integration tests with the client under memcheck
#
# The tools come from scripts/install-analysis.sh (Debian packages).

ANALYZE_SRCS := $(CORE_SRCS) $(PORT_SRCS) $(CLI_SRCS) $(MAIN_SRC)
ANALYZE_INC := -DPL_HAVE_AUTOCONF -I$(O)/include -Iagent -Iagent/cli -Iport -Iport/common
CLANG ?= clang
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck

.PHONY: analyze cppcheck tidy clang-werror check-hardening valgrind analysis-deps
analyze: cppcheck tidy clang-werror check-hardening

analysis-deps:
	$(Q)sh scripts/install-analysis.sh

cppcheck: $(AUTOCONF)
	$(Q)$(CPPCHECK) -q --error-exitcode=1 --enable=warning,style,performance,portability \
		--std=c11 --inline-suppr --suppressions-list=.cppcheck-suppressions \
		-D__GNUC__ -D__linux__ $(ANALYZE_INC) $(WOLFSSL_CFLAGS) $(ANALYZE_SRCS)
	@echo "  CPPCHECK ok ($(words $(ANALYZE_SRCS)) files)"

tidy: $(AUTOCONF)
	$(Q)$(CLANG_TIDY) -quiet $(ANALYZE_SRCS) -- -std=c11 -D_POSIX_C_SOURCE=200809L \
		-D_DEFAULT_SOURCE $(ANALYZE_INC) $(WOLFSSL_CFLAGS) >$(O)/tidy.log 2>&1 || \
		{ grep -E -A4 '(warning|error):' $(O)/tidy.log; exit 1; }
	@echo "  TIDY    ok ($(words $(ANALYZE_SRCS)) files)"

# Every source of this configuration, and the unit tests, compiled by clang
# with the project's warnings (objects only: the gcc build links).
clang-werror: $(AUTOCONF)
	$(Q)mkdir -p $(O)/clang
	$(Q)for f in $(ANALYZE_SRCS) $(UNIT_SRCS); do \
		$(CLANG) $(filter-out -MMD -MP,$(PL_CFLAGS)) $(WOLFSSL_CFLAGS) -O2 -Itests/unit \
			-c $$f -o $(O)/clang/$$(echo $$f | tr / _).o || exit 1; \
	done
	@echo "  CLANG   -Wall -Wextra -Werror ok"

check-hardening: $(O)/postlet
	$(Q)sh tests/analyze/check-hardening.sh $(O)/postlet

valgrind: all
	$(Q)O=$(O) bash tests/analyze/valgrind.sh
