# sendmail drop-in links for `make install` (off by default, so a system
# MTA's sendmail is never replaced by surprise):
#
#   make install SENDMAIL_LINKS=yes [SENDMAIL_LINKS_FORCE=yes]
#
# links SENDMAIL_PATH, MAILQ_PATH and NEWALIASES_PATH (below DESTDIR) to
# $(BINDIR)/postlet, which picks its personality from the name it is called
# by.  An existing file that is not already such a link stops the install
# unless SENDMAIL_LINKS_FORCE=yes.

SENDMAIL_LINKS ?= no
SENDMAIL_LINKS_FORCE ?= no
SENDMAIL_PATH ?= /usr/sbin/sendmail
MAILQ_PATH ?= /usr/bin/mailq
NEWALIASES_PATH ?= /usr/bin/newaliases

.PHONY: install-sendmail-links
ifeq ($(SENDMAIL_LINKS),yes)
install: install-sendmail-links
endif

install-sendmail-links:
	$(Q)for l in $(SENDMAIL_PATH) $(MAILQ_PATH) $(NEWALIASES_PATH); do \
		t=$(DESTDIR)$$l; \
		if [ -e "$$t" ] || [ -L "$$t" ]; then \
			if [ "$$(readlink "$$t")" = "$(BINDIR)/postlet" ]; then continue; fi; \
			if [ "$(SENDMAIL_LINKS_FORCE)" != yes ]; then \
				echo "install: $$t exists and is not postlet; not replacing it" \
					"(SENDMAIL_LINKS_FORCE=yes to replace)" >&2; exit 1; \
			fi; \
			rm -f "$$t"; \
		fi; \
		install -d "$$(dirname "$$t")" && ln -s "$(BINDIR)/postlet" "$$t" && \
			echo "  LN      $$t -> $(BINDIR)/postlet"; \
	done
