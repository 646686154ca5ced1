/*
 * upcall-fire: fires the USDT probe dpif_recv:recv_upcall with ovs-vswitchd's
 * argument layout (lib/dpif.c dpif_recv()):
 *
 *	arg1 dpif full name (char *), arg2 upcall type (int), arg3 packet data,
 *	arg4 packet size (uint32_t), arg5 flow key (netlink attributes),
 *	arg6 key length (size_t)
 *
 * over a fixed list of crafted packets (Ethernet, VLAN, IPv4, IPv6, TCP, UDP,
 * ICMP, ICMPv6, ARP, an unknown EtherType, a runt, a jumbo) and netlink flow
 * keys (every OVS_KEY_ATTR_* type, keys longer than a capture, a damaged
 * attribute), from a thread named "handler7", so that
 * `ovsperf-analyze upcalls` can be checked against what was fired.
 *
 * Usage: upcall-fire [wait] [ROUNDS]
 * With "wait", the handler thread exists first and fires when a byte or EOF
 * arrives on stdin, so that a recorder can attach to it (-p PID).
 * Prints one JSON object per fired upcall on stdout (dpif, type, tid, the
 * packet and key bytes in hex and their lengths).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BUF 2048

/* One upcall: the packet and key are built into buffers of BUF bytes, so
 * that a probe fetching more bytes than the lengths reads mapped memory. */
struct upcall {
	const char *dpif;
	int type;
	uint8_t pkt[BUF];
	uint32_t pkt_len;
	uint8_t key[BUF];
	size_t key_len;
};

static struct upcall ups[64];
static int nr_ups;
static int rounds = 1;

static size_t put(uint8_t *b, size_t off, const void *src, size_t len)
{
	memcpy(b + off, src, len);
	return off + len;
}

static size_t put16(uint8_t *b, size_t off, uint16_t v)	/* network order */
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
	return off + 2;
}

static size_t eth(uint8_t *b, uint8_t src, uint8_t dst, uint16_t type)
{
	const uint8_t d[6] = { 0x3c, 0xfd, 0xfe, 0x9e, 0x7f, dst };
	const uint8_t s[6] = { 0x04, 0xf4, 0xbc, 0x28, 0x57, src };
	size_t off = put(b, 0, d, 6);

	off = put(b, off, s, 6);
	return put16(b, off, type);
}

static size_t ipv4(uint8_t *b, size_t off, uint8_t proto, uint16_t payload, uint8_t last,
		   uint16_t frag)
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, proto, 0, 0,
			  10, 1, 0, 1, 10, 1, 0, last };

	h[2] = (uint8_t)((20 + payload) >> 8);
	h[3] = (uint8_t)(20 + payload);
	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	return put(b, off, h, 20);
}

static size_t ipv6(uint8_t *b, size_t off, uint8_t next, uint16_t payload)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 0, next, 255 };

	h[4] = (uint8_t)(payload >> 8);
	h[5] = (uint8_t)payload;
	h[8] = 0xfd;
	h[23] = 1;
	h[24] = 0xfd;
	h[39] = 2;
	return put(b, off, h, 40);
}

static size_t udp(uint8_t *b, size_t off, uint16_t sport, uint16_t dport, uint16_t payload)
{
	off = put16(b, off, sport);
	off = put16(b, off, dport);
	off = put16(b, off, (uint16_t)(8 + payload));
	return put16(b, off, 0);
}

static size_t fill(uint8_t *b, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[off + i] = (uint8_t)(0x2a + i);
	return off + n;
}

/* A netlink attribute, 4-byte aligned as the kernel lays them out. */
static size_t nla(uint8_t *b, size_t off, uint16_t type, const void *data, uint16_t len)
{
	uint16_t l = (uint16_t)(4 + len);

	memcpy(b + off, &l, 2);
	memcpy(b + off + 2, &type, 2);
	memcpy(b + off + 4, data, len);
	off += 4 + len;
	while (off & 3)
		b[off++] = 0;
	return off;
}

static size_t nla32(uint8_t *b, size_t off, uint16_t type, uint32_t v)
{
	return nla(b, off, type, &v, 4);
}

