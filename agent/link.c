#include "link.h"

pl_err pl_link_connect(pl_link *l, const char *host, uint16_t port, unsigned timeout_ms)
{
	pl_err e;

	l->waits = 0;
	l->bytes_in = l->bytes_out = 0;
	e = pl_port_connect(&l->conn, host, port, timeout_ms);
	if (e == PL_OK) {
		l->waits = 1;           /* the TCP handshake */
		l->sent_since_wait = 1; /* the greeting is one more wait */
	}
	return e;
}

long pl_link_send(pl_link *l, const void *buf, size_t len)
{
	long n = pl_port_send(&l->conn, buf, len);

	if (n > 0) {
		l->sent_since_wait = 1;
		l->bytes_out += (unsigned long)n;
	}
	return n;
}

long pl_link_recv(pl_link *l, void *buf, size_t len)
{
	long n;

	if (l->sent_since_wait) {
		l->waits++;
		l->sent_since_wait = 0;
	}
	n = pl_port_recv(&l->conn, buf, len);
	if (n > 0)
		l->bytes_in += (unsigned long)n;
	return n;
}

void pl_link_close(pl_link *l)
{
	pl_port_close(&l->conn);
}
