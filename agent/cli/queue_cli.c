/*
 * The queue on Unix (see queue_cli.h): the spool store, the queue core and
 * the front end's choices about when to queue, flush and bounce.
 */
#include "queue_cli.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "deliver.h"
#include "exitcode.h"
#include "posix/store_posix.h"
#include "queue/queue.h"
#include "tls_account.h"

/* Original header bytes quoted in a bounce notice. */
#define BOUNCE_HEADERS_MAX 8192
#define DAEMON_DEFAULT_S 1800u

static struct {
	int mode;
	int no_queue;
	int force;                /* -q: everything, not only what is due */
	unsigned daemon_s;        /* -q30m / --daemon: loop period, 0 = once */
	const char *rcpt, *sender;
} qo;

static pl_store_posix spool;
static pl_queue queue;
static pl_session qsession;   /* ~5 KiB of buffers: off the stack */
static volatile sig_atomic_t stop;

struct bounce_ctx {
	const pl_account_conf *conf;
};
static unsigned notices; /* bounce notices queued by this process */

/* ---- arguments ------------------------------------------------------------- */

/* "30m" -> 1800; 0 if not a duration */
static unsigned duration(const char *s)
{
	unsigned long n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && n < 10000000ul)
		n = n * 10 + (unsigned long)(*p++ - '0');
	switch (*p) {
	case '\0':
	case 's':
		break;
	case 'm':
		n *= 60;
		break;
	case 'h':
		n *= 3600;
		break;
	case 'd':
		n *= 86400;
		break;
	default:
		return 0;
	}
	if (*p && p[1])
		return 0;
	return n > 0 && n < 100000000ul ? (unsigned)n : 0;
}

/* flags of main.c that take their value as the next argument */
static int takes_value(const char *a)
{
	return a[0] == '-' && a[1] && strchr("CafrFNRVALhO", a[1]) && a[2] == '\0';
}

static int queue_flag(const char *a)
{
	if (strcmp(a, "-bp") == 0) {
		qo.mode = PL_QCLI_LIST;
		return 1;
	}
	if (strcmp(a, "--no-queue") == 0) {
		qo.no_queue = 1;
		return 1;
	}
	if (strncmp(a, "--daemon", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
		qo.mode = PL_QCLI_RUN;
		qo.daemon_s = a[8] ? duration(a + 9) : DAEMON_DEFAULT_S;
		if (!qo.daemon_s)
			return -1;
		return 1;
	}
	if (a[0] == '-' && a[1] == 'q') {
		qo.mode = PL_QCLI_RUN;
		qo.force = 1;
		if (a[2] == 'R' && a[3])
			qo.rcpt = a + 3;
		else if (a[2] == 'S' && a[3])
			qo.sender = a + 3;
		else if (a[2] == 'I' || a[2] == '\0')
			; /* by id: every message here */
		else if ((qo.daemon_s = duration(a + 2)) != 0)
			qo.force = 0;
		else
			return -1;
		return 1;
	}
	return 0;
}

int pl_queue_cli_args(int *argc, char **argv)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];
		int r;

		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0')
			break; /* recipients from here on */
		r = queue_flag(a);
		if (r < 0)
			return pl_die(EX_USAGE, "bad queue option %s (see postlet(8))", a);
		if (r)
			continue;
		argv[out++] = argv[i];
		if (takes_value(a) && i + 1 < *argc)
			argv[out++] = argv[++i];
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int pl_queue_cli_mode(void)
{
	return qo.mode;
}

/* ---- the spool --------------------------------------------------------------- */

int pl_queue_cli_dir(const pl_account_conf *conf, char *out, size_t cap)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (conf->queue_dir[0])
		n = snprintf(out, cap, "%s", conf->queue_dir);
	else if (geteuid() == 0)
		n = snprintf(out, cap, "/var/spool/postlet");
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/postlet/queue", xdg);
	else {
		/* cron and daemons may run us without $HOME */
		if (!home || home[0] != '/') {
			const struct passwd *pw = getpwuid(getuid());

			home = pw && pw->pw_dir ? pw->pw_dir : "/tmp";
		}
		n = snprintf(out, cap, "%s/.local/share/postlet/queue", home);
	}
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int queue_enabled(const pl_account_conf *conf)
{
	return !qo.no_queue && conf->queue != 0;
}

/* Open the spool; create: make it if missing (else a missing spool is an
 * empty queue, reported as PL_E_NOCONFIG). */
