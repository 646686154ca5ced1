/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/fieldbytes.h - the raw bytes of an array field of an event (the
 * packet bytes an upcall event carries), read by the pcapng writer's pass
 * and the timeline pass.
 */
#ifndef OVSPERF_DECODE_FIELDBYTES_H
#define OVSPERF_DECODE_FIELDBYTES_H

#include <stdint.h>

#include "ovsperf/evdec.h"
#include "ovsperf/pdata.h"

/*
 * field_bytes() - the bytes of array field @f of sample @sm, all of them:
 * evdec_field__data() stops char arrays at their first NUL, and packets have
 * zeros.
 * Return: a pointer into the sample (borrowed), *@len its size; NULL (*@len
 * 0) when the field lies outside the payload.
 */
const uint8_t *field_bytes(const struct evdec_field *f, const struct pdata_sample *sm,
			   uint32_t *len);

#endif /* OVSPERF_DECODE_FIELDBYTES_H */
