/*
 * udp-send: bounded UDP traffic for the net*.data recordings made by
 * scripts/make-testdata (between the ovsperf-ns1/ovsperf-ns2 network
 * namespaces only).
 *
 * Usage:
 *   udp-send send ADDR PORT COUNT [SIZE [GAP_US]]
 *	COUNT datagrams of SIZE bytes (default 64), GAP_US apart (default 1000).
 *   udp-send badsum ADDR PORT COUNT
 *	COUNT datagrams built on a raw socket with a wrong UDP checksum, so the
 *	receiver drops them (kfree_skb reason UDP_CSUM).
 *   udp-send recv PORT TIMEOUT_MS [COUNT]
 *	receives on 0.0.0.0:PORT until COUNT datagrams arrived (if given) or
 *	TIMEOUT_MS pass without one, and prints how many arrived.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_dst(const char *addr, const char *port, struct sockaddr_in *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->sin_family = AF_INET;
	dst->sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, addr, &dst->sin_addr) != 1) {
		fprintf(stderr, "udp-send: bad address %s\n", addr);
		return -1;
	}
	return 0;
}

static int do_send(struct sockaddr_in *dst, long count, long size, long gap_us)
{
	char buf[1472];
	long i;
	int fd;

	if (size < 1 || size > (long)sizeof(buf))
		size = 64;
	memset(buf, 'u', sizeof(buf));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (i = 0; i < count; i++) {
		/* ECONNREFUSED from an earlier ICMP port-unreachable is expected: keep going. */
		sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)dst, sizeof(*dst));
		if (gap_us)
			usleep((useconds_t)gap_us);
	}
	close(fd);
	return 0;
}

static int do_badsum(struct sockaddr_in *dst, long count)
{
	struct {
		struct udphdr uh;
		char payload[32];
	} pkt;
	long i;
	int fd;

	/* A raw IPPROTO_UDP socket: the kernel adds the IP header, we give the UDP one. */
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	if (fd < 0) {
		perror("socket(SOCK_RAW)");
		return 1;
	}
	memset(&pkt, 'b', sizeof(pkt));
	pkt.uh.source = htons(40000);
	pkt.uh.dest = dst->sin_port;
	pkt.uh.len = htons(sizeof(pkt));
	pkt.uh.check = htons(0xdead);
	for (i = 0; i < count; i++) {
		sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)dst, sizeof(*dst));
		usleep(1000);
	}
	close(fd);
	return 0;
}

static int do_recv(const char *port, long timeout_ms, long count)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct pollfd pfd;
	long received = 0;
	char buf[2048];
	int fd;

	addr.sin_port = htons((unsigned short)atoi(port));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("udp-send recv");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((count <= 0 || received < count) && poll(&pfd, 1, (int)timeout_ms) > 0)
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			received++;
	printf("received %ld\n", received);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst;

	if (argc >= 5 && !strcmp(argv[1], "send")) {
		if (parse_dst(argv[2], argv[3], &dst))
			return 2;
		return do_send(&dst, atol(argv[4]), argc > 5 ? atol(argv[5]) : 64,
			       argc > 6 ? atol(argv[6]) : 1000);
	}
	if (argc >= 5 && !strcmp(argv[1], "badsum")) {
		if (parse_dst(argv[2], argv[3], &dst))
			return 2;
		return do_badsum(&dst, atol(argv[4]));
	}
	if (argc >= 4 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atol(argv[3]), argc > 4 ? atol(argv[4]) : 0);
	fprintf(stderr, "usage: udp-send send ADDR PORT COUNT [SIZE [GAP_US]]\n"
			"       udp-send badsum ADDR PORT COUNT\n"
			"       udp-send recv PORT TIMEOUT_MS [COUNT]\n");
	return 2;
}
