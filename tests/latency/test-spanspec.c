// SPDX-License-Identifier: Apache-2.0
/*
 * test-spanspec.c - the span specification parser shared by the latency
 * report and the timeline export: syntax alone (no recording), then resolved
 * against testdata/net.data (net:netif_rx, net:netif_receive_skb, skb:*):
 * '|' choices, ',' alternatives, optional last stages, strict and not.
 *
 * Usage: test-spanspec TESTDATA_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/pdata.h"
#include "engine/spanspec.h"
#include "check.h"

static const char *ev_name(struct pdata_session *s, const struct spanspec *ss, int k, int a)
{
	return pdata_session__evsel(s, ss->stages[k].evsel[a])->name;
}

static void test_syntax(void)
{
	struct spanspec ss;

	CHECK(spanspec__parse(&ss, "t", "a->b", NULL, true) == 0);
	CHECK_U64(ss.nr_stages, 2);
	CHECK(spanspec__parse(&ss, "t", "a->->b->", NULL, true) == 0);	/* empty stages */
	CHECK_U64(ss.nr_stages, 2);
	CHECK(spanspec__parse(&ss, "t", "a,b|c->d?", NULL, true) == 0);
	CHECK_U64(ss.nr_stages, 2);
	CHECK(spanspec__parse(&ss, "t", "a", NULL, true) == -EINVAL);
	CHECK(spanspec__parse(&ss, "t", "", NULL, true) == -EINVAL);
	CHECK(spanspec__parse(&ss, "t", "a->b->c->d->e->f", NULL, true) == 0);
	CHECK_U64(ss.nr_stages, SPAN_MAX_STAGES);
	CHECK(spanspec__parse(&ss, "t", "a->b->c->d->e->f->g", NULL, true) == -EINVAL);
	CHECK(spanspec__preset("ovs-dp") != NULL);
	CHECK(spanspec__preset("backlog") != NULL);
	CHECK(spanspec__preset("nothing") == NULL);
	for (size_t i = 0; i < spanspec_nr_presets; i++)
		CHECK(spanspec__parse(&ss, "t", spanspec_presets[i].spec, NULL, true) == 0);
}

static void test_resolved(const char *dir)
{
	struct pdata_session *s = NULL;
	struct spanspec ss;
	char path[4096];

	snprintf(path, sizeof(path), "%s/net.data", dir);
	CHECK(pdata_session__open(&s, path, NULL) == 0);
	if (!s)
		return;
	CHECK(spanspec__parse(&ss, "t", "net:netif_rx->net:netif_receive_skb", s, true) == 0);
	CHECK_U64(ss.nr_stages, 2);
	CHECK_STR(ev_name(s, &ss, 0, 0), "net:netif_rx");
	CHECK_STR(ev_name(s, &ss, 1, 0), "net:netif_receive_skb");
	/* '|': the first the recording has; ',': every one it has; bare names. */
	CHECK(spanspec__parse(&ss, "t", "nothing|netif_rx->nope,skb:kfree_skb,consume_skb", s,
			      true) == 0);
	CHECK_STR(ev_name(s, &ss, 0, 0), "net:netif_rx");
	CHECK_U64(ss.stages[1].nr_alts, 2);
	CHECK_STR(ev_name(s, &ss, 1, 0), "skb:kfree_skb");
	CHECK_STR(ev_name(s, &ss, 1, 1), "skb:consume_skb");
	/* An optional last stage the recording lacks: the span ends before it. */
	CHECK(spanspec__parse(&ss, "t", "net:netif_rx->net:netif_receive_skb->ip_rcv?", s,
			      true) == 0);
	CHECK_U64(ss.nr_stages, 2);
	/* A required stage missing: an error when strict, "not applicable" else. */
	CHECK(spanspec__parse(&ss, "t", "net:netif_rx->sched:nothing", s, true) == -ENOENT);
	CHECK(strstr(ovp_errmsg(), "no event of stage 2") != NULL);
	CHECK(spanspec__parse(&ss, "t", "net:netif_rx->sched:nothing", s, false) == 1);
	CHECK(spanspec__parse(&ss, "t", "net:netif_rx", s, true) == -EINVAL);
	CHECK(strstr(ovp_errmsg(), "needs at least two stages") != NULL);
	CHECK_U64(ss.nr_ignored, 0);
	pdata_session__close(s);

	/* One point recorded twice (kprobe and tracepoint): the first recorded
	 * is used, the other noted as left out, and both named. */
	snprintf(path, sizeof(path), "%s/ovs-lab.data", dir);
	s = NULL;
	CHECK(pdata_session__open(&s, path, NULL) == 0);
	if (!s)
		return;
	CHECK(spanspec__parse(&ss, "t", "ovs_vport_receive->do_output,ovs_dp_upcall", s,
			      true) == 0);
	CHECK_U64(ss.stages[1].nr_alts, 2);
	CHECK_STR(ev_name(s, &ss, 1, 1), "probe:ovs_dp_upcall");
	CHECK_U64(ss.nr_ignored, 1);
	CHECK_STR(pdata_session__evsel(s, ss.ignored[0].evsel)->name,
		  "openvswitch:ovs_dp_upcall");
	CHECK_STR(pdata_session__evsel(s, ss.ignored[0].used)->name, "probe:ovs_dp_upcall");
	pdata_session__close(s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-spanspec TESTDATA_DIR\n");
		return 2;
	}
	test_syntax();
	test_resolved(argv[1]);
	if (check_failures)
		fprintf(stderr, "test-spanspec: %d checks failed\n", check_failures);
	else
		printf("test-spanspec: all checks passed\n");
	return check_failures ? 1 : 0;
}
