#include "serverinfo.h"

#include <stdio.h>
#include <string.h>

#include "exitcode.h"

/* The capability lines of the last EHLO reply (after TLS, since STARTTLS
 * discards the earlier one), gathered from the protocol trace. */
struct caps_capture {
	const pl_session *s;
	int on, talked;
	size_t len;
	char text[2048];
	char greeting[256];
};

static void capture(void *ctx, char dir, const uint8_t *data, size_t len)
{
	struct caps_capture *c = ctx;

	if (dir == 'S' && !c->talked && !c->greeting[0]) {
		size_t n = strcspn((const char *)data, "\r\n");

		snprintf(c->greeting, sizeof(c->greeting), "%.*s", (int)(n < len ? n : len),
			 (const char *)data);
	}
	if (dir == 'C') {
		c->talked = 1;
		c->on = len >= 5 && memcmp(data, "EHLO ", 5) == 0;
		if (c->on)
			c->len = 0;
		return;
	}
	if (!c->on)
		return;
	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, data, len);
	c->len += len;
	c->text[c->len] = '\0';
}

static void print_caps(const char *text)
{
	const char *p = text;
	int first = 1;

	printf("Capabilities (after TLS, if any):\n");
	while (*p) {
		size_t n = strcspn(p, "\r\n");

		/* "250-KEYWORD" / "250 KEYWORD"; the first line is the greeting name */
		if (n > 4 && !first)
			printf("    %.*s\n", (int)(n - 4), p + 4);
		first = 0;
		p += n;
		p += strspn(p, "\r\n");
	}
}

/* One information-only session: connect, TLS, EHLO, then QUIT before any
 * credentials or envelope (AUTH is switched off for it). */
static pl_err probe(const pl_account *acct, int no_verify, pl_tls_peer *peer,
		    struct caps_capture *cap, pl_session *session)
{
	pl_account a = *acct;
	pl_err e;

	a.auth_mechs = 0;
	a.tls_cache = NULL; /* a resumed session would show no certificate */
	a.tls_no_verify = a.tls_no_verify || no_verify;
	memset(peer, 0, sizeof(*peer));
	memset(cap, 0, sizeof(*cap));
	cap->s = session;
	session->trace = capture;
	session->trace_ctx = cap;
	e = pl_session_open(session, &a);
	if (e == PL_OK && session->tls_on)
		(void)pl_tls_peer_info(&session->tls, peer);
	pl_session_close(session);
	return e;
}

int pl_cli_serverinfo(const pl_account *a)
{
	static pl_session session;
	static struct caps_capture cap;
	pl_tls_peer peer;
	char why[sizeof(session.smtp.error.text)] = "";
	int rc = 0;
	pl_err e = probe(a, 0, &peer, &cap, &session);

	if (e) {
		const pl_smtp_error *err = pl_smtp_error_info(&session.smtp);

		fprintf(stderr, "postlet: %s at %s: %s\n", pl_strerror(e), pl_stage_name(err->stage),
			err->text[0] ? err->text : pl_strerror(e));
		rc = pl_exit_code(e, err->code);
		if (e != PL_E_TLS_VERIFY)
			return rc;
		/* show the certificate that was refused, so it can be checked or
		 * pinned: a second look without verification, still sending no
		 * credentials and no envelope */
		snprintf(why, sizeof(why), "%s", err->text);
		if (probe(a, 1, &peer, &cap, &session) != PL_OK)
			return rc;
	}
	printf("SMTP server at %s, port %u\n", a->host, (unsigned)a->port);
	if (cap.greeting[0])
		printf("    %s\n", cap.greeting);
	if (a->tls_mode != PL_TLS_OFF) {
		printf("TLS session parameters:\n    %s %s\n", peer.version, peer.cipher);
		printf("TLS certificate information:\n");
		if (why[0])
			printf("    NOT TRUSTED: %s\n", why);
		else if (a->tls_no_verify)
			printf("    (not verified: tls_certcheck is off)\n");
		printf("    Subject: %s\n    Issuer:  %s\n", peer.subject, peer.issuer);
		printf("    Validity:\n        Activation time: %s\n        Expiration time: %s\n",
		       peer.not_before, peer.not_after);
		printf("    Fingerprints:\n        SHA256: %s\n", peer.cert_sha256);
		printf("        SPKI pin (tls_pin_spki): %s\n", peer.spki_sha256);
	} else {
		printf("TLS: off (tls off)\n");
	}
	print_caps(cap.text);
	return rc;
}
