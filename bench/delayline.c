/*
 * delayline: a packet-level delay line between two TUN devices.
 *
 *   delayline [-d one_way_ms] [-n netns_path] TUN_A TUN_B
 *
 * Opens TUN_A in the caller's network namespace and, when -n is given,
 * TUN_B inside the network namespace at netns_path (e.g.
 * /var/run/netns/plbench-c); both devices must already exist (created with
 * "ip tuntap add dev X mode tun", persistent, IFF_NO_PI).  Every IP packet
 * read from one device is written, unchanged, to the other one after
 * one_way_ms milliseconds (default 25, so a round trip costs 50 ms).  Order is
 * preserved per direction; there is no rate limit, no loss, no reordering.
 * The kernel's TCP on both ends sees the real segments the clients send (no
 * TCP proxy: Nagle, delayed ACKs and write patterns stay visible).
 *
 * Runs until SIGTERM/SIGINT; prints packet counts per direction on exit.
 * With -r FILE it writes its pid to FILE once both devices are attached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 8192 /* packets in flight per direction */
#define PKTMAX 2048 /* MTU is set to 1500 by run.sh */

struct slot {
	uint64_t due_ns;
	uint16_t len;
	unsigned char data[PKTMAX];
};

struct dir {
	int in, out;
	struct slot *q;
	unsigned head, tail; /* head: next to send; tail: next free */
	unsigned long pkts, bytes, drops;
	const char *name;
};

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("open /dev/net/tun");
		exit(1);
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "delayline: TUNSETIFF %s: %s\n", name, strerror(errno));
		exit(1);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Read everything available on d->in into the queue. */
static void pull(struct dir *d, uint64_t delay)
{
	for (;;) {
		struct slot *s;
		ssize_t n;
		if (d->tail - d->head >= SLOTS) { /* full: drop (never seen at bench sizes) */
			unsigned char junk[PKTMAX];
			if (read(d->in, junk, sizeof junk) <= 0)
				return;
			d->drops++;
			continue;
		}
		s = &d->q[d->tail % SLOTS];
		n = read(d->in, s->data, sizeof s->data);
		if (n <= 0)
			return;
		s->len = (uint16_t)n;
		s->due_ns = now_ns() + delay;
		d->tail++;
	}
}

/* Write every packet whose time has come; return ns until the next one. */
static int64_t push(struct dir *d)
{
	uint64_t t = now_ns();
	while (d->head != d->tail) {
		struct slot *s = &d->q[d->head % SLOTS];
		if (s->due_ns > t)
			return (int64_t)(s->due_ns - t);
		if (write(d->out, s->data, s->len) < 0 && errno == EAGAIN) {
			return 100000; /* device queue full: retry in 0.1 ms */
		}
		d->pkts++;
		d->bytes += s->len;
		d->head++;
	}
	return -1;
}

int main(int argc, char **argv)
{
	double delay_ms = 25.0;
	const char *ns = NULL, *ready = NULL;
	struct dir ab, ba;
	int fa, fb, c;

	while ((c = getopt(argc, argv, "d:n:r:")) != -1) {
		switch (c) {
		case 'd': delay_ms = atof(optarg); break;
		case 'n': ns = optarg; break;
		case 'r': ready = optarg; break;
		default: goto usage;
		}
	}
	if (argc - optind != 2) {
	usage:
		fprintf(stderr, "usage: %s [-d one_way_ms] [-n netns_path] [-r pidfile] TUN_A TUN_B\n", argv[0]);
		return 2;
	}
	fa = tun_open(argv[optind]);
	if (ns) {
		int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
			fprintf(stderr, "delayline: setns %s: %s\n", ns, strerror(errno));
			return 1;
		}
		close(nsfd);
	}
	fb = tun_open(argv[optind + 1]);

	ab = (struct dir){ .in = fa, .out = fb, .name = "A->B" };
	ba = (struct dir){ .in = fb, .out = fa, .name = "B->A" };
	ab.q = calloc(SLOTS, sizeof *ab.q);
	ba.q = calloc(SLOTS, sizeof *ba.q);
	if (!ab.q || !ba.q) {
		perror("calloc");
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
	}

	uint64_t delay = (uint64_t)(delay_ms * 1e6);
	while (!stop) {
		struct pollfd p[2] = { { fa, POLLIN, 0 }, { fb, POLLIN, 0 } };
		int64_t w1 = push(&ab), w2 = push(&ba), w;
		struct timespec ts, *tp = NULL;
		w = w1 < 0 ? w2 : (w2 < 0 ? w1 : (w1 < w2 ? w1 : w2));
		if (w >= 0) {
			ts.tv_sec = w / 1000000000;
			ts.tv_nsec = w % 1000000000;
			tp = &ts;
		}
		if (ppoll(p, 2, tp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			perror("ppoll");
			break;
		}
		if (p[0].revents & POLLIN)
			pull(&ab, delay);
		if (p[1].revents & POLLIN)
			pull(&ba, delay);
	}
	fprintf(stderr, "delayline: %s %lu packets %lu bytes, %s %lu packets %lu bytes, drops %lu\n",
		ab.name, ab.pkts, ab.bytes, ba.name, ba.pkts, ba.bytes, ab.drops + ba.drops);
	return 0;
}
