/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - container_of(): the structure that embeds a member, from a
 * pointer to that member (a tool in its report, a sink in its writer, a
 * node in its table entry).
 */
#ifndef OVSPERF_CONTAINER_H
#define OVSPERF_CONTAINER_H

#include <stddef.h>

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#endif /* OVSPERF_CONTAINER_H */
