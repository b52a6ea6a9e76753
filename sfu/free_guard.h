/*
 * free_guard: keeps an object alive through a call that may free it.
 * An object whose owner's callbacks may free it from inside (ICE agents,
 * transports: libnice reports some changes synchronously, a handler
 * drops the peer connection) holds itself around such a call; a free
 * that comes meanwhile only kills it (dead: every later step returns at
 * once), and the last release destroys it.  With no hold, killing
 * destroys at once.
 *
 *     sfu_free_guard_hold(&o->guard);
 *     callback_that_may_free(o);
 *     if (!sfu_free_guard_release(&o->guard)) {
 *         return;                          (o is gone, or going)
 *     }
 *
 *     o_free(o): if dead, return; tear down; sfu_free_guard_kill(&o->guard)
 */

#ifndef SFU_FREE_GUARD_H
#define SFU_FREE_GUARD_H

#include <stdbool.h>

typedef struct {
    unsigned   busy;                /* holds in progress */
    bool       dead;                /* killed: its owner is done with it */
    void     (*destroy)(void *obj); /* frees obj, at the last step */
    void      *obj;
} sfu_free_guard_t;

void sfu_free_guard_init(sfu_free_guard_t *g, void (*destroy)(void *obj),
                         void *obj);
void sfu_free_guard_hold(sfu_free_guard_t *g);

/*
 * Ends a hold.  False when the object was killed meanwhile: it is
 * destroyed if this was the last hold (g is gone with it), and either
 * way the caller returns at once.
 */
bool sfu_free_guard_release(sfu_free_guard_t *g);

/* The owner is done with the object: destroyed now, or by the last
   release if it is held.  Once only: a second kill does nothing. */
void sfu_free_guard_kill(sfu_free_guard_t *g);

/* Inline: the media path asks it per packet. */
static inline bool
sfu_free_guard_dead(const sfu_free_guard_t *g)
{
    return g->dead;
}

#endif
