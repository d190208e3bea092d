/* Unit tests for aliases (agent/cli/aliases.c) and message composition
 * (agent/cli/compose.c): envelope, header hygiene, alert messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/coding.h>

#include "aliases.h"
#include "compose.h"
#include "conf.h"
#include "message.h"

static char tmpdir[] = "/tmp/pl-compose-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void expand_eq(const pl_aliases *al, const char *name, const char *exp)
{
	pl_addr_list l = { 0 };
	char got[512] = "";
	size_t i;

	assert_int_equal(pl_aliases_expand(al, name, &l), PL_OK);
	for (i = 0; i < l.n; i++) {
		strcat(got, i ? "," : "");
		strcat(got, l.addr[i]);
	}
	assert_string_equal(got, exp);
	pl_addr_list_free(&l);
}

/* ---- aliases ------------------------------------------------------------------ */

static void test_aliases_msmtp_style(void **state)
{
	pl_aliases al;
	char err[256] = "";

	(void)state;
	assert_int_equal(pl_aliases_load(write_file("a1",
						    "# msmtp aliases\n"
						    "root: admin@x.test\n"
						    "cron: admin@x.test, ops@y.test\n"
						    "default: catchall@x.test\n"),
					 &al, err, sizeof(err)),
			 PL_OK);
	expand_eq(&al, "root", "admin@x.test");
	expand_eq(&al, "ROOT", "admin@x.test");
	expand_eq(&al, "cron", "admin@x.test,ops@y.test");
	expand_eq(&al, "www-data", "catchall@x.test");
	pl_aliases_free(&al);
}

static void test_aliases_etc_style(void **state)
{
	pl_aliases al;
	char err[256] = "";

	(void)state;
	assert_int_equal(pl_aliases_load(write_file("a2",
						    "postmaster:    root\n"
						    "abuse: postmaster\n"
						    "root: admin@x.test,\n"
						    "\tops@y.test\n"
						    "  # comment inside a continuation\n"
						    "\n"
						    "loop1: loop2\n"
						    "loop2: loop1, l@x.test\n"
						    "self: self, s@x.test\n"
						    "prog: |/usr/bin/procmail, /var/mail/x, :include:/etc/list\n"
						    "mixed: \"|cmd\", m@x.test\n"),
					 &al, err, sizeof(err)),
			 PL_OK);
	/* aliases of aliases, continuation lines */
	expand_eq(&al, "abuse", "admin@x.test,ops@y.test");
	/* a loop is cut: the name stays local for the caller to qualify */
	expand_eq(&al, "loop1", "loop1,l@x.test");
	expand_eq(&al, "self", "self,s@x.test");
	/* no usable target: the name stays local */
	expand_eq(&al, "prog", "prog");
	expand_eq(&al, "mixed", "m@x.test");
	/* no default entry: unknown names stay */
	expand_eq(&al, "nobody", "nobody");
	pl_aliases_free(&al);
}

static void test_aliases_errors(void **state)
{
	pl_aliases al;
	char err[256] = "";

	(void)state;
	assert_int_equal(pl_aliases_load(write_file("b1", "root admin@x\n"), &al, err, sizeof(err)),
			 PL_E_CONFIG);
	assert_non_null(strstr(err, "b1:1: expected 'name: address"));
	assert_int_equal(pl_aliases_load(write_file("b2", "  admin@x\n"), &al, err, sizeof(err)),
			 PL_E_CONFIG);
	assert_non_null(strstr(err, "b2:1: continuation line without an entry"));
	assert_int_equal(pl_aliases_load(write_file("b3", "ok: a@x\nbad@x: b@y\n"), &al, err,
					 sizeof(err)),
			 PL_E_CONFIG);
	assert_non_null(strstr(err, "b3:2: an alias name is a local name"));
	assert_int_equal(pl_aliases_load("/nonexistent/aliases", &al, err, sizeof(err)),
			 PL_E_NOCONFIG);
	assert_non_null(strstr(err, "cannot open aliases file /nonexistent/aliases"));
	/* a malformed value is found when it is used */
	assert_int_equal(pl_aliases_load(write_file("b4", "root: <a@x\n"), &al, err, sizeof(err)),
			 PL_OK);
	{
		pl_addr_list l = { 0 };

		assert_int_equal(pl_aliases_expand(&al, "root", &l), PL_E_MESSAGE);
		pl_addr_list_free(&l);
	}
	pl_aliases_free(&al);
}

