/*
 * The CHECK macros shared by the C tests: count passes and failures, and
 * print file:line and the failed expression (for a status, what came back).
 * Each test prints "<P> passed, <F> failed" from g_passed and g_failed.
 */
#ifndef MEDIAPLANE_TEST_CHECK_H
#define MEDIAPLANE_TEST_CHECK_H

#include <stdio.h>

#include "mediaplane.h"

static unsigned g_passed, g_failed;

#define CHECK(expr)                                                          \
    do {                                                                     \
        if (expr) {                                                          \
            g_passed++;                                                      \
        } else {                                                             \
            g_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #expr);                                                  \
        }                                                                    \
    } while (0)

/* CHECK for a status, printing what came back instead. */
#define CHECK_ST(call, want)                                                 \
    do {                                                                     \
        mp_status got_ = (call);                                             \
        if (got_ == (want)) {                                                \
            g_passed++;                                                      \
        } else {                                                             \
            g_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (got %d, %s)\n",  \
                    __FILE__, __LINE__, #call, #want, (int)got_,             \
                    mp_status_str(got_));                                    \
        }                                                                    \
    } while (0)

#endif
