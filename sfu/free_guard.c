/*
 * free_guard: keeps an object alive through a call that may free it
 * (free_guard.h says how it is used).
 */

#include "free_guard.h"

void
sfu_free_guard_init(sfu_free_guard_t *g, void (*destroy)(void *obj),
                    void *obj)
{
    g->busy = 0;
    g->dead = false;
    g->destroy = destroy;
    g->obj = obj;
}

void
sfu_free_guard_hold(sfu_free_guard_t *g)
{
    g->busy++;
}

bool
sfu_free_guard_release(sfu_free_guard_t *g)
{
    if (--g->busy == 0 && g->dead) {
        g->destroy(g->obj);
        return false;
    }
    return !g->dead;
}

void
sfu_free_guard_kill(sfu_free_guard_t *g)
{
    if (g->dead) {
        return;
    }
    g->dead = true;
    if (g->busy == 0) {
        g->destroy(g->obj);
    }
}
