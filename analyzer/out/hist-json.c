// SPDX-License-Identifier: Apache-2.0
/*
 * out/hist-json.c - histograms of a report model back into lib/hist.c's
 * structures for the text writers (see out/hist-json.h): the model carries
 * only the non-empty buckets, the printers want the slots.
 */
#include "out/hist-json.h"

uint64_t out_json_u64(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v) && json_real_value(v) > 0)
		return json_real_value(v) >= 18446744073709551615.0 ? UINT64_MAX
							       : (uint64_t)json_real_value(v);
	return 0;
}

void out_hist_log2_from_json(struct hist_log2 *h, const json_t *buckets, const char *lo_key)
{
	const json_t *b;
	size_t i;

	*h = (struct hist_log2){ 0 };
	json_array_foreach(buckets, i, b) {
		uint64_t n = out_json_u64(json_object_get(b, "count"));

		h->slots[hist_log2__slot(out_json_u64(json_object_get(b, lo_key)))] += n;
		h->count += n;
	}
}

int out_hist_lin_from_json(struct hist_lin *h, const json_t *shape, const json_t *buckets,
			   const char *lo_key, const char *hi_key)
{
	const json_t *b;
	size_t i;
	int err;

	err = hist_lin__init(h, out_json_u64(json_object_get(shape, "min")),
			     out_json_u64(json_object_get(shape, "max")),
			     out_json_u64(json_object_get(shape, "step")));
	if (err)
		return err;
	json_array_foreach(buckets, i, b) {
		uint64_t lo = out_json_u64(json_object_get(b, lo_key));
		const json_t *hi = json_object_get(b, hi_key);
		uint64_t n = out_json_u64(json_object_get(b, "count"));

		if (json_is_null(hi))
			h->over += n;
		else if (lo < h->min)
			h->under += n;	/* [0, min) */
		else if ((lo - h->min) / h->step < h->nr_slots)
			h->slots[(lo - h->min) / h->step] += n;
		h->count += n;
	}
	return 0;
}
