/*
 * test_load_janus_msg: sfu-load's reading of Janus's HTTP API messages
 * (tools/load/janus_msg.c): what signal_janus acts on, and bad input
 * refused with a line that says what was wrong.
 */

#include "janus_msg.h"

#include "tests/tap.h"

#include <string.h>

/* Reads the only message of body; the batch stays with the caller. */
static int
read_one(const char *body, json_t **batch, janus_msg_t *m, const char **why)
{
    *why = NULL;
    *batch = janus_msg_batch(body, strlen(body), why);
    if (*batch == NULL) {
        memset(m, 0, sizeof(*m));
        return -1;
    }
    return janus_msg_read(json_array_get(*batch, 0), m, why);
}

static void
test_good(void)
{
    json_t *b;
    janus_msg_t m;
    const char *why;

    ok(read_one("{\"janus\":\"success\",\"data\":{\"id\":4574061985075210}}",
                &b, &m, &why) == 0 && m.kind == JANUS_MSG_SUCCESS
       && m.data_id == 4574061985075210ULL, "success: data.id is the new id");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("[{\"janus\":\"event\",\"sender\":7,\"plugindata\":{\"plugin\":"
                "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"joined\","
                "\"room\":5,\"id\":77,\"private_id\":99,\"publishers\":[{\"id\":"
                "78},{\"id\":79,\"display\":\"x\"}]}}}]", &b, &m, &why) == 0
       && m.kind == JANUS_MSG_EVENT && m.sender == 7
       && strcmp(m.videoroom, "joined") == 0 && m.id == 77
       && m.private_id == 99 && m.n_feeds == 2 && m.feeds[0] == 78
       && m.feeds[1] == 79, "joined: our id, private id, the feeds");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"event\",\"sender\":7,\"plugindata\":{\"data\":"
                "{\"videoroom\":\"event\",\"configured\":\"ok\"}},\"jsep\":"
                "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}", &b, &m, &why) == 0
       && m.configured && strcmp(m.jsep_type, "answer") == 0
       && strcmp(m.jsep_sdp, "v=0\r\n") == 0, "configured, with the answer");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"event\",\"sender\":8,\"plugindata\":{\"data\":"
                "{\"videoroom\":\"event\",\"error_code\":426,\"error\":"
                "\"No such room (1)\"}}}", &b, &m, &why) == 0
       && m.error_code == 426 && strcmp(m.error, "No such room (1)") == 0,
       "a VideoRoom error: its code and reason");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"error\",\"error\":{\"code\":458,\"reason\":"
                "\"No such session 1\"}}", &b, &m, &why) == 0
       && m.kind == JANUS_MSG_ERROR && m.error_code == 458
       && strcmp(m.error, "No such session 1") == 0, "a core error");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"trickle\",\"sender\":2,\"candidate\":{\"sdpMid\":"
                "\"0\",\"candidate\":\"candidate:1 1 udp 1 10.201.0.1 20000 "
                "typ host\"}}", &b, &m, &why) == 0
       && m.kind == JANUS_MSG_TRICKLE && !m.completed
       && strncmp(m.candidate, "candidate:1 ", 12) == 0, "a trickled candidate");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"trickle\",\"candidate\":{\"completed\":true}}",
                &b, &m, &why) == 0 && m.completed && m.candidate == NULL,
       "end of candidates");
    janus_msg_clear(&m);
    json_decref(b);

    ok(read_one("{\"janus\":\"webrtcup\",\"sender\":2,\"whatever\":[1]}",
                &b, &m, &why) == 0 && m.kind == JANUS_MSG_IGNORED,
       "a message the backend has no use for is ignored, not an error");
    janus_msg_clear(&m);
    json_decref(b);
}

static void
test_bad(void)
{
    static const struct {
        const char *body;
        const char *why;
    } bad[] = {
        { "<html>502</html>", "a Janus reply that is not a JSON object or array" },
        { "42", "a Janus reply that is not a JSON object or array" },
        { "[1]", "a Janus message that is not a JSON object" },
        { "{\"janus\":1}", "a Janus message without a string \"janus\"" },
        { "{\"janus\":\"event\",\"sender\":-1}",
          "a Janus message whose \"sender\" is not an integer" },
        { "{\"janus\":\"success\",\"data\":{\"id\":\"7\"}}",
          "a \"success\" whose \"data\" has no integer \"id\"" },
        { "{\"janus\":\"error\"}", "\"error\" without an \"error\" object" },
        { "{\"janus\":\"event\",\"plugindata\":{\"data\":[]}}",
          "\"plugindata\" without a \"data\" object" },
        { "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"room\":\"5\"}}}",
          "a videoroom field of the wrong type" },
        { "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"publishers\":{}}}}",
          "\"publishers\" is not an array" },
        { "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"publishers\":"
          "[{\"id\":1},{\"display\":\"no id\"}]}}}",
          "a publisher without an integer \"id\"" },
        { "{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\"}}",
          "\"jsep\" without string \"type\" and \"sdp\"" },
        { "{\"janus\":\"trickle\",\"candidate\":{\"candidate\":\"a=x\"}}",
          "a trickled candidate that is not \"candidate:...\"" },
        { "{\"janus\":\"hangup\",\"reason\":5}",
          "a \"hangup\" whose \"reason\" is not a string" },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *b;
        janus_msg_t m;
        const char *why;

        ok(read_one(bad[i].body, &b, &m, &why) == -1 && why != NULL
           && strcmp(why, bad[i].why) == 0, "refused: %s (%s)", bad[i].body,
           why ? why : "no reason");
        janus_msg_clear(&m);
        json_decref(b);
    }
}

int
main(void)
{
    test_good();
    test_bad();
    return tap_done();
}
