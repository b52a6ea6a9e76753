/*
 * The free guard: an object its owner frees while it is held lives until
 * the last hold ends, then goes exactly once; calls that find it dead
 * stop.  The objects are on the heap, so a sanitizer build catches a
 * use after the free.
 */
#include "tap.h"
#include "free_guard.h"

#include <glib.h>

struct thing {
    sfu_free_guard_t guard;
    unsigned        *destroyed;      /* outlives the thing */
    unsigned         steps;          /* done while alive */
};

static void
thing_destroy(void *obj)
{
    struct thing *t = obj;

    (*t->destroyed)++;
    g_free(t);
}

static struct thing *
thing_new(unsigned *destroyed)
{
    struct thing *t = g_new0(struct thing, 1);

    sfu_free_guard_init(&t->guard, thing_destroy, t);
    t->destroyed = destroyed;
    return t;
}

/* The owner frees the thing (from inside a callback or not). */
static void
thing_free(struct thing *t)
{
    if (sfu_free_guard_dead(&t->guard)) {
        return;
    }
    sfu_free_guard_kill(&t->guard);
}

/* A callback to the owner, which frees the thing if asked to. */
static void
owner_callback(struct thing *t, bool frees)
{
    if (frees) {
        thing_free(t);
    }
}

/* A call that runs a callback, then goes on with the thing if it may:
   how transport.c and the ICE backends use the guard.  0 or -1. */
static int
thing_call(struct thing *t, bool owner_frees)
{
    sfu_free_guard_hold(&t->guard);
    owner_callback(t, owner_frees);
    if (!sfu_free_guard_release(&t->guard)) {
        return -1;
    }
    t->steps++;
    return 0;
}

/* An outer call whose inner call's callback frees the thing. */
static int
thing_nested_call(struct thing *t)
{
    int inner;

    sfu_free_guard_hold(&t->guard);
    inner = thing_call(t, true);
    if (!ok(inner == -1 && sfu_free_guard_dead(&t->guard),
            "nested: the inner call stops, the thing dead but kept "
            "for the outer one"))
    {
        return -2;
    }
    return sfu_free_guard_release(&t->guard) ? 0 : -1;
}

int
main(void)
{
    unsigned destroyed = 0;
    struct thing *t;

    t = thing_new(&destroyed);
    thing_free(t);
    is_int(destroyed, 1, "freed while nothing holds it: destroyed at once");

    destroyed = 0;
    t = thing_new(&destroyed);
    is_int(thing_call(t, false), 0, "a call whose callback does not free "
           "it goes on");
    ok(t->steps == 1 && destroyed == 0 && !sfu_free_guard_dead(&t->guard),
       "... and the thing lives");
    sfu_free_guard_hold(&t->guard);
    thing_free(t);
    thing_free(t);
    ok(destroyed == 0 && !sfu_free_guard_release(&t->guard),
       "freed twice while held: kept until the release, which says so");
    is_int(destroyed, 1, "... then destroyed once");

    destroyed = 0;
    t = thing_new(&destroyed);
    is_int(thing_call(t, true), -1, "freed from inside a held call: the "
           "call stops");
    is_int(destroyed, 1, "... and the last release destroyed it, once");

    destroyed = 0;
    t = thing_new(&destroyed);
    is_int(thing_nested_call(t), -1, "nested: the outer call stops too");
    is_int(destroyed, 1, "... the outer release destroyed it, once");

    return tap_done();
}
