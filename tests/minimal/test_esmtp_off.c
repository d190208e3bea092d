/*
 * Transcript tests for an engine built with every optional ESMTP extension
 * off (Kconfig menu "ESMTP extensions"), as in configs/minimal_defconfig and
 * configs/posix_minimal_defconfig.  Built against the minimal build's own
 * autoconf.h by tests/minimal/suite.sh (mk/minimal-test.mk), so it checks
 * the code the Kconfig switches really leave, not a -D imitation.
 *
 * The server offers everything; the client must behave as if it offered
 * none of it: DATA and not BDAT, no SIZE=/BODY=/SMTPUTF8/DSN parameters,
 * an 8-bit body refused before MAIL, a UTF-8 address refused as bad input,
 * no enhanced code taken, no HELO after a refused EHLO.
 *
 * The driver is test_smtp.c's (included; its own main, which runs the
 * default-config tests, is renamed out of the way and never called).
 */
#define main pl_test_smtp_default_main
#include "../unit/test_smtp.c"
#undef main

#if PL_ENABLE_ESMTP_CHUNKING || PL_ENABLE_ESMTP_SIZE || PL_ENABLE_ESMTP_8BITMIME ||          \
	PL_ENABLE_ESMTP_SMTPUTF8 || PL_ENABLE_ESMTP_DSN || PL_ENABLE_ESMTP_ENHANCEDSTATUSCODES || \
	PL_ENABLE_HELO_FALLBACK
#error "test_esmtp_off needs a configuration with every ESMTP extension off"
#endif

/* Everything a server can offer. */
#define EHLO_EVERY                                                                        \
	"250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"     \
	"250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n"

static void assert_no_extension_sent(const struct run *r)
{
	static const char *const words[] = { "BDAT", "SIZE=", "BODY=", "SMTPUTF8", "NOTIFY=",
					      "ORCPT=", "RET=", "ENVID=", "HELO" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_never_sent(r, words[i]);
}

/* CHUNKING, SIZE (with a limit the message exceeds) and DSN offered: the
 * pipelined envelope carries no parameter, the body goes with DATA
 * (dot-stuffed), and the SIZE limit does not refuse the message early. */
static void test_off_data_not_bdat(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_EVERY),
		C1(ENVELOPE2),
		S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),
		BODY(BODY_IN, 3),
		C(BODY_OUT),
		S("250 2.0.0 queued\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	p.mail.size_hint = 1000;
	p.mail.dsn_notify = PL_DSN_SUCCESS | PL_DSN_FAILURE;
	p.mail.dsn_ret = PL_DSN_RET_HDRS;
	p.mail.dsn_envid = "id1";
	p.mail.dsn_orcpt = 1;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 2);
	assert_no_extension_sent(r);
	run_free(r);
}

/* DSN requests are ignored, so not even checked: what the DSN build
 * refuses as a usage error (NEVER with other conditions, a non-ASCII
 * ENVID) goes out without them. */
static void test_off_dsn_ignored(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_EVERY), C1(ENVELOPE2), STOP(),
	};
	struct run *r;

	(void)state;
	p.mail.dsn_notify = PL_DSN_NEVER | PL_DSN_DELAY;
	p.mail.dsn_envid = "\xc3\xa9";
	r = script(&p, 1024, st);
	assert_no_extension_sent(r);
	run_free(r);
}

/* An 8-bit body is refused before MAIL although 8BITMIME is offered. */
static void test_off_8bit_refused(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_EVERY), FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, 0),
	};
	struct run *r;

	(void)state;
	p.mail.body_8bit = 1;
	r = script(&p, 1024, st);
	assert_never_sent(r, "MAIL");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "8BITMIME is not built in"));
	run_free(r);
}

/* A UTF-8 address is bad input (PL_E_MESSAGE before connecting), sender
 * or recipient, even well-formed; ASCII ones still pass. */
static void test_off_utf8_address_refused(void **state)
{
	static const char *const ascii[] = { "x@y" };
	pl_smtp_params p = plain_params();
	struct run *r;

	(void)state;
	p.mail.rcpts = utf8_rcpts;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.rcpts = ascii;
	p.mail.nrcpt = 1;
	p.mail.from = "j\xc3\xb6rg@b\xc3\xbc\x63her.test";
	r = run_new(&p, 1024);
	assert_int_equal(r->init_err, PL_E_MESSAGE);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_string_equal(pl_smtp_error_info(&r->s)->text,
			    "invalid envelope sender address (ASCII only: no SMTPUTF8)");
	assert_int_equal(r->all.len, 0);
	run_free(r);
	p.mail.from = "a@b";
	assert_int_equal(init_with(&p, 1024), PL_OK);
}

/* ENHANCEDSTATUSCODES offered, but the x.y.z code is not taken apart: the
 * error keeps it in the text only. */
static void test_off_no_enhanced_code(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_EVERY), C1(ENVELOPE2),
		S("550 5.7.1 sender refused\r\n554 5.5.1 no valid sender\r\n"
		  "554 5.5.1 no valid sender\r\n554 5.5.1 no valid recipients\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, 550),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "5.7.1 sender refused"));
	run_free(r);
}

/* A server that refuses EHLO fails the session there: no HELO. */
static void test_off_no_helo_fallback(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("502 5.5.2 command not recognized\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_EHLO, 502),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_no_extension_sent(r);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_off_data_not_bdat, teardown),
		cmocka_unit_test_teardown(test_off_dsn_ignored, teardown),
		cmocka_unit_test_teardown(test_off_8bit_refused, teardown),
		cmocka_unit_test_teardown(test_off_utf8_address_refused, teardown),
		cmocka_unit_test_teardown(test_off_no_enhanced_code, teardown),
		cmocka_unit_test_teardown(test_off_no_helo_fallback, teardown),
		/* STARTTLS + AUTH PLAIN + pipelining, unchanged by the switches */
		cmocka_unit_test_teardown(test_happy_starttls_plain_pipelining, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
