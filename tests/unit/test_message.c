/* Unit tests for the CLI message helpers (agent/cli/message.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "message.h"
#include "pl_config.h"
#include "transcript.h"

/* Read a message from a memory stream of n bytes. */
static pl_err read_mem(const char *data, size_t n, int ignore_dots, size_t max, pl_msg *m)
{
	char *copy = malloc(n + 1);
	FILE *f;
	pl_err e;

	assert_non_null(copy);
	memcpy(copy, data, n);
	f = fmemopen(copy, n, "r");
	assert_non_null(f);
	e = pl_msg_read(f, ignore_dots, max, m);
	fclose(f);
	free(copy);
	return e;
}

#define READ(lit, dots, m) read_mem((lit), sizeof(lit) - 1, (dots), 1 << 20, (m))

static void assert_msg(const pl_msg *m, const char *exp, size_t n)
{
	tr_assert_bytes("message data", exp, n, m->data, m->len);
	assert_int_equal(m->data[m->len], '\0');
}

#define ASSERT_MSG(m, lit) assert_msg((m), (lit), sizeof(lit) - 1)

static void list_eq(const pl_addr_list *l, const char *const *exp, size_t n)
{
	size_t i;

	if (l->n != n) {
		fprintf(stderr, "got %zu addresses, expected %zu:\n", l->n, n);
		for (i = 0; i < l->n; i++)
			fprintf(stderr, "  [%zu] %s\n", i, l->addr[i]);
	}
	assert_int_equal(l->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(l->addr[i], exp[i]);
}

/* ---- pl_msg_read ------------------------------------------------------- */

static void test_read_dot_ends_input(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("Subject: x\n\na\n.\nafter\n", 0, &m), PL_OK);
	ASSERT_MSG(&m, "Subject: x\n\na\n");
	pl_msg_free(&m);

	assert_int_equal(READ("a\r\n.\r\nafter\r\n", 0, &m), PL_OK);
	ASSERT_MSG(&m, "a\r\n");
	pl_msg_free(&m);

	/* "." as the last line without a newline */
	assert_int_equal(READ("a\n.", 0, &m), PL_OK);
	ASSERT_MSG(&m, "a\n");
	pl_msg_free(&m);

	/* ".." and ". " are not the end */
	assert_int_equal(READ("..\n. \n.x\n", 0, &m), PL_OK);
	ASSERT_MSG(&m, "..\n. \n.x\n");
	pl_msg_free(&m);
}

static void test_read_dot_kept_with_i(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("a\n.\nafter\n", 1, &m), PL_OK);
	ASSERT_MSG(&m, "a\n.\nafter\n");
	pl_msg_free(&m);
	assert_int_equal(READ("a\r\n.\r\nb", 1, &m), PL_OK);
	ASSERT_MSG(&m, "a\r\n.\r\nb");
	pl_msg_free(&m);
}

static void test_read_empty_and_limit(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("", 0, &m), PL_OK);
	assert_int_equal(m.len, 0);
	assert_non_null(m.data);
	assert_int_equal(m.header_len, 0);
	pl_msg_free(&m);

	assert_int_equal(read_mem("0123456789\n", 11, 0, 11, &m), PL_OK);
	pl_msg_free(&m);
	assert_int_equal(read_mem("0123456789\n", 11, 0, 10, &m), PL_E_LIMIT);
	pl_msg_free(&m);
}

/* A line holding "." followed by a NUL and more bytes is not a lone-dot
 * line; reading compares with strcmp() and stops there. */
static void test_read_dot_nul_line_is_not_terminator(void **state)
{
	pl_msg m;

	(void)state;
	pl_err e;
	int ok;

	e = READ("a\n.\0x\nb\n", 0, &m);
	assert_int_equal(e, PL_OK);
	ok = m.len == 8 && memcmp(m.data, "a\n.\0x\nb\n", 8) == 0;
	if (!ok) {
		tr_print_escaped("expected", "a\n.\0x\nb\n", 8);
		tr_print_escaped("actual  ", m.data, m.len);
	}
	pl_msg_free(&m);
	assert_true(ok);
}

static void test_read_8bit(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("Subject: x\n\nplain ascii\x7f\n", 0, &m), PL_OK);
	assert_false(m.has_8bit);
	pl_msg_free(&m);
	assert_int_equal(READ("Subject: x\n\ncaf\xc3\xa9\n", 0, &m), PL_OK);
	assert_true(m.has_8bit);
	pl_msg_free(&m);
	assert_int_equal(READ("\x80", 1, &m), PL_OK);
	assert_true(m.has_8bit);
	pl_msg_free(&m);
}

