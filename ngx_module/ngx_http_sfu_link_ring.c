
/*
 * ngx_http_sfu_link_ring: the consistent hash that places rooms on SFU
 * workers, the same in every nginx worker process.
 */

#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_link.h"

#include <sys/un.h>


#define NGX_HTTP_SFU_LINK_VNODES  160


typedef struct {
    uint32_t                   hash;
    ngx_uint_t                 link;
} ngx_http_sfu_link_point_t;


static int ngx_libc_cdecl ngx_http_sfu_link_cmp_points(const void *one,
    const void *two);

static ngx_http_sfu_link_point_t     *ngx_http_sfu_ring;
static ngx_uint_t                     ngx_http_sfu_nring;


/*
 * NGX_HTTP_SFU_LINK_VNODES points per worker on a 32-bit ring, each the
 * MurmurHash2 of the socket path, a NUL and the point's number: every
 * process builds the same ring, and a new worker takes over only the arcs
 * before its own points.  (CRC32 spreads such similar keys unevenly.)
 */

ngx_int_t
ngx_http_sfu_link_ring_init(ngx_cycle_t *cycle, ngx_array_t *workers)
{
    u_char                     key[sizeof(struct sockaddr_un) + 5];
    size_t                     len;
    ngx_uint_t                 i, v;
    ngx_str_t                 *path;
    ngx_http_sfu_link_point_t *point;

    path = workers->elts;

    ngx_http_sfu_nring = workers->nelts * NGX_HTTP_SFU_LINK_VNODES;
    ngx_http_sfu_ring = ngx_palloc(cycle->pool, ngx_http_sfu_nring
                                   * sizeof(ngx_http_sfu_link_point_t));
    if (ngx_http_sfu_ring == NULL) {
        return NGX_ERROR;
    }

    point = ngx_http_sfu_ring;

    for (i = 0; i < workers->nelts; i++) {
        ngx_memcpy(key, path[i].data, path[i].len);
        key[path[i].len] = '\0';
        len = path[i].len + 5;

        for (v = 0; v < NGX_HTTP_SFU_LINK_VNODES; v++) {
            key[len - 4] = (u_char) (v >> 24);
            key[len - 3] = (u_char) (v >> 16);
            key[len - 2] = (u_char) (v >> 8);
            key[len - 1] = (u_char) v;

            point->hash = ngx_murmur_hash2(key, len);
            point->link = i;
            point++;
        }
    }

    ngx_qsort(ngx_http_sfu_ring, ngx_http_sfu_nring,
              sizeof(ngx_http_sfu_link_point_t),
              ngx_http_sfu_link_cmp_points);

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_sfu_link_cmp_points(const void *one, const void *two)
{
    const ngx_http_sfu_link_point_t *first = one;
    const ngx_http_sfu_link_point_t *second = two;

    if (first->hash != second->hash) {
        return first->hash < second->hash ? -1 : 1;
    }

    /* equal hashes: order by worker, so every process agrees */
    return (first->link > second->link) - (first->link < second->link);
}


ngx_uint_t
ngx_http_sfu_link_for_room(ngx_str_t *room_id)
{
    uint32_t    hash;
    ngx_uint_t  lo, hi, mid;

    if (ngx_http_sfu_nring == 0) {
        return (ngx_uint_t) NGX_ERROR;
    }

    hash = ngx_murmur_hash2(room_id->data, room_id->len);

    /* the first point at or after the room's hash, wrapping around */

    lo = 0;
    hi = ngx_http_sfu_nring;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (ngx_http_sfu_ring[mid].hash < hash) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    if (lo == ngx_http_sfu_nring) {
        lo = 0;
    }

    return ngx_http_sfu_ring[lo].link;
}
