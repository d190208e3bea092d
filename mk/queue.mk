# The queue's long test (tests/queue/crashloop.sh, also run by make check
# through tests/queue/suite.sh): kill -9 at random
# points of queueing and flushing against the test bed, then count lost,
# duplicated and torn messages.  KILLS=1000 CRASH_TIME=600 by default.
.PHONY: check-long
check-long: all
	$(Q)O=$(O) bash tests/queue/crashloop.sh
