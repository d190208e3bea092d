/*
 * lwipopts.h of the Cortex-M4 example image (port/lwip/example): an RTOS
 * build (NO_SYS 0) with the socket API postlet's lwIP port needs, IPv4,
 * DHCP and DNS, and buffers sized for TLS records.  A starting point for a
 * real board, measured by `make size`; not tuned for any particular MAC.
 */
#ifndef PL_EXAMPLE_LWIPOPTS_H
#define PL_EXAMPLE_LWIPOPTS_H

/* ---- what port/lwip requires (port_lwip.c #errors name each) ---------- */
#define NO_SYS                          0
#define LWIP_TCP                        1
#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     1
#define LWIP_SO_RCVTIMEO                1
#define LWIP_SO_SNDTIMEO                1
#define LWIP_SOCKET_POLL                1   /* bounded connect */
#define LWIP_SOCKET_SELECT              0
#define LWIP_COMPAT_SOCKETS             0   /* port_lwip.c uses lwip_* names */
#define LWIP_POSIX_SOCKETS_IO_NAMES     0
#define LWIP_TCPIP_CORE_LOCKING         1
#define SYS_LIGHTWEIGHT_PROT            1
#define LWIP_ERRNO_STDINCLUDE           1   /* newlib's errno (per task with reent) */
#define LWIP_TIMEVAL_PRIVATE            0   /* newlib has struct timeval */

/* ---- network --------------------------------------------------------- */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define LWIP_ICMP                       1
#define LWIP_UDP                        1   /* DHCP and DNS */
#define LWIP_DHCP                       1
#define LWIP_DNS                        1
#define LWIP_RAW                        0
#define LWIP_IGMP                       0
#define LWIP_AUTOIP                     0
#define IP_REASSEMBLY                   0
#define IP_FRAG                         0
#define LWIP_NETIF_HOSTNAME             1
#define LWIP_NETIF_API                  0
#define LWIP_NETIF_LOOPBACK             0
#define LWIP_HAVE_LOOPIF                0

/* ---- memory: TLS-friendly (a server may send 16 KiB records) ---------- */
#define MEM_ALIGNMENT                   4
#define MEM_SIZE                        (16 * 1024)
#define MEMP_NUM_PBUF                   20
#define MEMP_NUM_TCP_PCB                4
#define MEMP_NUM_TCP_PCB_LISTEN         1
#define MEMP_NUM_NETCONN                4
#define MEMP_NUM_TCP_SEG                32
#define PBUF_POOL_SIZE                  12
#define PBUF_POOL_BUFSIZE               1536
#define TCP_MSS                         1460
#define TCP_WND                         (8 * TCP_MSS)
#define TCP_SND_BUF                     (4 * TCP_MSS)
#define TCP_SND_QUEUELEN                ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCPIP_MBOX_SIZE                 8
#define DEFAULT_TCP_RECVMBOX_SIZE       8
#define DEFAULT_UDP_RECVMBOX_SIZE       4
#define DEFAULT_ACCEPTMBOX_SIZE         2
#define TCPIP_THREAD_STACKSIZE          1024
#define TCPIP_THREAD_PRIO               3

/* ---- no statistics, no debug output in the image ---------------------- */
#define LWIP_STATS                      0
#define LWIP_NOASSERT                   1

/* Debian's lwip source package patches src/api/sockets.c (the Hurd port,
 * debian/patches/port) to set and read sockaddr lengths through macros its
 * external socket headers define.  lwIP's own sockets.h, used here, has
 * sin_len/sa_len, so they map onto those fields as upstream lwIP does. */
#define IP4ADDR_SOCKADDR_SET_LEN(sin)   ((sin)->sin_len = sizeof(struct sockaddr_in))
#define IP6ADDR_SOCKADDR_SET_LEN(sin6)  ((sin6)->sin6_len = sizeof(struct sockaddr_in6))
#define IPADDR_SOCKADDR_GET_LEN(addr)   ((addr)->sa.sa_len)

/* Initial ports and sequence numbers from the board's TRNG, not rand(). */
#ifndef __ASSEMBLER__
#include <stdint.h>
uint32_t board_rand32(void);
#endif
#define LWIP_RAND()                     board_rand32()

#endif