/* ---- envelope -------------------------------------------------------------------- */

static void conf_with(pl_account_conf *c, const char *maildomain, const char *domain,
		      const char *from)
{
	char err[128];

	pl_conf_clear(c);
	if (maildomain)
		assert_int_equal(pl_conf_set(c, "maildomain", maildomain, err, sizeof(err)), PL_OK);
	if (domain)
		assert_int_equal(pl_conf_set(c, "domain", domain, err, sizeof(err)), PL_OK);
	if (from)
		assert_int_equal(pl_conf_set(c, "from", from, err, sizeof(err)), PL_OK);
}

static void test_qualify_and_sender(void **state)
{
	pl_account_conf c;
	char out[300], *q;

	(void)state;
	conf_with(&c, "mail.test", "host.test", NULL);
	q = pl_compose_qualify(&c, "root");
	assert_string_equal(q, "root@mail.test");
	free(q);
	q = pl_compose_qualify(&c, "a@b");
	assert_string_equal(q, "a@b");
	free(q);
	/* domain (the EHLO name) when there is no maildomain */
	conf_with(&c, NULL, "host.test", NULL);
	q = pl_compose_qualify(&c, "root");
	assert_string_equal(q, "root@host.test");
	free(q);

	conf_with(&c, "mail.test", NULL, "cfg@mail.test");
	assert_int_equal(pl_compose_sender(&c, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "cfg@mail.test");
	assert_int_equal(pl_compose_sender(&c, "www-data", out, sizeof(out)), 0);
	assert_string_equal(out, "www-data@mail.test");
	assert_int_equal(pl_compose_sender(&c, "Web <web@x.test>", out, sizeof(out)), 0);
	assert_string_equal(out, "web@x.test");
	assert_int_equal(pl_compose_sender(&c, "a@x\r\nRCPT TO:<b@y>", out, sizeof(out)),
			 EX_DATAERR);
	assert_int_equal(pl_compose_sender(&c, "a@x, b@y", out, sizeof(out)), EX_DATAERR);
	/* nothing configured: the login name, qualified */
	conf_with(&c, "mail.test", NULL, NULL);
	assert_int_equal(pl_compose_sender(&c, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "@mail.test"));
	/* and without any domain, no guess */
	conf_with(&c, NULL, NULL, NULL);
	assert_int_equal(pl_compose_sender(&c, NULL, out, sizeof(out)), EX_USAGE);
}

static void test_rcpts(void **state)
{
	pl_account_conf c;
	pl_aliases al;
	pl_addr_list l = { 0 };
	char err[128];

	(void)state;
	conf_with(&c, "mail.test", NULL, NULL);
	assert_int_equal(pl_aliases_load(write_file("r1", "root: admin@x.test, ops\n"), &al, err,
					 sizeof(err)),
			 PL_OK);
	assert_int_equal(pl_addr_parse_list("root, Admin <ADMIN@x.test>, cron, z@y.test", &l),
			 PL_OK);
	assert_int_equal(pl_compose_rcpts(&c, &al, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.addr[0], "admin@x.test");
	assert_string_equal(l.addr[1], "ops@mail.test");
	assert_string_equal(l.addr[2], "cron@mail.test");
	assert_string_equal(l.addr[3], "z@y.test");
	pl_addr_list_free(&l);
	pl_aliases_free(&al);
}

/* ---- encoded words ------------------------------------------------------------ */

/* Decode every =?UTF-8?B?...?= word of s and concatenate. */
static void decode_words(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	while ((s = strstr(s, "=?UTF-8?B?"))) {
		const char *e = strstr(s + 10, "?=");
		word32 n = (word32)(cap - o);

		assert_non_null(e);
		assert_true(e - s + 2 <= 75);
		assert_int_equal(Base64_Decode((const byte *)s + 10, (word32)(e - s - 10),
					       (byte *)out + o, &n),
				 0);
		o += n;
		s = e + 2;
	}
	out[o] = '\0';
}

static void test_encode_words(void **state)
{
	static const char long_utf8[] =
		"\xc3\x9c" "berwachung: Festplatte fast voll \xe2\x80\x94 router-1 meldet "
		"97 % belegt, bitte pr\xc3\xbc" "fen";
	char dec[512], *w;
	int bad;

	(void)state;
	w = pl_compose_encode_words("Disk full", 0, &bad);
	assert_string_equal(w, "Disk full");
	free(w);
	/* a phrase with specials becomes a quoted string */
	w = pl_compose_encode_words("Doe, \"J\"", 1, &bad);
	assert_string_equal(w, "\"Doe, \\\"J\\\"\"");
	free(w);
	w = pl_compose_encode_words("CronDaemon", 1, &bad);
	assert_string_equal(w, "CronDaemon");
	free(w);
	/* UTF-8: encoded words that decode back, none split inside a character */
	w = pl_compose_encode_words(long_utf8, 0, &bad);
	assert_non_null(w);
	assert_non_null(strstr(w, "?= =?UTF-8?B?"));
	decode_words(w, dec, sizeof(dec));
	assert_string_equal(dec, long_utf8);
	free(w);
	/* "=?" in plain text is encoded so it cannot pass for a word */
	w = pl_compose_encode_words("a =?x?= b", 0, &bad);
	decode_words(w, dec, sizeof(dec));
	assert_string_equal(dec, "a =?x?= b");
	free(w);
	/* refused: control characters, broken UTF-8 */
	assert_null(pl_compose_encode_words("two\nlines", 0, &bad));
	assert_true(bad);
	assert_null(pl_compose_encode_words("latin1 caf\xe9", 0, &bad));
	assert_true(bad);
	assert_null(pl_compose_encode_words("overlong \xc0\xaf", 0, &bad));
	assert_true(bad);
	assert_null(pl_compose_encode_words("surrogate \xed\xa0\x80", 0, &bad));
	assert_true(bad);
}

/* ---- header hygiene ------------------------------------------------------------ */

static void read_str(const char *s, pl_msg *m)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	assert_int_equal(pl_msg_read(f, 1, 1 << 20, m), PL_OK);
	fclose(f);
}

static void test_missing_headers(void **state)
{
	pl_account_conf c;
	pl_msg m;
	char *h;

	(void)state;
	/* Date carries the local offset of that instant: a zone 5:30 east */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	conf_with(&c, "mail.test", NULL, NULL);
	read_str("Subject: s\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", "Cron Daemon"), 0);
	h = pl_msg_header(&m, "Date");
	assert_non_null(h);
	assert_string_equal(h + strlen(h) - 6, " +0530");
	free(h);
	h = pl_msg_header(&m, "Message-ID");
	assert_non_null(strstr(h, ".postlet@mail.test>"));
	free(h);
	h = pl_msg_header(&m, "From");
	assert_string_equal(h, " Cron Daemon <me@from.test>");
	free(h);
	pl_msg_free(&m);
	setenv("TZ", "EST5", 1);
	tzset();
	read_str("Subject: s\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", NULL), 0);
	h = pl_msg_header(&m, "Date");
	assert_string_equal(h + strlen(h) - 6, " -0500");
	free(h);
	pl_msg_free(&m);
	unsetenv("TZ");
	tzset();

	/* present headers are untouched, byte for byte */
	read_str("From: Someone <s@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0100\n"
		 "Message-ID: <a@b>\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", "X"), 0);
	assert_string_equal(m.data, "From: Someone <s@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0100\n"
				    "Message-ID: <a@b>\n\nbody\n");
	pl_msg_free(&m);

	/* set_from_header on replaces, off never adds; Message-ID falls back
	 * to the sender's domain without maildomain */
	conf_with(&c, NULL, NULL, NULL);
	c.set_from_header = 1;
	read_str("From: Someone <s@x>\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", NULL), 0);
	h = pl_msg_header(&m, "From");
	assert_string_equal(h, " me@from.test");
	free(h);
	h = pl_msg_header(&m, "Message-ID");
	assert_non_null(strstr(h, ".postlet@from.test>"));
	free(h);
	pl_msg_free(&m);
	c.set_from_header = 0;
	read_str("Subject: s\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", NULL), 0);
	assert_null(pl_msg_header(&m, "From"));
	pl_msg_free(&m);
	/* a full name with a line break never reaches a header */
	c.set_from_header = -1;
	read_str("Subject: s\n\nbody\n", &m);
	assert_int_equal(pl_compose_missing_headers(&c, &m, "me@from.test", "evil\nBcc: x"),
			 EX_DATAERR);
	pl_msg_free(&m);
}