/* The key ovs-vswitchd gets for a miss: metadata, then the headers. */
static size_t std_key(uint8_t *b, uint32_t port, uint16_t ethertype)
{
	uint8_t ethk[12] = { 0x04, 0xf4, 0xbc, 0x28, 0x57, 0x01, 0x3c, 0xfd, 0xfe, 0x9e, 0x7f,
			     0x68 };
	uint8_t labels[16] = { 0 };
	uint16_t zone = 0, et = (uint16_t)(ethertype << 8 | ethertype >> 8);
	size_t off = 0;

	off = nla32(b, off, 20, 0);		/* RECIRC_ID */
	off = nla32(b, off, 19, 0);		/* DP_HASH */
	off = nla32(b, off, 2, 0);		/* PRIORITY */
	off = nla32(b, off, 3, port);		/* IN_PORT */
	off = nla32(b, off, 15, 0);		/* SKB_MARK */
	off = nla32(b, off, 22, 0);		/* CT_STATE */
	off = nla(b, off, 23, &zone, 2);	/* CT_ZONE */
	off = nla32(b, off, 24, 0);		/* CT_MARK */
	off = nla(b, off, 25, labels, 16);	/* CT_LABELS */
	off = nla(b, off, 4, ethk, 12);		/* ETHERNET */
	return nla(b, off, 6, &et, 2);		/* ETHERTYPE */
}

static struct upcall *add(const char *dpif, int type)
{
	struct upcall *u = &ups[nr_ups++];

	u->dpif = dpif;
	u->type = type;
	return u;
}

static void build(void)
{
	uint8_t ipk[12] = { 10, 1, 0, 1, 10, 1, 0, 2, 17, 0, 64, 0 };
	uint8_t l4[4] = { 0x30, 0x39, 0x00, 0x35 };
	struct upcall *u;
	size_t off;
	int t;

	/* 1. IPv4/UDP, standard key with IPV4 and UDP (140 bytes: longer than
	 * the 128 bytes captured). */
	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 1, 2, 0x0800);
	off = ipv4(u->pkt, off, 17, 8 + 18, 2, 0);
	off = udp(u->pkt, off, 12345, 53, 18);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 18);
	off = std_key(u->key, 2, 0x0800);
	off = nla(u->key, off, 7, ipk, 12);	/* IPV4 */
	u->key_len = nla(u->key, off, 10, l4, 4);	/* UDP */

	/* 2. VLAN 100 + IPv4/TCP SYN, action upcall, short key. */
	u = add("system@ovs-system", 1);
	off = eth(u->pkt, 3, 4, 0x8100);
	off = put16(u->pkt, off, 0x2064);	/* pcp 1, vid 100 */
	off = put16(u->pkt, off, 0x0800);
	off = ipv4(u->pkt, off, 6, 20, 4, 0);
	off = put16(u->pkt, off, 40000);
	off = put16(u->pkt, off, 80);
	off = put(u->pkt, off, "\x00\x00\x03\xe8\x00\x00\x00\x00\x50\x02\xff\xff\x00\x00\x00\x00",
		  16);
	u->pkt_len = (uint32_t)off;
	off = nla32(u->key, 0, 3, 7);
	off = nla(u->key, off, 5, "\x20\x64", 2);	/* VLAN */
	u->key_len = nla(u->key, off, 18, "\x00\x02", 2);	/* TCP_FLAGS */

	/* 3. IPv6/UDP on another datapath. */
	u = add("system@br-int", 0);
	off = eth(u->pkt, 5, 6, 0x86dd);
	off = ipv6(u->pkt, off, 17, 8 + 4);
	off = udp(u->pkt, off, 546, 547, 4);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 4);
	off = nla32(u->key, 0, 3, 1);
	u->key_len = nla(u->key, off, 8, u->pkt + 22, 40);	/* IPV6 (40 bytes) */

	/* 4. IPv4/ICMP echo request, seq 7. */
	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 1, 2, 0x0800);
	off = ipv4(u->pkt, off, 1, 8 + 32, 2, 0);
	off = put(u->pkt, off, "\x08\x00\x00\x00\x12\x34\x00\x07", 8);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 32);
	off = nla32(u->key, 0, 3, 2);
	u->key_len = nla(u->key, off, 11, "\x08\x00", 2);	/* ICMP */

	/* 5. ARP request. */
	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 1, 0xff, 0x0806);
	memset(u->pkt, 0xff, 6);
	off = put(u->pkt, off, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	off = put(u->pkt, off, "\x04\xf4\xbc\x28\x57\x01\x0a\x01\x00\x01", 10);
	off = put(u->pkt, off, "\x00\x00\x00\x00\x00\x00\x0a\x01\x00\x02", 10);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 18);
	off = nla32(u->key, 0, 3, 2);
	u->key_len = nla(u->key, off, 13, u->pkt + 28, 24);	/* ARP */

	/* 6. IPv6/ICMPv6 echo request; 7. IPv4 fragment; 8. IPv4/TCP to port 80. */
	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 5, 6, 0x86dd);
	off = ipv6(u->pkt, off, 58, 8);
	u->pkt_len = (uint32_t)put(u->pkt, off, "\x80\x00\x00\x00\x00\x01\x00\x02", 8);
	u->key_len = nla(u->key, 0, 12, "\x80\x00", 2);	/* ICMPV6 */

	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 1, 2, 0x0800);
	off = ipv4(u->pkt, off, 17, 40, 2, 0x2000 | 185);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 40);
	u->key_len = nla32(u->key, 0, 3, 2);

	/* 9. Every attribute type (0..32) and an unknown one (40), one key
	 * each, 4-byte payloads. */
	for (t = 0; t <= 33; t++) {
		u = add("system@ovs-system", 0);
		u->pkt_len = (uint32_t)eth(u->pkt, 9, 9, 0x88cc);	/* LLDP: unknown */
		u->pkt_len = (uint32_t)fill(u->pkt, u->pkt_len, 46);
		u->key_len = nla32(u->key, 0, (uint16_t)(t == 33 ? 40 : t), (uint32_t)t);
	}

	/* 10. A runt (10 bytes); 11. a jumbo of 1500 bytes; 12. a damaged key
	 * (nla_len 2), 13. a key whose attribute claims more than the key. */
	u = add("system@ovs-system", 2);
	u->pkt_len = (uint32_t)fill(u->pkt, 0, 10);
	u->key_len = 0;

	u = add("system@ovs-system", 0);
	off = eth(u->pkt, 1, 2, 0x0800);
	off = ipv4(u->pkt, off, 17, 1500 - 34, 2, 0);
	off = udp(u->pkt, off, 4789, 4789, 1500 - 42);
	u->pkt_len = (uint32_t)fill(u->pkt, off, 1500 - 42);
	u->key_len = nla32(u->key, 0, 3, 3);

	u = add("system@ovs-system", 0);
	u->pkt_len = (uint32_t)fill(u->pkt, eth(u->pkt, 1, 2, 0x0800), 20);
	memcpy(u->key, "\x02\x00\x03\x00\x00\x00\x00\x00", 8);
	u->key_len = 8;

	u = add("system@ovs-system", 0);
	u->pkt_len = (uint32_t)fill(u->pkt, eth(u->pkt, 1, 2, 0x0800), 20);
	off = nla32(u->key, 0, 3, 2);
	memcpy(u->key + off, "\x40\x00\x07\x00\x0a\x01\x00\x01", 8);	/* IPV4, len 64 */
	u->key_len = off + 8;
}