static pl_err open_queue(const pl_account_conf *conf, int create, char *dir, size_t cap)
{
	struct stat sb;
	pl_store st = { &pl_store_posix_ops, &spool };
	pl_err e;

	if (pl_queue_cli_dir(conf, dir, cap) < 0)
		return PL_E_CONFIG;
	if (!create && stat(dir, &sb) < 0)
		return PL_E_NOCONFIG;
	e = pl_store_posix_open(&spool, dir);
	if (e)
		return e;
	pl_queue_init(&queue, &st);
	if (conf->queue_expiry_s)
		queue.expiry_s = conf->queue_expiry_s;
	return PL_OK;
}

static void note(const pl_account_conf *conf, const char *line)
{
	fprintf(stderr, "postlet: %s\n", line);
	pl_cli_log_text(conf, LOG_NOTICE, line);
}

/* ---- bounce notices ------------------------------------------------------------ */

static void bounce_notice(void *ctx, pl_queue *q, const pl_queue_entry *e, const char *reason)
{
	static char text[BOUNCE_HEADERS_MAX + 4096];
	static char hdrs[BOUNCE_HEADERS_MAX];
	struct bounce_ctx *b = ctx;
	char from[CONFIG_POSTLET_ADDR_MAX + 1], date[64], dom[CONFIG_POSTLET_ADDR_MAX + 1];
	const char *rcpt[1];
	pl_queue_envelope env;
	size_t n = 0, h = 0, i;
	long got;
	uint64_t rnd = 0;
	time_t now = time(NULL);
	struct tm tm;
	int has8 = 0, expired = strncmp(reason, "expired", 7) == 0;
	const char *at;

	/* the account's own address: submission servers refuse others */
	if (pl_compose_sender(b->conf, NULL, from, sizeof(from)) != 0)
		return;
	at = strrchr(from, '@');
	snprintf(dom, sizeof(dom), "%s", at ? at + 1 : "localhost");
	/* the original header block, as far as it fits */
	while (h < sizeof(hdrs) - 1) {
		got = pl_queue_read_message(q, e->id, h, hdrs + h, sizeof(hdrs) - 1 - h);
		if (got <= 0)
			break;
		h += (size_t)got;
	}
	hdrs[h] = '\0';
	for (i = 0; i + 1 < h; i++)
		if (hdrs[i] == '\n' && (hdrs[i + 1] == '\n' || (hdrs[i + 1] == '\r' && i + 2 < h &&
								 hdrs[i + 2] == '\n'))) {
			h = i + 1;
			break;
		}
	hdrs[h] = '\0';
	for (i = 0; i < h; i++)
		if ((unsigned char)hdrs[i] >= 0x80)
			has8 = 1;
	(void)pl_port_random(&rnd, sizeof(rnd));
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	n = (size_t)snprintf(text, sizeof(text),
		"From: Mail Delivery System <%s>\n"
		"To: <%s>\n"
		"Subject: Undelivered Mail Returned to Sender%s\n"
		"Date: %s\n"
		"Message-ID: <bounce.%016llx@%s>\n"
		"Auto-Submitted: auto-replied\n"
		"MIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=%s\n"
		"\n"
		"postlet could not deliver your message %s.\n\n"
		"Reason: %s\n\nRecipients:\n",
		from, e->env.from, expired ? " (expired)" : "", date, (unsigned long long)rnd,
		dom, has8 ? "utf-8" : "us-ascii",
		expired ? "before it expired from the queue" : "because the server refused it",
		reason);
	for (i = 0; i < e->env.nrcpt && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "  <%s>\n", e->env.rcpts[i]);
	if (n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "\n--- headers of the message (%llu bytes) ---\n%s",
				      (unsigned long long)e->size, hdrs);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memset(&env, 0, sizeof(env));
	rcpt[0] = e->env.from;
	env.from = from;
	env.rcpts = rcpt;
	env.nrcpt = 1;
	env.flags = PL_QUEUE_F_BOUNCE | (has8 ? PL_QUEUE_F_8BIT : 0);
	env.priority = 128;
	if (pl_queue_put(q, &env, text, n, PL_OK, NULL, NULL) == PL_OK)
		notices++;
}

/* ---- flushing ---------------------------------------------------------------------- */

static void print_stats(const pl_queue_stats *st, double secs)
{
	fprintf(stderr,
		"postlet: queue run: %u sent, %u deferred, %u bounced, %u expired, %u busy "
		"(%u ambiguous), %u connection(s), %.3f s\n",
		st->sent, st->deferred, st->bounced, st->expired, st->busy, st->ambiguous,
		st->connections, secs);
}