static void test_compose_message(void **state)
{
	pl_account_conf c;
	pl_aliases al;
	pl_msg m;
	char err[128], *h;

	(void)state;
	conf_with(&c, "mail.test", NULL, NULL);
	assert_int_equal(pl_aliases_load(write_file("c1", "root: admin@x.test\n"), &al, err,
					 sizeof(err)),
			 PL_OK);
	read_str("From: root (Cron Daemon)\nTo: root\nCc: Web <www-data>, a@b\nBcc: hidden\n"
		 "Subject: root\n\nroot\n", &m);
	assert_int_equal(pl_compose_message(&c, &al, &m, "root@mail.test", NULL), 0);
	h = pl_msg_header(&m, "To");
	assert_string_equal(h, " admin@x.test");
	free(h);
	h = pl_msg_header(&m, "Cc");
	assert_string_equal(h, " Web <www-data@mail.test>, a@b");
	free(h);
	h = pl_msg_header(&m, "From");
	assert_string_equal(h, " root@mail.test (Cron Daemon)");
	free(h);
	assert_null(pl_msg_header(&m, "Bcc"));
	h = pl_msg_header(&m, "Subject");
	assert_string_equal(h, " root");
	free(h);
	assert_string_equal(m.data + m.header_len, "root\n");
	pl_msg_free(&m);

	/* refused input: a bare CR in the header, an unusable To, a long body line */
	read_str("To: a@b\rBcc: x@y\n\nbody\n", &m);
	assert_int_equal(pl_compose_message(&c, &al, &m, "me@mail.test", NULL), EX_DATAERR);
	pl_msg_free(&m);
	read_str("To: <root\n\nbody\n", &m);
	assert_int_equal(pl_compose_message(&c, &al, &m, "me@mail.test", NULL), EX_DATAERR);
	pl_msg_free(&m);
	{
		/* a long line in an encoded body cannot be fixed: refused */
		static char big[1400];
		size_t o = (size_t)snprintf(big, sizeof(big),
					    "To: a@b\nContent-Transfer-Encoding: base64\n\n");

		memset(big + o, 'x', 1000);
		strcpy(big + o + 1000, "\n");
		read_str(big, &m);
		assert_int_equal(pl_compose_message(&c, &al, &m, "me@mail.test", NULL), EX_DATAERR);
		pl_msg_free(&m);
		o = (size_t)snprintf(big, sizeof(big),
				     "To: a@b\nContent-Type: multipart/mixed; boundary=x\n\n");
		memset(big + o, 'x', 1000);
		strcpy(big + o + 1000, "\n");
		read_str(big, &m);
		assert_int_equal(pl_compose_message(&c, &al, &m, "me@mail.test", NULL), EX_DATAERR);
		pl_msg_free(&m);
	}
	{
		/* plain text: re-encoded quoted-printable, every line within 76,
		 * and decoding gives the text back */
		static char big[3000], dec[3000];
		static const char tail[] = "caf\xc3\xa9 = 1 \nend \t\n";
		size_t o = (size_t)snprintf(big, sizeof(big), "To: a@b\nSubject: s\n\n"), body = o;
		const char *p, *nl;
		size_t d = 0;

		for (int k = 0; k < 1200; k++)
			big[o++] = (char)('a' + k % 26);
		memcpy(big + o, tail, sizeof(tail));
		read_str(big, &m);
		assert_int_equal(pl_compose_message(&c, &al, &m, "me@mail.test", NULL), 0);
		h = pl_msg_header(&m, "Content-Transfer-Encoding");
		assert_string_equal(h, " quoted-printable");
		free(h);
		h = pl_msg_header(&m, "Content-Type");
		assert_string_equal(h, " text/plain; charset=UTF-8");
		free(h);
		h = pl_msg_header(&m, "MIME-Version");
		assert_string_equal(h, " 1.0");
		free(h);
		assert_false(m.has_8bit);
		for (p = m.data + m.header_len; (nl = strchr(p, '\n')); p = nl + 1) {
			assert_true(nl - p <= 76);
			/* decode: "=\n" joins, "=XX" is a byte */
			for (const char *q = p; q < nl; q++) {
				if (*q == '=' && q + 1 == nl)
					break;
				if (*q == '=') {
					unsigned v;

					assert_int_equal(sscanf(q + 1, "%2X", &v), 1);
					dec[d++] = (char)v;
					q += 2;
				} else {
					dec[d++] = *q;
				}
			}
			/* a line ending in '=' is a soft break (=XX ends in a hex digit) */
			if (!(nl > p && nl[-1] == '='))
				dec[d++] = '\n';
		}
		dec[d] = '\0';
		assert_string_equal(dec, big + body);
		pl_msg_free(&m);
	}
	pl_aliases_free(&al);
}

