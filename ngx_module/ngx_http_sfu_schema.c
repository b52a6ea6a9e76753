
/*
 * The PostgreSQL schema as numbered migrations.
 *
 * The whole text runs as one implicit transaction on a worker's first
 * connection: an advisory lock serialises workers and nodes, and each
 * migration applies only when its version is not yet recorded, so the
 * text is safe to run any number of times and an upgrade only ever adds.
 * Never edit a released migration: append a new one.
 */

#include "ngx_http_sfu_pg.h"


const char  *ngx_http_sfu_schema_sql =

    "SELECT pg_advisory_xact_lock(hashtext('ngx-sfu schema'));"

    "CREATE TABLE IF NOT EXISTS sfu_schema ("
    "  version     integer PRIMARY KEY,"
    "  applied_at  timestamptz NOT NULL DEFAULT now()"
    ");"

    /* 1: rooms and the history of their participants */

    "DO $migration$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM sfu_schema WHERE version = 1) THEN"

    "  CREATE TABLE sfu_rooms ("
    "    id                 text PRIMARY KEY,"
    "    name               text NOT NULL,"
    "    max_participants   integer NOT NULL"
    "                       CHECK (max_participants BETWEEN 1 AND 1000),"
    "    password_hash      text,"
    "    waiting_room       boolean NOT NULL DEFAULT false,"
    "    recording_enabled  boolean NOT NULL DEFAULT false,"
    "    status             text NOT NULL DEFAULT 'open'"
    "                       CHECK (status IN ('open', 'ended')),"
    "    created_by         text NOT NULL,"
    "    created_at         timestamptz NOT NULL DEFAULT now(),"
    "    updated_at         timestamptz NOT NULL DEFAULT now(),"
    "    ended_at           timestamptz"
    "  );"
    "  CREATE INDEX sfu_rooms_created ON sfu_rooms (created_at DESC, id DESC);"

    /*
     * A participant row is written when a join token is issued
     * ("joining"); the signaling connection makes it "connected", leaving
     * fills left_at.  A joining place is held for a while only, so that
     * tokens nobody uses do not fill a room.
     */

    "  CREATE TABLE sfu_participants ("
    "    id           text PRIMARY KEY,"
    "    room_id      text NOT NULL REFERENCES sfu_rooms (id),"
    "    name         text NOT NULL,"
    "    role         text NOT NULL CHECK (role IN ('host', 'participant')),"
    "    state        text NOT NULL DEFAULT 'joining'"
    "                 CHECK (state IN ('joining', 'connected', 'left')),"
    "    client_addr  text,"
    "    joined_at    timestamptz NOT NULL DEFAULT now(),"
    "    left_at      timestamptz,"
    "    left_reason  text"
    "  );"
    "  CREATE INDEX sfu_participants_live ON sfu_participants (room_id)"
    "    WHERE left_at IS NULL;"

    /*
     * Each statement of a PL/pgSQL function sees what committed before it
     * started, so the count after the row lock includes the joins that
     * held the lock before this one.
     */

    "  CREATE FUNCTION sfu_join(p_room text, p_id text, p_name text,"
    "      p_role text, p_addr text, p_verified boolean, p_hold interval)"
    "    RETURNS TABLE (status text, max_participants integer, live bigint,"
    "                   password_hash text, joined boolean)"
    "    LANGUAGE plpgsql AS $join$"
    "  DECLARE"
    "    room sfu_rooms%ROWTYPE;"
    "    n bigint;"
    "  BEGIN"
    "    SELECT * INTO room FROM sfu_rooms r WHERE r.id = p_room FOR UPDATE;"
    "    IF NOT FOUND THEN RETURN; END IF;"
    "    SELECT count(*) INTO n FROM sfu_participants p"
    "      WHERE p.room_id = p_room AND p.left_at IS NULL"
    "        AND (p.state = 'connected'"
    "             OR p.joined_at > now() - p_hold);"
    "    IF room.status = 'open' AND n < room.max_participants"
    "       AND (room.password_hash IS NULL OR p_verified)"
    "    THEN"
    "      INSERT INTO sfu_participants (id, room_id, name, role, client_addr)"
    "        VALUES (p_id, p_room, p_name, p_role, p_addr);"
    "      RETURN QUERY SELECT room.status, room.max_participants, n + 1,"
    "                          NULL::text, true;"
    "    ELSE"
    "      RETURN QUERY SELECT room.status, room.max_participants, n,"
    "                          room.password_hash, false;"
    "    END IF;"
    "  END $join$;"

    "  INSERT INTO sfu_schema (version) VALUES (1);"
    " END IF;"
    "END $migration$;"

    /*
     * 2: a join no longer counts the room's participants row by row.
     * sfu_rooms.held is the number of its participants without left_at,
     * kept by a trigger whoever inserts or updates them.  It counts
     * unused "joining" places past their hold too, so it is an upper
     * bound of the places taken: a room whose held is under its
     * max_participants has room, and only a room that looks full is
     * counted exactly, as version 1 always did.
     */

    "DO $migration$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM sfu_schema WHERE version = 2) THEN"

    "  ALTER TABLE sfu_rooms ADD COLUMN held integer NOT NULL DEFAULT 0;"
    "  UPDATE sfu_rooms r SET held = (SELECT count(*) FROM sfu_participants p"
    "    WHERE p.room_id = r.id AND p.left_at IS NULL);"

    "  CREATE FUNCTION sfu_participants_held() RETURNS trigger"
    "    LANGUAGE plpgsql AS $held$"
    "  BEGIN"
    "    IF TG_OP <> 'DELETE' AND NEW.left_at IS NULL"
    "       AND (TG_OP = 'INSERT' OR OLD.left_at IS NOT NULL) THEN"
    "      UPDATE sfu_rooms SET held = held + 1 WHERE id = NEW.room_id;"
    "    ELSIF TG_OP <> 'INSERT' AND OLD.left_at IS NULL"
    "       AND (TG_OP = 'DELETE' OR NEW.left_at IS NOT NULL) THEN"
    "      UPDATE sfu_rooms SET held = held - 1 WHERE id = OLD.room_id;"
    "    END IF;"
    "    RETURN NULL;"
    "  END $held$;"
    "  CREATE TRIGGER sfu_participants_held"
    "    AFTER INSERT OR UPDATE OF left_at OR DELETE ON sfu_participants"
    "    FOR EACH ROW EXECUTE FUNCTION sfu_participants_held();"

    "  CREATE OR REPLACE FUNCTION sfu_join(p_room text, p_id text,"
    "      p_name text, p_role text, p_addr text, p_verified boolean,"
    "      p_hold interval)"
    "    RETURNS TABLE (status text, max_participants integer, live bigint,"
    "                   password_hash text, joined boolean)"
    "    LANGUAGE plpgsql AS $join$"
    "  DECLARE"
    "    room sfu_rooms%ROWTYPE;"
    "    n bigint;"
    "  BEGIN"
    "    SELECT * INTO room FROM sfu_rooms r WHERE r.id = p_room FOR UPDATE;"
    "    IF NOT FOUND THEN RETURN; END IF;"
    "    n := room.held;"
    "    IF n >= room.max_participants THEN"
    "      SELECT count(*) INTO n FROM sfu_participants p"
    "        WHERE p.room_id = p_room AND p.left_at IS NULL"
    "          AND (p.state = 'connected'"
    "               OR p.joined_at > now() - p_hold);"
    "    END IF;"
    "    IF room.status = 'open' AND n < room.max_participants"
    "       AND (room.password_hash IS NULL OR p_verified)"
    "    THEN"
    "      INSERT INTO sfu_participants (id, room_id, name, role, client_addr)"
    "        VALUES (p_id, p_room, p_name, p_role, p_addr);"
    "      RETURN QUERY SELECT room.status, room.max_participants, n + 1,"
    "                          NULL::text, true;"
    "    ELSE"
    "      RETURN QUERY SELECT room.status, room.max_participants, n,"
    "                          room.password_hash, false;"
    "    END IF;"
    "  END $join$;"

    "  INSERT INTO sfu_schema (version) VALUES (2);"
    " END IF;"
    "END $migration$;"

    /*
     * 3: a signaling connection claims its participant: the place turns
     * from held to "connected" once, for one connection.  A hold that has
     * run out counts the room again, under the same lock as sfu_join().
     */

    "DO $migration$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM sfu_schema WHERE version = 3) THEN"

    "  CREATE FUNCTION sfu_connect(p_room text, p_id text, p_hold interval)"
    "    RETURNS text LANGUAGE plpgsql AS $connect$"
    "  DECLARE"
    "    room sfu_rooms%ROWTYPE;"
    "    part sfu_participants%ROWTYPE;"
    "    n bigint;"
    "  BEGIN"
    "    SELECT * INTO room FROM sfu_rooms r WHERE r.id = p_room FOR UPDATE;"
    "    IF NOT FOUND THEN RETURN 'unknown'; END IF;"
    "    SELECT * INTO part FROM sfu_participants p"
    "      WHERE p.id = p_id AND p.room_id = p_room FOR UPDATE;"
    "    IF NOT FOUND THEN RETURN 'unknown'; END IF;"
    "    IF room.status <> 'open' THEN RETURN 'room-ended'; END IF;"
    "    IF part.left_at IS NOT NULL THEN RETURN 'left'; END IF;"
    "    IF part.state = 'connected' THEN RETURN 'connected'; END IF;"
    "    IF part.joined_at <= now() - p_hold THEN"
    "      SELECT count(*) INTO n FROM sfu_participants p"
    "        WHERE p.room_id = p_room AND p.left_at IS NULL AND p.id <> p_id"
    "          AND (p.state = 'connected' OR p.joined_at > now() - p_hold);"
    "      IF n >= room.max_participants THEN RETURN 'room-full'; END IF;"
    "    END IF;"
    "    UPDATE sfu_participants SET state = 'connected' WHERE id = p_id;"
    "    RETURN 'ok';"
    "  END $connect$;"

    "  INSERT INTO sfu_schema (version) VALUES (3);"
    " END IF;"
    "END $migration$;"

    /*
     * 4: a join that fits takes its place with one UPDATE of the room
     * (its row lock, its checks and held + 1 at once) and one INSERT.
     * The held trigger no longer runs for the rows sfu_join() inserts:
     * it names them in the transaction-local setting sfu.held_by_join,
     * and the trigger's WHEN skips them without calling the function.
     * Any other INSERT is still counted by the trigger, and leaving and
     * deleting are as before.  The answer is built from OUT parameters,
     * not by another query.  A room that looks full, ended or has a
     * password goes the way of version 2 (lock, exact count).
     */

    "DO $migration$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM sfu_schema WHERE version = 4) THEN"

    "  DROP TRIGGER sfu_participants_held ON sfu_participants;"
    "  CREATE TRIGGER sfu_participants_held"
    "    AFTER UPDATE OF left_at OR DELETE ON sfu_participants"
    "    FOR EACH ROW EXECUTE FUNCTION sfu_participants_held();"
    "  CREATE TRIGGER sfu_participants_held_insert"
    "    AFTER INSERT ON sfu_participants FOR EACH ROW"
    "    WHEN (NEW.left_at IS NULL AND NEW.id IS DISTINCT FROM"
    "          current_setting('sfu.held_by_join', true))"
    "    EXECUTE FUNCTION sfu_participants_held();"

    "  CREATE OR REPLACE FUNCTION sfu_join(p_room text, p_id text,"
    "      p_name text, p_role text, p_addr text, p_verified boolean,"
    "      p_hold interval)"
    "    RETURNS TABLE (status text, max_participants integer, live bigint,"
    "                   password_hash text, joined boolean)"
    "    LANGUAGE plpgsql AS $join$"
    "  DECLARE"
    "    room sfu_rooms%ROWTYPE;"
    "    n bigint;"
    "    marker text;"
    "  BEGIN"
    "    UPDATE sfu_rooms r SET held = r.held + 1"
    "      WHERE r.id = p_room AND r.status = 'open'"
    "        AND r.held < r.max_participants"
    "        AND (r.password_hash IS NULL OR p_verified)"
    "      RETURNING r.max_participants, r.held"
    "        INTO room.max_participants, n;"
    "    IF NOT FOUND THEN"
    "      SELECT * INTO room FROM sfu_rooms r WHERE r.id = p_room FOR UPDATE;"
    "      IF NOT FOUND THEN RETURN; END IF;"
    "      SELECT count(*) INTO n FROM sfu_participants p"
    "        WHERE p.room_id = p_room AND p.left_at IS NULL"
    "          AND (p.state = 'connected'"
    "               OR p.joined_at > now() - p_hold);"
    "      IF room.status <> 'open' OR n >= room.max_participants"
    "         OR NOT (room.password_hash IS NULL OR p_verified)"
    "      THEN"
    "        status := room.status;"
    "        max_participants := room.max_participants;"
    "        live := n;"
    "        password_hash := room.password_hash;"
    "        joined := false;"
    "        RETURN NEXT;"
    "        RETURN;"
    "      END IF;"
    "      UPDATE sfu_rooms r SET held = r.held + 1 WHERE r.id = p_room;"
    "      n := n + 1;"
    "    END IF;"
    "    marker := set_config('sfu.held_by_join', p_id, true);"
    "    INSERT INTO sfu_participants (id, room_id, name, role, client_addr)"
    "      VALUES (p_id, p_room, p_name, p_role, p_addr);"
    "    status := 'open';"
    "    max_participants := room.max_participants;"
    "    live := n;"
    "    password_hash := NULL;"
    "    joined := true;"
    "    RETURN NEXT;"
    "  END $join$;"

    "  INSERT INTO sfu_schema (version) VALUES (4);"
    " END IF;"
    "END $migration$;"

    /*
     * 5: a connected participant names its holder: the edge (sfu_edge_id)
     * and the nginx worker process (pid, and its incarnation: boot id and
     * start time, so that a reused pid is not taken for it) whose
     * WebSocket has it.  A process that dies without closing its
     * WebSockets leaves its participants "connected"; the workers of the
     * same edge find them by holder and mark them left.  Rows connected
     * before this version have no holder and are never swept.  The
     * three-argument sfu_connect() stays for modules not yet upgraded.
     */

    "DO $migration$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM sfu_schema WHERE version = 5) THEN"

    "  ALTER TABLE sfu_participants ADD COLUMN holder_edge text,"
    "    ADD COLUMN holder_pid integer,"
    "    ADD COLUMN holder_incarnation text;"
    "  CREATE INDEX sfu_participants_holders"
    "    ON sfu_participants (holder_edge, holder_pid)"
    "    WHERE left_at IS NULL AND holder_edge IS NOT NULL;"

    "  CREATE FUNCTION sfu_connect(p_room text, p_id text, p_hold interval,"
    "      p_edge text, p_pid integer, p_incarnation text)"
    "    RETURNS text LANGUAGE plpgsql AS $connect$"
    "  DECLARE"
    "    result text;"
    "  BEGIN"
    "    result := sfu_connect(p_room, p_id, p_hold);"
    "    IF result = 'ok' THEN"
    "      UPDATE sfu_participants SET holder_edge = p_edge,"
    "          holder_pid = p_pid, holder_incarnation = p_incarnation"
    "        WHERE id = p_id;"
    "    END IF;"
    "    RETURN result;"
    "  END $connect$;"

    "  INSERT INTO sfu_schema (version) VALUES (5);"
    " END IF;"
    "END $migration$;";