/* ---- header block -------------------------------------------------------- */

static void test_header_block_detection(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("Subject: x\nTo: a@b\n\nbody\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, strlen("Subject: x\nTo: a@b\n\n"));
	pl_msg_free(&m);

	assert_int_equal(READ("Subject: x\r\n folded\r\n\r\nbody\r\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, strlen("Subject: x\r\n folded\r\n\r\n"));
	pl_msg_free(&m);

	/* headers only, no blank line */
	assert_int_equal(READ("Subject: x\nTo: a@b\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, m.len);
	pl_msg_free(&m);

	/* no headers at all */
	assert_int_equal(READ("hello world\n\nSubject: no\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, 0);
	pl_msg_free(&m);

	/* a continuation cannot start the message */
	assert_int_equal(READ(" Subject: x\n\nb\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, 0);
	pl_msg_free(&m);

	/* mbox "From " line is not a header */
	assert_int_equal(READ("From me Mon Jan 1\nSubject: x\n\nb\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, 0);
	pl_msg_free(&m);

	/* starts with a blank line: empty header block */
	assert_int_equal(READ("\nbody\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, 1);
	pl_msg_free(&m);
}

static void test_header_unfolding(void **state)
{
	pl_msg m;
	char *v;

	(void)state;
	assert_int_equal(READ("Subject: hello\r\n world\r\n\tagain\r\nX-A: 1\r\n\r\n"
			      "Body-Header: no\r\n", 0, &m), PL_OK);
	v = pl_msg_header(&m, "subject");
	assert_non_null(v);
	assert_string_equal(v, " hello world\tagain");
	free(v);
	v = pl_msg_header(&m, "X-A");
	assert_string_equal(v, " 1");
	free(v);
	assert_null(pl_msg_header(&m, "Body-Header"));
	assert_null(pl_msg_header(&m, "X"));
	assert_null(pl_msg_header(&m, "Date"));
	pl_msg_free(&m);

	/* first of two; prefix names do not match */
	assert_int_equal(READ("Toto: no\nTo: first\nTo: second\n\n", 0, &m), PL_OK);
	v = pl_msg_header(&m, "To");
	assert_string_equal(v, " first");
	free(v);
	pl_msg_free(&m);

	/* empty value, last header without newline */
	assert_int_equal(READ("A:\nB: b", 0, &m), PL_OK);
	v = pl_msg_header(&m, "A");
	assert_string_equal(v, "");
	free(v);
	v = pl_msg_header(&m, "B");
	assert_string_equal(v, " b");
	free(v);
	pl_msg_free(&m);
}

/* ---- recipients from headers ----------------------------------------------- */

static void test_header_rcpts(void **state)
{
	static const char *const exp[] = {
		"john@x.test", "jane@y.test", "a@x.test", "b@x.test", "c@x.test", "hidden@z.test",
		"h2@z.test",
	};
	pl_addr_list l = { 0 };
	pl_msg m;

	(void)state;
	assert_int_equal(READ("From: me@x.test\n"
			      "To: \"Doe, John\" <john@x.test>, jane@y.test (Jane), undisclosed: ;\n"
			      "Subject: To: fake@x.test\n"
			      "Cc: team: a@x.test,\n b@x.test;,\n\tc@x.test\n"
			      "BCC: hidden@z.test,\n  <h2@z.test>\n"
			      "\n"
			      "To: body@x.test\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_header_rcpts(&m, &l), PL_OK);
	list_eq(&l, exp, sizeof(exp) / sizeof(exp[0]));
	pl_addr_list_free(&l);
	pl_msg_free(&m);
}

static void test_header_rcpts_malformed(void **state)
{
	pl_addr_list l = { 0 };
	pl_msg m;

	(void)state;
	assert_int_equal(READ("To: <a@x.test\n\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_header_rcpts(&m, &l), PL_E_MESSAGE);
	pl_addr_list_free(&l);
	pl_msg_free(&m);
}

/* ---- removing and adding headers ------------------------------------------- */

static void test_remove_bcc(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("From: f\nBcc: a@x,\n  b@x\n\tc@x\nTo: t\nbcc: d@x\nSubject: s\n"
			      "\nBcc: in body\n", 0, &m), PL_OK);
	pl_msg_remove_header(&m, "Bcc");
	ASSERT_MSG(&m, "From: f\nTo: t\nSubject: s\n\nBcc: in body\n");
	assert_int_equal(m.header_len, strlen("From: f\nTo: t\nSubject: s\n\n"));
	pl_msg_free(&m);

	/* first and last header, CRLF */
	assert_int_equal(READ("Bcc: a\r\nTo: t\r\nBcc: b\r\n c\r\n\r\nbody\r\n", 0, &m), PL_OK);
	pl_msg_remove_header(&m, "Bcc");
	ASSERT_MSG(&m, "To: t\r\n\r\nbody\r\n");
	assert_int_equal(m.header_len, 9);
	pl_msg_free(&m);

	/* headers only, no blank line, Bcc last */
	assert_int_equal(READ("To: t\nBcc: x", 0, &m), PL_OK);
	pl_msg_remove_header(&m, "Bcc");
	ASSERT_MSG(&m, "To: t\n");
	assert_int_equal(m.header_len, m.len);
	pl_msg_free(&m);

	/* no header block: nothing touched */
	assert_int_equal(READ("text\nBcc: x\n", 0, &m), PL_OK);
	pl_msg_remove_header(&m, "Bcc");
	ASSERT_MSG(&m, "text\nBcc: x\n");
	pl_msg_free(&m);
}

static void test_prepend_header(void **state)
{
	pl_msg m;
	char *v;

	(void)state;
	/* no headers: a blank separator line is added */
	assert_int_equal(READ("just a body\n", 0, &m), PL_OK);
	assert_int_equal(m.header_len, 0);
	assert_int_equal(pl_msg_prepend_header(&m, "From", "me@x.test"), PL_OK);
	assert_int_equal(strncmp(m.data, "From: me@x.test", 15), 0);
	assert_true(m.data[15] == '\n' || (m.data[15] == '\r' && m.data[16] == '\n'));
	assert_int_equal(m.header_len + strlen("just a body\n"), m.len);
	assert_string_equal(m.data + m.header_len, "just a body\n");
	/* the block ends with a blank line */
	assert_true(m.header_len >= 2 && m.data[m.header_len - 1] == '\n' &&
		    (m.data[m.header_len - 2] == '\n' || m.data[m.header_len - 2] == '\r'));
	v = pl_msg_header(&m, "From");
	assert_string_equal(v, " me@x.test");
	free(v);
	pl_msg_free(&m);

	/* existing headers: inserted on top, body untouched */
	assert_int_equal(READ("Subject: s\n\nbody\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_prepend_header(&m, "Date", "Mon, 1 Jan 2024 00:00:00 +0000"), PL_OK);
	assert_int_equal(pl_msg_prepend_header(&m, "Message-ID", "<1@x>"), PL_OK);
	ASSERT_MSG(&m, "Message-ID: <1@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: s\n\nbody\n");
	assert_string_equal(m.data + m.header_len, "body\n");
	v = pl_msg_header(&m, "Subject");
	assert_string_equal(v, " s");
	free(v);
	pl_msg_free(&m);

	/* empty message */
	assert_int_equal(READ("", 0, &m), PL_OK);
	assert_int_equal(pl_msg_prepend_header(&m, "From", "a@b"), PL_OK);
	ASSERT_MSG(&m, "From: a@b\n\n");
	assert_int_equal(m.header_len, m.len);
	pl_msg_free(&m);

	/* growth past the initial allocation */
	{
		static char big[10000];

		memset(big, 'v', sizeof(big) - 1);
		assert_int_equal(READ("S: s\n\nb\n", 0, &m), PL_OK);
		assert_int_equal(pl_msg_prepend_header(&m, "X-Big", big), PL_OK);
		assert_int_equal(m.len, 7 + sizeof(big) - 1 + 1 + 8);
		assert_string_equal(m.data + m.header_len, "b\n");
		pl_msg_free(&m);
	}
}

/* ---- address lists ---------------------------------------------------------- */

static void parse_ok(const char *v, const char *const *exp, size_t n)
{
	pl_addr_list l = { 0 };

	assert_int_equal(pl_addr_parse_list(v, &l), PL_OK);
	list_eq(&l, exp, n);
	pl_addr_list_free(&l);
}

static void parse_bad(const char *v)
{
	pl_addr_list l = { 0 };

	if (pl_addr_parse_list(v, &l) != PL_E_MESSAGE)
		fail_msg("accepted malformed address list \"%s\"", v);
	pl_addr_list_free(&l);
}

static void test_addr_parse(void **state)
{
	static const char *const a1[] = { "john@x.test", "jane@y.test" };
	static const char *const a2[] = { "a@x.test", "b@x.test", "c@y.test" };
	static const char *const a3[] = { "\"odd, name\"@x.test" };
	static const char *const a4[] = { "x@y" };

	(void)state;
	parse_ok(" \"Doe, John\" <john@x.test>, jane@y.test (Jane), undisclosed: ;", a1, 2);
	parse_ok("team: a@x.test, b@x.test;, c@y.test", a2, 3);
	parse_ok("\"odd, name\"@x.test", a3, 1);
	parse_ok("Name (comment, with <stuff> and (nested)) <x@y>", a4, 1);
	parse_ok("\"q\\\" <not@this>\" <x@y>", a4, 1);
	parse_ok("(c\\) still comment) x@y", a4, 1);
	parse_ok("undisclosed-recipients:;", NULL, 0);
	parse_ok("", NULL, 0);
	parse_ok(" , ,", NULL, 0);
}

static void test_addr_parse_errors(void **state)
{
	char v[CONFIG_POSTLET_ADDR_MAX + 16];

	(void)state;
	parse_bad("\"unterminated <a@x>");
	parse_bad("Name <a@x");
	parse_bad("a@x (comment");
	parse_bad("a@x ((nested)");

	/* exactly CONFIG_POSTLET_ADDR_MAX is fine, one more is not */
	memset(v, 'a', CONFIG_POSTLET_ADDR_MAX);
	v[CONFIG_POSTLET_ADDR_MAX] = '\0';
	{
		pl_addr_list l = { 0 };

		assert_int_equal(pl_addr_parse_list(v, &l), PL_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(strlen(l.addr[0]), CONFIG_POSTLET_ADDR_MAX);
		pl_addr_list_free(&l);
	}
	v[CONFIG_POSTLET_ADDR_MAX] = 'a';
	v[CONFIG_POSTLET_ADDR_MAX + 1] = '\0';
	parse_bad(v);
	/* the same inside angle brackets */
	v[0] = '<';
	v[CONFIG_POSTLET_ADDR_MAX + 1] = 'a';
	v[CONFIG_POSTLET_ADDR_MAX + 2] = '>';
	v[CONFIG_POSTLET_ADDR_MAX + 3] = '\0';
	parse_bad(v);
}

static void test_addr_list_add(void **state)
{
	pl_addr_list l = { 0 };
	char big[CONFIG_POSTLET_ADDR_MAX + 1];
	int i;

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(pl_addr_list_add(&l, "x", 0), PL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(pl_addr_list_add(&l, big, sizeof(big)), PL_E_MESSAGE);
	for (i = 0; i < 100; i++)
		assert_int_equal(pl_addr_list_add(&l, "abc", 2), PL_OK);
	assert_int_equal(l.n, 100);
	assert_string_equal(l.addr[99], "ab");
	pl_addr_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.addr);
}

/* ---- RFC 5322 scanner: spans, routes, control characters ------------------ */

struct span_log {
	char text[512];
};

static pl_err log_span(void *ctx, const char *addr, size_t len, size_t start, size_t end)
{
	struct span_log *l = ctx;
	size_t o = strlen(l->text);

	snprintf(l->text + o, sizeof(l->text) - o, "[%.*s@%zu-%zu]", (int)len, addr, start, end);
	return PL_OK;
}

static void scan_eq(const char *v, const char *exp)
{
	struct span_log l = { "" };

	assert_int_equal(pl_addr_scan(v, log_span, &l), PL_OK);
	assert_string_equal(l.text, exp);
}

static void test_addr_scan_spans(void **state)
{
	(void)state;
	/* the span covers what a rewrite replaces: inside <>, or the bare text */
	scan_eq("Name <a@x>, b@y (c)", "[a@x@6-9][b@y@12-15]");
	scan_eq("root", "[root@0-4]");
	scan_eq("  \"q u\"@x ", "[\"q u\"@x@2-9]");
	/* obsolete route dropped, its address kept */
	scan_eq("<@relay.a,@relay.b:user@x>", "[user@x@19-25]");
	/* groups, including the empty one */
	scan_eq("undisclosed-recipients:;", "");
	scan_eq("team: a@x, b@y;, c@z", "[a@x@6-9][b@y@11-14][c@z@17-20]");
	/* an empty angle address is no address */
	scan_eq("<>", "");
}

static void test_addr_control_chars(void **state)
{
	(void)state;
	/* a CR or LF inside an address would start a new SMTP command */
	parse_bad("a@x\r\nRCPT TO:<evil@y>");
	parse_bad("a@x\nb@y");
	parse_bad("Name <a@x\r>");
	parse_bad("\"quoted\rcr\"@x");
	parse_bad("\"escaped\\\ncr\"@x");
	parse_bad("a\x01@x");
	parse_bad("a@x\x7f");
	/* inside a comment too: it is still part of the header value */
	parse_bad("a@x (new\nline)");
	/* tab is white space, not a control character */
	{
		static const char *const a[] = { "a@x" };

		parse_ok("\tName\t<a@x>", a, 1);
	}
}

static void test_check_header(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("To: a\r\nSubject: ok\r\n\r\nbody\rbare CR in the body is fine\n", 0,
			      &m), PL_OK);
	assert_int_equal(pl_msg_check_header(&m), PL_OK);
	pl_msg_free(&m);
	/* a bare CR in a header would become a line break on the wire */
	assert_int_equal(READ("To: a\rBcc: evil@x\nSubject: s\n\nb\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_check_header(&m), PL_E_MESSAGE);
	pl_msg_free(&m);
	assert_int_equal(read_mem("To: a\0b\nS: s\n\nb\n", 16, 0, 1 << 20, &m), PL_OK);
	assert_true(m.header_len > 0);
	assert_int_equal(pl_msg_check_header(&m), PL_E_MESSAGE);
	pl_msg_free(&m);
	assert_true(pl_hdr_value_ok("plain\tvalue"));
	assert_false(pl_hdr_value_ok("two\nlines"));
	assert_false(pl_hdr_value_ok("cr\r"));
}

/* ---- folding and line lengths ------------------------------------------------ */

static void test_fold(void **state)
{
	char v[1200], *f;
	size_t i;

	(void)state;
	f = pl_hdr_fold("To", 2, " aaaa, bbbb, cccc", 10);
	assert_non_null(f);
	assert_string_equal(f, "To: aaaa,\n bbbb,\n cccc\n");
	free(f);
	/* short enough: untouched */
	f = pl_hdr_fold("Subject", 7, " hello world", 78);
	assert_string_equal(f, "Subject: hello world\n");
	free(f);
	/* a word of 1000 octets cannot be folded under 998 */
	v[0] = ' ';
	memset(v + 1, 'w', 1000);
	v[1001] = '\0';
	assert_null(pl_hdr_fold("X", 1, v, 78));
	/* many words: every line within the width */
	for (i = 0; i < 1100; i += 5)
		memcpy(v + i, " word", 5);
	v[1100] = '\0';
	f = pl_hdr_fold("Keywords", 8, v, 78);
	assert_non_null(f);
	{
		char *line = f, *nl;

		while ((nl = strchr(line, '\n'))) {
			assert_true(nl - line <= 78);
			line = nl + 1;
		}
	}
	free(f);
}

static void test_long_lines(void **state)
{
	static char msg[4000];
	pl_msg m;
	size_t o;

	(void)state;
	/* a 1200-octet header of short words is refolded; other fields keep their bytes */
	o = (size_t)sprintf(msg, "Subject: keep  this\nX-Long:");
	while (o < 1230)
		o += (size_t)sprintf(msg + o, " w%zu", o);
	o += (size_t)sprintf(msg + o, "\n\nbody\n");
	assert_int_equal(read_mem(msg, o, 0, 1 << 20, &m), PL_OK);
	assert_int_equal(pl_msg_fold_long_headers(&m), PL_OK);
	assert_memory_equal(m.data, "Subject: keep  this\nX-Long: w27", 31);
	{
		char *v = pl_msg_header(&m, "X-Long"), *line = m.data, *nl;

		assert_non_null(v);
		assert_true(strlen(v) > 1000);
		free(v);
		while ((nl = memchr(line, '\n', m.header_len - (size_t)(line - m.data)))) {
			assert_true(nl - line <= 78);
			line = nl + 1;
		}
	}
	assert_int_equal(pl_msg_long_body_line(&m), 0);
	pl_msg_free(&m);

	/* one unbreakable header word over 998: refused */
	o = (size_t)sprintf(msg, "X-Token: ");
	memset(msg + o, 't', 1000);
	o += 1000;
	o += (size_t)sprintf(msg + o, "\n\nbody\n");
	assert_int_equal(read_mem(msg, o, 0, 1 << 20, &m), PL_OK);
	assert_int_equal(pl_msg_fold_long_headers(&m), PL_E_LIMIT);
	pl_msg_free(&m);

	/* body: exactly 998 is fine, 999 is reported with its line number */
	o = (size_t)sprintf(msg, "S: s\n\nline 3\n");
	memset(msg + o, 'b', 998);
	o += 998;
	msg[o++] = '\r';
	msg[o++] = '\n';
	assert_int_equal(read_mem(msg, o, 0, 1 << 20, &m), PL_OK);
	assert_int_equal(pl_msg_long_body_line(&m), 0);
	pl_msg_free(&m);
	msg[o - 2] = 'b';
	msg[o - 1] = '\n';
	assert_int_equal(read_mem(msg, o, 0, 1 << 20, &m), PL_OK);
	assert_int_equal(pl_msg_long_body_line(&m), 4);
	pl_msg_free(&m);
}

/* ---- rewriting addresses in header fields ----------------------------------- */

static pl_err rw_root(void *ctx, const char *addr, pl_addr_list *out)
{
	(void)ctx;
	if (strcmp(addr, "root") == 0) {
		assert_int_equal(pl_addr_list_add(out, "admin@x.test", 12), PL_OK);
		return pl_addr_list_add(out, "ops@y.test", 10);
	}
	if (strcmp(addr, "www") == 0)
		return pl_addr_list_add(out, "web@x.test", 10);
	return PL_OK;
}

static void test_rewrite_addrs(void **state)
{
	pl_msg m;

	(void)state;
	assert_int_equal(READ("From: root\nTo: Root <root>, www (web),\n \"q\" <q@z>\n"
			      "cc: untouched@x, other\nSubject: root\n\nTo: root\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_rewrite_addrs(&m, "To", rw_root, NULL), PL_OK);
	assert_int_equal(pl_msg_rewrite_addrs(&m, "Cc", rw_root, NULL), PL_OK);
	ASSERT_MSG(&m, "From: root\n"
		       "To: Root <admin@x.test>, <ops@y.test>, web@x.test (web), \"q\" <q@z>\n"
		       "cc: untouched@x, other\nSubject: root\n\nTo: root\n");
	assert_int_equal(m.header_len, m.len - strlen("To: root\n"));
	pl_msg_free(&m);

	/* bare multi-target: a plain list */
	assert_int_equal(READ("To: root\n\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_rewrite_addrs(&m, "To", rw_root, NULL), PL_OK);
	ASSERT_MSG(&m, "To: admin@x.test, ops@y.test\n\n");
	pl_msg_free(&m);

	/* a malformed list is reported, the message left as it was */
	assert_int_equal(READ("To: <root\n\n", 0, &m), PL_OK);
	assert_int_equal(pl_msg_rewrite_addrs(&m, "To", rw_root, NULL), PL_E_MESSAGE);
	ASSERT_MSG(&m, "To: <root\n\n");
	pl_msg_free(&m);
}

static void test_from_data(void **state)
{
	char *d = malloc(32);
	pl_msg m;

	(void)state;
	assert_non_null(d);
	memcpy(d, "To: a\n\nb\xc3\xa9\n", 11);
	assert_int_equal(pl_msg_from_data(&m, d, 11, 32), PL_OK);
	assert_int_equal(m.header_len, 7);
	assert_true(m.has_8bit);
	assert_int_equal(m.data[m.len], '\0');
	pl_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_dot_ends_input),
		cmocka_unit_test(test_read_dot_kept_with_i),
		cmocka_unit_test(test_read_empty_and_limit),
		cmocka_unit_test(test_read_dot_nul_line_is_not_terminator),
		cmocka_unit_test(test_read_8bit),
		cmocka_unit_test(test_header_block_detection),
		cmocka_unit_test(test_header_unfolding),
		cmocka_unit_test(test_header_rcpts),
		cmocka_unit_test(test_header_rcpts_malformed),
		cmocka_unit_test(test_remove_bcc),
		cmocka_unit_test(test_prepend_header),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_parse_errors),
		cmocka_unit_test(test_addr_list_add),
		cmocka_unit_test(test_addr_scan_spans),
		cmocka_unit_test(test_addr_control_chars),
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_rewrite_addrs),
		cmocka_unit_test(test_from_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