/* ---- postlet alert --------------------------------------------------------------- */

static void test_alert(void **state)
{
	static const char body[] = "Disk 97% full \xe2\x80\x94 sda1\nsecond line\n";
	pl_account_conf c;
	pl_addr_list to = { 0 };
	pl_msg m;
	char *h, dec[256];
	word32 n = sizeof(dec);
	const char *b;
	size_t o = 0, i;
	char b64[512];

	(void)state;
	conf_with(&c, "mail.test", NULL, NULL);
	assert_int_equal(pl_addr_parse_list("ops@x.test, admin@y.test", &to), PL_OK);
	assert_int_equal(pl_compose_alert(&c, "dev@mail.test", &to, "Disk f\xc3\xbcll", PL_PRIO_HIGH,
					  body, strlen(body), &m),
			 0);
	h = pl_msg_header(&m, "Subject");
	decode_words(h, dec, sizeof(dec));
	assert_string_equal(dec, "Disk f\xc3\xbcll");
	free(h);
	h = pl_msg_header(&m, "To");
	assert_string_equal(h, " ops@x.test, admin@y.test");
	free(h);
#define HAS(name, value)                                   \
	do {                                               \
		h = pl_msg_header(&m, name);               \
		assert_non_null(h);                        \
		assert_string_equal(h, value);             \
		free(h);                                   \
	} while (0)
	HAS("MIME-Version", " 1.0");
	HAS("Content-Type", " text/plain; charset=UTF-8");
	HAS("Content-Transfer-Encoding", " base64");
	HAS("X-Priority", " 1 (Highest)");
	HAS("Importance", " high");
	HAS("From", " dev@mail.test");
	assert_non_null(h = pl_msg_header(&m, "Date"));
	free(h);
	assert_non_null(h = pl_msg_header(&m, "Message-ID"));
	free(h);
	/* the body decodes to the text with CRLF line ends */
	b = m.data + m.header_len;
	for (i = 0; b[i]; i++)
		if (b[i] != '\n')
			b64[o++] = b[i];
	assert_int_equal(Base64_Decode((const byte *)b64, (word32)o, (byte *)dec, &n), 0);
	dec[n] = '\0';
	assert_string_equal(dec, "Disk 97% full \xe2\x80\x94 sda1\r\nsecond line\r\n");
	pl_msg_free(&m);

	/* plain ASCII with short lines travels as 7bit, no priority headers */
	assert_int_equal(pl_compose_alert(&c, "dev@mail.test", &to, "ok", PL_PRIO_NONE, "fine\n", 5,
					  &m),
			 0);
	HAS("Content-Transfer-Encoding", " 7bit");
	assert_null(pl_msg_header(&m, "X-Priority"));
	assert_string_equal(m.data + m.header_len, "fine\n");
	pl_msg_free(&m);
#undef HAS
	/* refused: a subject with a line break, a body that is not UTF-8 */
	assert_int_equal(pl_compose_alert(&c, "dev@mail.test", &to, "a\r\nBcc: x", PL_PRIO_NONE,
					  "b\n", 2, &m),
			 EX_DATAERR);
	assert_int_equal(pl_compose_alert(&c, "dev@mail.test", &to, "s", PL_PRIO_NONE, "caf\xe9\n",
					  5, &m),
			 EX_DATAERR);
	pl_addr_list_free(&to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_msmtp_style),
		cmocka_unit_test(test_aliases_etc_style),
		cmocka_unit_test(test_aliases_errors),
		cmocka_unit_test(test_qualify_and_sender),
		cmocka_unit_test(test_rcpts),
		cmocka_unit_test(test_encode_words),
		cmocka_unit_test(test_missing_headers),
		cmocka_unit_test(test_compose_message),
		cmocka_unit_test(test_alert),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
