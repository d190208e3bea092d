/*
 * A firmware-like lwipopts.h for the compile-only check of port/lwip
 * (tests/lwip/compile-check.sh): lwIP's own socket headers (no
 * LWIP_SOCKET_EXTERNAL_HEADERS, unlike Debian's Hurd build), only what
 * port_lwip.c needs switched on.  Variant knobs (-D on the command line):
 *   PLT_WAIT   1 = LWIP_SOCKET_POLL, 2 = LWIP_SOCKET_SELECT, 0 = neither
 *   PLT_DNS    LWIP_DNS
 *   PLT_IPV4 / PLT_IPV6
 *   PLT_NONSTD LWIP_SO_SNDRCVTIMEO_NONSTANDARD (int ms instead of timeval)
 *   PLT_RCVTIMEO / PLT_SNDTIMEO / PLT_SOCKET / PLT_TCP / PLT_NO_SYS
 *              to prove the #error messages fire
 */
#ifndef PLT_LWIPOPTS_MIN_H
#define PLT_LWIPOPTS_MIN_H

#ifndef PLT_WAIT
#define PLT_WAIT 1
#endif
#ifndef PLT_DNS
#define PLT_DNS 1
#endif
#ifndef PLT_IPV4
#define PLT_IPV4 1
#endif
#ifndef PLT_IPV6
#define PLT_IPV6 1
#endif
#ifndef PLT_NONSTD
#define PLT_NONSTD 0
#endif
#ifndef PLT_RCVTIMEO
#define PLT_RCVTIMEO 1
#endif
#ifndef PLT_SNDTIMEO
#define PLT_SNDTIMEO 1
#endif
#ifndef PLT_SOCKET
#define PLT_SOCKET 1
#endif
#ifndef PLT_TCP
#define PLT_TCP 1
#endif
#ifndef PLT_NO_SYS
#define PLT_NO_SYS 0
#endif

#define NO_SYS                      PLT_NO_SYS
#define LWIP_SOCKET                 PLT_SOCKET
#define LWIP_NETCONN                1
#define LWIP_COMPAT_SOCKETS         0
#define LWIP_TCP                    PLT_TCP
#define LWIP_UDP                    1
#define LWIP_IPV4                   PLT_IPV4
#define LWIP_IPV6                   PLT_IPV6
#define LWIP_DNS                    PLT_DNS
#define LWIP_SO_RCVTIMEO            PLT_RCVTIMEO
#define LWIP_SO_SNDTIMEO            PLT_SNDTIMEO
#define LWIP_SO_SNDRCVTIMEO_NONSTANDARD PLT_NONSTD
#define LWIP_SOCKET_POLL            (PLT_WAIT == 1)
#define LWIP_SOCKET_SELECT          (PLT_WAIT == 2)
#define LWIP_TCPIP_CORE_LOCKING     1
#define SYS_LIGHTWEIGHT_PROT        1

/* TLS-friendly sizes (wolfSSL's lwIP notes; a starting point only) */
#define TCP_MSS                     1460
#define TCP_WND                     (11 * TCP_MSS)
#define TCP_SND_BUF                 (4 * TCP_MSS)
#define MEM_SIZE                    (16 * 1024)
#define MEMP_NUM_PBUF               20
#define PBUF_POOL_BUFSIZE           2048

#endif
