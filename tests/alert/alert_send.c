/*
 * The firmware alert API on the host, against the real test bed: POSIX
 * port, RAM store or block store over a file-backed NOR flash double
 * (tests/unit/flash_sim.c, the same image across runs = across reboots).
 * Commands run in order; tests/alert/suite.sh judges the output.
 *
 *   alert_send [options] CMD...
 *     --store ram | block:FILE   --host H --port P --ca FILE
 *     --user U --pass P --from ADDR --to ADDR
 *     --per-key N --global N --window S --dedupe 0|1   (storm control)
 *   commands:
 *     send N SUBJECT     N identical alerts (same subject and body)
 *     sendn N SUBJECT    N alerts, subjects "SUBJECT #i"
 *     poll | flush       deliver what is due / everything now
 *     advance S          the alert clock moves S seconds on
 *     port P             the account's port from now on (server down/up)
 *     count              records in the store
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/alert.h"
#include "store_block.h"
#include "store_ram.h"
#include "../unit/flash_sim.h"

static int64_t clock_base, clock_skew;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_base + clock_skew;
}

static void done(void *ctx, const pl_alert_outcome *o)
{
	(void)ctx;
	printf("outcome id=%lu err=%s stage=%s code=%d enhanced=%s attempts=%lu retries_left=%lu final=%d ambiguous=%d\n",
	       (unsigned long)o->id, o->err ? pl_strerror(o->err) : "ok",
	       o->err ? pl_stage_name(o->stage) : "-", o->code, o->enhanced[0] ? o->enhanced : "-",
	       (unsigned long)o->attempts, (unsigned long)o->retries_left, o->final, o->ambiguous);
}

static uint32_t count(const pl_store *s)
{
	uint32_t c = 0;
	uint64_t b;

	s->ops->usage(s->ctx, &c, &b);
	return c;
}

int main(int argc, char **argv)
{
	static pl_alert_ctx ctx;
	static uint8_t ram[PL_STORE_RAM_BYTES * 4];
	static pl_store_ram rs;
	static pl_store_block bs;
	static flash_sim sim;
	const char *store = "ram", *rcpt[1] = { NULL };
	pl_alert_config cfg;
	pl_account a;
	pl_store st;
	int i;

	memset(&cfg, 0, sizeof(cfg));
	memset(&a, 0, sizeof(a));
	a.host = "localhost";
	a.tls_mode = PL_TLS_STARTTLS;
	a.auth_mechs = PL_AUTH_PLAIN;
	a.ehlo_domain = "device.postlet.test";
	a.timeout_ms = 20000;
	pl_storm_defaults(&cfg.storm);
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--store")) store = v;
		else if (!strcmp(k, "--host")) a.host = v;
		else if (!strcmp(k, "--port")) a.port = (uint16_t)atoi(v);
		else if (!strcmp(k, "--ca")) a.trust_file = v;
		else if (!strcmp(k, "--user")) a.user = v;
		else if (!strcmp(k, "--pass")) a.password = v;
		else if (!strcmp(k, "--from")) cfg.from = v;
		else if (!strcmp(k, "--to")) rcpt[0] = v;
		else if (!strcmp(k, "--per-key")) cfg.storm.per_key = (uint32_t)atoi(v);
		else if (!strcmp(k, "--global")) cfg.storm.global = (uint32_t)atoi(v);
		else if (!strcmp(k, "--window")) cfg.storm.window_s = (uint32_t)atoi(v);
		else if (!strcmp(k, "--dedupe")) cfg.storm.dedupe = atoi(v);
		else {
			fprintf(stderr, "alert_send: unknown option %s\n", k);
			return 64;
		}
	}
	if (!cfg.from || !rcpt[0] || i >= argc) {
		fprintf(stderr, "usage: alert_send --from A --to A [options] CMD...\n");
		return 64;
	}
	if (!strcmp(store, "ram")) {
		pl_store_ram_init(&rs, ram, sizeof(ram), 0);
		st = pl_store_ram_store(&rs);
	} else if (!strncmp(store, "block:", 6)) {
		if (flash_sim_init(&sim, 4096, 16, 4, store + 6) != 0 ||
		    pl_store_block_init(&bs, &sim.f, 0) != PL_OK) {
			fprintf(stderr, "alert_send: cannot open flash image %s\n", store + 6);
			return 74;
		}
		st = pl_store_block_store(&bs);
		printf("recovered %lu records (torn entries %lu)\n", (unsigned long)count(&st),
		       (unsigned long)pl_store_block_counters(&bs)->torn);
	} else {
		fprintf(stderr, "alert_send: --store ram or block:FILE\n");
		return 64;
	}
	cfg.rcpts = rcpt;
	cfg.nrcpt = 1;
	cfg.from_name = "postlet alert test";
	cfg.done = done;
	{
		int64_t t;
		int off;

		if (pl_port_wall_clock(&t, &off) != PL_OK)
			t = 0;
		clock_base = t;
	}
	cfg.now = fake_now;
	cfg.now_is_wall = 1;
	if (pl_alert_init(&ctx, &cfg, &st, &a) != PL_OK) {
		fprintf(stderr, "alert_send: pl_alert_init failed\n");
		return 70;
	}
	for (; i < argc; i++) {
		const char *c = argv[i];

		if ((!strcmp(c, "send") || !strcmp(c, "sendn")) && i + 2 < argc) {
			int n = atoi(argv[i + 1]), k, queued = 0, supp = 0;
			char subject[200], body[256];

			for (k = 1; k <= n; k++) {
				pl_alert al;
				pl_store_id id;
				pl_err e;

				memset(&al, 0, sizeof(al));
				if (c[4] == 'n')
					snprintf(subject, sizeof(subject), "%s #%d", argv[i + 2], k);
				else
					snprintf(subject, sizeof(subject), "%s", argv[i + 2]);
				snprintf(body, sizeof(body), "%s\nsent by tests/alert/alert_send.c\n", subject);
				al.subject = subject;
				al.body = body;
				al.priority = 100;
				e = pl_alert_send(&ctx, &al, &id);
				if (e) {
					printf("send %d: %s\n", k, pl_strerror(e));
					return 1;
				}
				queued += id != 0;
				supp += id == 0;
			}
			printf("queued %d suppressed %d\n", queued, supp);
			i += 2;
		} else if (!strcmp(c, "poll") || !strcmp(c, "flush")) {
			int n = c[0] == 'p' ? pl_alert_poll(&ctx) : pl_alert_flush(&ctx);

			printf("%s: delivered %d\n", c, n);
		} else if (!strcmp(c, "advance") && i + 1 < argc) {
			clock_skew += atoi(argv[++i]);
		} else if (!strcmp(c, "port") && i + 1 < argc) {
			a.port = (uint16_t)atoi(argv[++i]);
		} else if (!strcmp(c, "count")) {
			printf("store: %lu records\n", (unsigned long)count(&st));
		} else {
			fprintf(stderr, "alert_send: bad command %s\n", c);
			return 64;
		}
	}
	printf("stats queued=%lu suppressed=%lu digests=%lu delivered=%lu failed=%lu deferred=%lu\n",
	       (unsigned long)ctx.stats.queued, (unsigned long)ctx.stats.suppressed,
	       (unsigned long)ctx.stats.digests, (unsigned long)ctx.stats.delivered,
	       (unsigned long)ctx.stats.failed, (unsigned long)ctx.stats.deferred);
	if (!strncmp(store, "block:", 6))
		flash_sim_free(&sim);
	return 0;
}
