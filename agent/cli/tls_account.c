#include "tls_account.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static pl_tls_pin pins[PL_TLS_PINS_MAX];

/* "A, B C" -> pins; list separators are commas and blanks. */
static int parse_pins(const char *key, const char *list, pl_tls_pin_kind kind, size_t *n)
{
	const char *p = list;

	while (*p) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (!len)
			break;
		if (*n == PL_TLS_PINS_MAX) {
			fprintf(stderr, "postlet: at most %d pins in tls_fingerprint and tls_pin_spki\n",
				PL_TLS_PINS_MAX);
			return EX_CONFIG;
		}
		if (pl_tls_pin_parse(p, len, kind, &pins[*n]) != PL_OK) {
			fprintf(stderr, "postlet: invalid %s '%.*s': expected %s\n", key, (int)len, p,
				kind == PL_TLS_PIN_CERT_SHA256
					? "a SHA-256 fingerprint, 32 hex bytes AA:BB:... (SHA-1 and MD5 are not accepted)"
					: "base64 of a SHA-256 digest (44 characters)");
			return EX_CONFIG;
		}
		(*n)++;
		p += len;
	}
	return 0;
}

int pl_cli_tls_account(const pl_account_conf *c, pl_account *a)
{
	size_t n = 0;
	int rc;

	rc = parse_pins("tls_fingerprint", c->tls_fingerprint, PL_TLS_PIN_CERT_SHA256, &n);
	if (!rc)
		rc = parse_pins("tls_pin_spki", c->tls_pin_spki, PL_TLS_PIN_SPKI_SHA256, &n);
	if (rc)
		return rc;
	a->tls_pins = n ? pins : NULL;
	a->tls_npins = n;
	a->tls_no_verify = c->tls_certcheck == 0;
	if (a->tls_no_verify && a->tls_mode != PL_TLS_OFF)
		fprintf(stderr, "postlet: warning: tls_certcheck is off: the server's certificate is "
				"NOT verified, so anyone on the path can impersonate it and read the "
				"password and the mail\n");
	if (a->tls_no_verify && n)
		fprintf(stderr, "postlet: warning: tls_certcheck off also disables the configured pins\n");
	a->tls_cert_file = c->tls_cert_file[0] ? c->tls_cert_file : NULL;
	a->tls_key_file = c->tls_key_file[0] ? c->tls_key_file : NULL;
	if (a->tls_key_file && !a->tls_cert_file) {
		fprintf(stderr, "postlet: tls_key_file is set but tls_cert_file is not\n");
		return EX_CONFIG;
	}
	if (!a->tls_key_file && a->tls_cert_file)
		a->tls_key_file = a->tls_cert_file; /* key and certificate in one PEM file */
	if (c->tls_host_override[0])
		a->tls_name = c->tls_host_override;
	return 0;
}
