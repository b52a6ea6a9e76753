/*
 * tap.h: just enough TAP (Test Anything Protocol) for prove.
 *
 *     ok(cond, "name %d", i);   is_int(got, want, "name");
 *     is_str(got, want, "name");  skip(n, "why");  return tap_done();
 *
 * The plan is printed at the end ("1..N"); the exit status is the number
 * of failures (capped at 254) so that a crash is never mistaken for a pass.
 */

#ifndef SFU_TAP_H
#define SFU_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int
ok(int cond, const char *fmt, ...)
{
    va_list ap;

    tap_run++;
    printf("%sok %d - ", cond ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");

    if (!cond) {
        tap_failed++;
    }
    fflush(stdout);

    return cond;
}

#define is_int(got, want, name)                                           \
    do {                                                                  \
        long long tap_g_ = (long long) (got), tap_w_ = (long long) (want);\
        if (!ok(tap_g_ == tap_w_, "%s", name)) {                          \
            printf("#   got: %lld\n#   expected: %lld\n", tap_g_, tap_w_);\
        }                                                                 \
    } while (0)

#define is_str(got, want, name)                                           \
    do {                                                                  \
        const char *tap_g_ = (got), *tap_w_ = (want);                     \
        if (!ok(tap_g_ != NULL && strcmp(tap_g_, tap_w_) == 0, "%s",      \
                name))                                                    \
        {                                                                 \
            printf("#   got: \"%s\"\n#   expected: \"%s\"\n",             \
                   tap_g_ ? tap_g_ : "(null)", tap_w_);                   \
        }                                                                 \
    } while (0)

/* n tests that cannot run here, and why */
__attribute__((unused))
static void
skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        printf("ok %d # skip %s\n", ++tap_run, why);
    }
    fflush(stdout);
}

__attribute__((unused))
static int
tap_done(void)
{
    printf("1..%d\n", tap_run);
    return tap_failed > 254 ? 254 : tap_failed;
}

#endif
