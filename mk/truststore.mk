# Compiled-in trust anchors: CONFIG_POSTLET_TLS_BUILTIN_TRUST names PEM
# files; scripts/truststore.sh makes $(O)/include/pl_truststore.h, a const
# array that agent/tls/tls_wolfssl.c loads when an account has no
# tls_trust_file.  The header is always generated (empty without files), so
# clearing the option takes the certificates out again.

TRUSTSTORE_FILES := $(strip $(patsubst "%",%,$(CONFIG_POSTLET_TLS_BUILTIN_TRUST)))
TRUSTSTORE_H := $(O)/include/pl_truststore.h

$(TRUSTSTORE_H): $(TRUSTSTORE_FILES) scripts/truststore.sh $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh scripts/truststore.sh $@ $(TRUSTSTORE_FILES)

$(call obj,agent/tls/tls_wolfssl.c) $(call sanobj,agent/tls/tls_wolfssl.c): $(TRUSTSTORE_H)