/* One line per queue run that did something. */
static void log_run(const pl_account_conf *c, const pl_queue_stats *st)
{
	char line[256];

	snprintf(line, sizeof(line),
		 "queue run: sent=%u deferred=%u bounced=%u expired=%u busy=%u connections=%u",
		 st->sent, st->deferred, st->bounced, st->expired, st->busy, st->connections);
	pl_cli_log_text(c, st->bounced || st->expired ? LOG_WARNING : LOG_INFO, line);
}

/* Flush with the open queue; bounce notices queued meanwhile go out at
 * once (a second pass over the same account). */
static pl_err flush_open(const pl_account_conf *conf, const pl_account *acct, int force,
			 int verbose, pl_queue_stats *total)
{
	struct bounce_ctx b = { conf };
	pl_queue_filter f = { force, qo.rcpt, qo.sender };
	pl_queue_stats st;
	struct timespec t0, t1;
	pl_err e;

	memset(total, 0, sizeof(*total));
	/* POSTLET_QUEUE_NO_FLUSH_LOCK: tests/queue proves the per-message
	 * locks alone keep parallel runs from sending a message twice */
	if (pl_store_posix_flush_lock(&spool) != PL_OK && !getenv("POSTLET_QUEUE_NO_FLUSH_LOCK"))
		return PL_E_BUSY;
	queue.bounce = bounce_notice;
	queue.bounce_ctx = &b;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int pass = 0; pass < 2; pass++) {
		unsigned before = notices;

		e = pl_queue_flush(&queue, &qsession, acct, &f, &st);
		total->seen += st.seen;
		total->tried += st.tried;
		total->sent += st.sent;
		total->deferred += st.deferred;
		total->bounced += st.bounced;
		total->expired += st.expired;
		total->busy += st.busy;
		total->ambiguous += st.ambiguous;
		total->connections += st.connections;
		if (e || notices == before || st.connections == 0)
			break;
		/* only the new notices: they are due, the rest was just tried */
		f.force = 0;
		f.rcpt = f.sender = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pl_store_posix_flush_unlock(&spool);
	/* the next run resumes this TLS session (tls_session_cache on); a
	 * run that never connected must not forget the saved one */
	if (total->connections)
		pl_cli_tls_state_save();
	if (verbose)
		print_stats(total, (double)(t1.tv_sec - t0.tv_sec) +
					   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (total->tried || total->expired)
		log_run(conf, total);
	return e;
}

/* Anything due?  A cheap look before connecting. */
static int anything_due(void)
{
	pl_store_id id = 0;
	int64_t now = pl_queue_now(&queue);

	while (pl_store_posix_ops.next(&spool, id, &id) == PL_OK && id) {
		pl_store_state st;

		if (pl_store_posix_ops.get_state(&spool, id, &st) == PL_OK &&
		    (st.next_try <= now || now - st.created >= (int64_t)queue.expiry_s))
			return 1;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int pl_queue_cli_run(const pl_account_conf *conf, const pl_account *acct, int verbose)
{
	char dir[1100];
	pl_queue_stats st;
	pl_err e = open_queue(conf, 1, dir, sizeof(dir));

	if (e) {
		fprintf(stderr, "postlet: cannot open the queue %s: %s\n", dir,
			e == PL_E_CONFIG ? "path too long" : strerror(errno));
		return EX_CANTCREAT;
	}
	queue.trace = NULL;
	if (!qo.daemon_s) {
		e = flush_open(conf, acct, qo.force, verbose, &st);
		pl_store_posix_close(&spool);
		if (e == PL_E_BUSY) {
			if (verbose)
				fprintf(stderr, "postlet: another queue run is in progress\n");
			return EX_OK;
		}
		return e ? pl_die(EX_IOERR, "queue run failed: %s", pl_strerror(e)) : EX_OK;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		struct timespec ts = { 1, 0 };

		if (anything_due())
			(void)flush_open(conf, acct, 0, verbose, &st);
		for (unsigned waited = 0; waited < qo.daemon_s && !stop; waited++)
			nanosleep(&ts, NULL);
	}
	pl_store_posix_close(&spool);
	return EX_OK;
}

/* ---- listing -------------------------------------------------------------------------- */

static void age(char *out, size_t cap, int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, cap, "%llds", (long long)secs);
	else if (secs < 7200)
		snprintf(out, cap, "%lldm", (long long)(secs / 60));
	else if (secs < 172800)
		snprintf(out, cap, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, cap, "%lldd", (long long)(secs / 86400));
}

int pl_queue_cli_list(const pl_account_conf *conf)
{
	char dir[1100], a[32];
	pl_queue_entry e;
	pl_store_id id = 0;
	unsigned count = 0, dead, bad;
	uint64_t bytes = 0;
	int64_t now;
	pl_err err = open_queue(conf, 0, dir, sizeof(dir));

	if (err == PL_E_NOCONFIG) {
		printf("Mail queue is empty\n");
		return EX_OK;
	}
	if (err) {
		fprintf(stderr, "postlet: cannot open the queue %s: %s\n", dir, strerror(errno));
		return EX_IOERR;
	}
	now = pl_queue_now(&queue);
	while ((err = pl_queue_next(&queue, id, &e)) == PL_OK && e.id) {
		id = e.id;
		if (count++ == 0)
			printf("%-8s %8s %5s %5s  %s\n", "ID", "Size", "Age", "Tries", "Sender/Recipient");
		age(a, sizeof(a), now - e.state.created);
		printf("%08x %8llu %5s %5u  <%s>%s%s\n", (unsigned)e.id, (unsigned long long)e.size,
		       a, (unsigned)e.state.attempts, e.env.from,
		       (e.state.flags & PL_STORE_F_AMBIGUOUS) ? " (may have been delivered)" : "",
		       (e.env.flags & PL_QUEUE_F_BOUNCE) ? " (bounce notice)" : "");
		if (e.state.last_error[0])
			printf("%33s(%s)\n", "", e.state.last_error);
		for (size_t i = 0; i < e.env.nrcpt; i++)
			printf("%33s<%s>\n", "", e.env.rcpts[i]);
		bytes += e.size;
	}
	pl_store_posix_counts(&spool, &dead, &bad);
	if (count == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %llu bytes in %u message%s\n", (unsigned long long)bytes, count,
		       count == 1 ? "" : "s");
	if (dead || bad)
		printf("-- %s: %u dead letter%s, %u corrupt entr%s set aside\n", dir, dead,
		       dead == 1 ? "" : "s", bad, bad == 1 ? "y" : "ies");
	pl_store_posix_close(&spool);
	return err ? EX_IOERR : EX_OK;
}

/* ---- after a send ---------------------------------------------------------------------- */

static int queue_worthy(pl_err e, int code)
{
	/* what a caller would retry (75), and a name that does not resolve:
	 * on a router the network is often just not up yet */
	return pl_exit_code(e, code) == EX_TEMPFAIL || e == PL_E_RESOLVE;
}

/* Queue env (a failed first attempt e/info); the note on stderr. */
static int queue_now(const pl_account_conf *conf, const pl_queue_envelope *env,
		     const uint8_t *data, size_t len, pl_err e, const pl_smtp_error *info)
{
	char dir[1100], line[1600];
	pl_store_id id = 0;
	pl_err qe = open_queue(conf, 1, dir, sizeof(dir));

	if (!qe)
		qe = pl_queue_put(&queue, env, data, len, e, info, &id);
	if (qe) {
		snprintf(line, sizeof(line), "cannot queue the message in %s: %s", dir,
			 qe == PL_E_LIMIT ? "the queue is full" : qe == PL_E_IO ? strerror(errno)
										: pl_strerror(qe));
		note(conf, line);
		pl_store_posix_close(&spool);
		return -1;
	}
	snprintf(line, sizeof(line), "%s at %s (%s): queued as %08x, will retry", pl_strerror(e),
		 pl_stage_name(info->stage),
		 info->text[0] ? info->text : info->code ? "refused" : "no reply", (unsigned)id);
	note(conf, line);
	pl_store_posix_close(&spool);
	return 0;
}

/* Refused for good: the sender gets a notice, the message becomes a dead
 * letter (the caller hears it in the exit code). */
static void bounce_now(const pl_account_conf *conf, const pl_account *acct,
		       const pl_queue_envelope *env, const uint8_t *data, size_t len,
		       const char *why, int verbose)
{
	struct bounce_ctx b = { conf };
	unsigned before = notices;
	char dir[1100];
	pl_queue_entry ent;
	pl_queue_stats st;
	pl_store_id id;

	if (!env->from[0] || open_queue(conf, 1, dir, sizeof(dir)) != PL_OK)
		return;
	/* the notice quotes the message's header from the store */
	if (pl_queue_put(&queue, env, data, len, PL_OK, NULL, &id) == PL_OK) {
		if (pl_store_posix_ops.lock(&spool, id) == PL_OK) {
			if (pl_queue_next(&queue, id - 1, &ent) == PL_OK && ent.id == id)
				bounce_notice(&b, &queue, &ent, why);
			(void)pl_store_posix_ops.remove(&spool, id, PL_STORE_EXPIRED);
			pl_store_posix_ops.unlock(&spool, id);
		}
		if (notices != before)
			(void)flush_open(conf, acct, 0, verbose, &st);
	}
	pl_store_posix_close(&spool);
}

static void reply_text(char *out, size_t cap, const pl_smtp_error *info, pl_err e, int code)
{
	if (info->text[0] >= '2' && info->text[0] <= '5')
		snprintf(out, cap, "%s", info->text);
	else
		snprintf(out, cap, "%d %s", code, info->text[0] ? info->text : pl_strerror(e));
}

int pl_queue_cli_after_send(const pl_account_conf *conf, const pl_account *acct, pl_err e,
			    const pl_smtp *smtp, const pl_message *msg, const uint8_t *data,
			    size_t len, int verbose)
{
	const pl_smtp_error *info = pl_smtp_error_info(smtp);
	const char *tmp[CONFIG_POSTLET_MAX_RCPT], *perm[CONFIG_POSTLET_MAX_RCPT];
	size_t ntmp = 0, nperm = 0, i;
	char dir[1100], why[200];
	pl_queue_envelope env;
	pl_queue_stats st;
	pl_smtp_error rinfo;
	int code = 0;

	if (!queue_enabled(conf))
		return -1;
	memset(&env, 0, sizeof(env));
	env.from = msg->from;
	env.rcpts = msg->rcpts;
	env.nrcpt = msg->nrcpt;
	env.flags = (msg->body_8bit ? PL_QUEUE_F_8BIT : 0) | (msg->dsn_orcpt ? PL_QUEUE_F_ORCPT : 0);
	env.dsn_notify = msg->dsn_notify;
	env.dsn_ret = msg->dsn_ret;
	env.dsn_envid = msg->dsn_envid;
	env.priority = 128;
	env.size_hint = msg->size_hint;

	if (e == PL_OK) {
		/* accepted for some recipients only: keep the message for those
		 * refused for now, bounce it for those refused for good */
		for (i = 0; i < msg->nrcpt && i < CONFIG_POSTLET_MAX_RCPT; i++) {
			int c = pl_smtp_rcpt_code(smtp, i);

			if (c / 100 == 4) {
				tmp[ntmp++] = msg->rcpts[i];
				code = c;
			} else if (c / 100 == 5) {
				perm[nperm++] = msg->rcpts[i];
			}
		}
		if (nperm) {
			env.rcpts = perm;
			env.nrcpt = nperm;
			for (i = 0; pl_smtp_rcpt_code(smtp, i) / 100 != 5; i++)
				;
			snprintf(why, sizeof(why), "recipient%s refused (%d)", nperm > 1 ? "s" : "",
				 pl_smtp_rcpt_code(smtp, i));
			bounce_now(conf, acct, &env, data, len, why, verbose);
		}
		if (ntmp) {
			memset(&rinfo, 0, sizeof(rinfo));
			rinfo.err = PL_E_TEMPFAIL;
			rinfo.stage = PL_STAGE_RCPT;
			rinfo.code = code;
			env.rcpts = tmp;
			env.nrcpt = ntmp;
			if (queue_now(conf, &env, data, len, PL_E_TEMPFAIL, &rinfo) < 0)
				return -1;
			/* the caller reports the refused ones; only 4xx: done */
			return nperm ? -1 : EX_OK;
		}
		/* opportunistic: the server is up, send what waited for it */
		if (!nperm && open_queue(conf, 0, dir, sizeof(dir)) == PL_OK) {
			if (anything_due())
				(void)flush_open(conf, acct, 0, verbose, &st);
			pl_store_posix_close(&spool);
		}
		return -1;
	}
	if (queue_worthy(e, info->code))
		return queue_now(conf, &env, data, len, e, info) < 0 ? -1 : EX_OK;
	if (e == PL_E_PERMFAIL || e == PL_E_RCPT_REFUSED) {
		reply_text(why, sizeof(why), info, e, info->code);
		bounce_now(conf, acct, &env, data, len, why, verbose);
	}
	return -1;
}