static void hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static void *handler(void *arg)
{
	int *go = arg;
	long tid = syscall(SYS_gettid);
	char c;

	prctl(PR_SET_NAME, "handler7", 0, 0, 0);
	if (*go && read(STDIN_FILENO, &c, 1) < 0)
		perror("read");
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < nr_ups; i++) {
			struct upcall *u = &ups[i];
			struct timespec ts = { 0, 200000 };

			DTRACE_PROBE6(dpif_recv, recv_upcall, u->dpif, u->type, u->pkt,
				      u->pkt_len, u->key, u->key_len);
			printf("{\"tid\": %ld, \"dpif\": \"%s\", \"type\": %d, \"pkt_len\": %u, "
			       "\"key_len\": %zu, \"pkt\": \"", tid, u->dpif, u->type,
			       u->pkt_len, u->key_len);
			hex(u->pkt, u->pkt_len);
			printf("\", \"key\": \"");
			hex(u->key, u->key_len);
			printf("\"}\n");
			nanosleep(&ts, NULL);
		}
	}
	fflush(stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	int go = argc > 1 && !strcmp(argv[1], "wait");
	pthread_t th;

	if (argc > 1 + go)
		rounds = atoi(argv[1 + go]);
	build();
	if (pthread_create(&th, NULL, handler, &go)) {
		fprintf(stderr, "upcall-fire: pthread_create failed\n");
		return 1;
	}
	pthread_join(th, NULL);
	return 0;
}
