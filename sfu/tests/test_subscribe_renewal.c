/*
 * A subscribe transport that fails is replaced without a rejoin: the
 * worker makes a new transport and offers the same m-lines in a new
 * session, marked new_connection; media flows again once the client
 * answers it and the transport connects.  A stale answer is refused,
 * the publisher notices nothing, and after SFU_SUB_MAX_RENEWALS failures
 * in a row the participant is told to join again.
 */
#include "tap.h"
#include "fixture.h"
#include "fake_transport.h"
#include "room_harness.h"
#include "log.h"

static struct sfu_transport *
bob_sub(void)
{
    return member("bob")->sub.peer != NULL ? member("bob")->sub.peer->transport : NULL;
}

static bool
bob_receives(void)
{
    const struct sfu_subscriber *sub = &member("bob")->sub;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        if (!((const struct sfu_sub_slot *)g_ptr_array_index(sub->slots, i))->down.active) {
            return false;
        }
    }
    return sub->slots->len > 0;
}

/* "<session id> <version>" from the o= line of an offer message. */
static char *
origin_of(json_t *m)
{
    static struct sfu_sdp_session s;

    if (!parse_sdp_of(m, &s)) {
        return g_strdup("");
    }
    return g_strdup_printf("%.*s %llu", (int)s.origin.session_id.len, s.origin.session_id.p,
                           (unsigned long long)s.origin.session_version);
}

/* alice joins and publishes audio and video; bob joins, is offered them, answers, and is connected. */
static json_t *
call(void)
{
    struct sfu_transport *alice_pub;
    json_t *offer;

    client("alice", json_pack("{s:s}", "type", "join"));
    client("bob", json_pack("{s:s}", "type", "join"));
    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", fixture("chromium_publish.sdp", NULL)));
    alice_pub = member("alice")->pub.peer->transport;
    fake_gather(alice_pub);
    pump();
    fake_set_state(alice_pub, SFU_TRANSPORT_CONNECTED);
    fake_gather(bob_sub());
    pump();
    offer = take("bob", "offer");
    ok(offer != NULL && json_object_get(offer, "new_connection") == NULL,
       "bob is offered alice's tracks, not marked new_connection");
    json_incref(offer);
    answer_as("bob", offer);
    fake_set_state(bob_sub(), SFU_TRANSPORT_CONNECTED);
    pump();
    ok(bob_receives(), "bob receives both tracks");
    drain();
    return offer;
}

static void
test_renewal(void)
{
    json_t *first = call(), *m, *err;
    struct sfu_transport *renewed;
    char *first_origin = origin_of(first), *origin, *failed_ufrag = g_strdup(bob_sub()->ufrag), *id;
    struct sfu_sdp_session *s = calloc(1, sizeof(*s));

    fake_set_state(bob_sub(), SFU_TRANSPORT_FAILED);
    pump();
    renewed = bob_sub();
    ok(renewed != NULL && strcmp(renewed->ufrag, failed_ufrag) != 0 && fake_transports->len == 2,
       "bob's failed subscribe transport is freed and a new one made (alice's publish one is the other)");
    ok(!bob_receives(), "his m-lines stop until the new connection is answered");
    ok(take("bob", "error") == NULL, "bob gets no error: nothing for him to do but answer");
    ok(take("bob", "offer") == NULL, "the new offer waits for the new transport's candidates");

    json_incref(first);
    answer_as("bob", first);
    err = take("bob", "error");
    ok(err != NULL && has_str(err, "code", "wrong-state"), "a late answer to the failed connection's offer is refused");
    json_decref(err);

    fake_gather(renewed);
    pump();
    m = take("bob", "offer");
    ok(m != NULL && json_is_true(json_object_get(m, "new_connection")),
       "then a new offer, marked new_connection");
    ok(parse_sdp_of(m, s) && s->media_count == 2 && sfu_sdp_str_is(s->media[0].mid, "0")
       && sfu_sdp_str_is(s->media[1].mid, "1") && s->media[1].direction == SFU_SDP_SENDONLY,
       "with the same two sendonly m-lines");
    ok(sfu_sdp_str_is(s->media[0].transport.ice_ufrag, renewed->ufrag), "and the new transport's credentials");
    origin = origin_of(m);
    id = g_strndup(first_origin, strcspn(first_origin, " "));
    ok(g_str_has_suffix(origin, " 1") && !g_str_has_prefix(origin, id),
       "in a new SDP session, version 1 (%s; the first was %s)", origin, first_origin);
    g_free(origin);
    g_free(id);
    answer_as("bob", m);
    ok(take("bob", "error") == NULL, "bob's answer from his new peer connection is taken");
    is_str(renewed->remote_ufrag, "brws", "its credentials go to the new transport");
    ok(!bob_receives(), "media waits for the connection");
    fake_set_state(renewed, SFU_TRANSPORT_CONNECTED);
    pump();
    ok(bob_receives(), "connected: bob receives both tracks again");
    is_int(member("bob")->sub.renewals, 0, "and the count of failures in a row starts over");
    ok(count_for("alice") == 0 && member("alice")->pub.peer->connected, "alice noticed nothing");
    drain();
    json_decref(first);
    g_free(first_origin);
    g_free(failed_ufrag);
    free(s);
}

static void
test_give_up(void)
{
    unsigned i;
    json_t *m;

    for (i = 1; i <= SFU_SUB_MAX_RENEWALS; i++) {
        fake_set_state(bob_sub(), SFU_TRANSPORT_FAILED);
        pump();
        fake_gather(bob_sub());
        pump();
        m = take("bob", "offer");
        ok(m != NULL && json_is_true(json_object_get(m, "new_connection")),
           "failure %u in a row without connecting: a new offer", i);
        answer_as("bob", m);
    }
    fake_set_state(bob_sub(), SFU_TRANSPORT_CLOSED);
    pump();
    m = take("bob", "error");
    ok(m != NULL && has_str(m, "code", "transport-failed"),
       "failure %u in a row: bob is told transport-failed, to join again", SFU_SUB_MAX_RENEWALS + 1);
    json_decref(m);
    ok(bob_sub() == NULL && take("bob", "offer") == NULL, "and no new transport or offer comes");
    ok(member("alice")->pub.peer->connected && count_for("alice") == 0, "alice noticed nothing");
    client("bob", json_pack("{s:s}", "type", "leave"));
    client("alice", json_pack("{s:s}", "type", "leave"));
    ok(fake_transports->len == 0, "every transport is freed");
}

int
main(void)
{
    sfu_log_init(SFU_LOG_ERROR, 0);
    setup();
    test_renewal();
    test_give_up();
    return tap_done();
}
