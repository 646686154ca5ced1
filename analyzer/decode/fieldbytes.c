// SPDX-License-Identifier: Apache-2.0
/*
 * decode/fieldbytes.c - the raw bytes of an array field (see decode/fieldbytes.h).
 */
#include "decode/fieldbytes.h"

const uint8_t *field_bytes(const struct evdec_field *f, const struct pdata_sample *sm,
			   uint32_t *len)
{
	struct evdec_field bytes = *f;

	/* Every byte: a char array would stop at its first NUL. */
	bytes.is_string = false;
	return evdec_field__data(&bytes, sm, len);
}
