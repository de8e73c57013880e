-- Every change to a session or a user row (by better-auth, the app, or by hand) is announced on
-- "threadkeeper_session_changed" with the user's id, so each app instance drops the cached
-- sessions of that user at once (lib/session-cache.ts). pg_notify is sent at commit, and a
-- payload repeated in one transaction is sent once.
CREATE FUNCTION "threadkeeper_session_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'user' THEN
    PERFORM pg_notify('threadkeeper_session_changed', OLD.id);
  ELSE
    PERFORM pg_notify('threadkeeper_session_changed', OLD.user_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_changed" AFTER UPDATE OR DELETE ON "session" FOR EACH ROW EXECUTE FUNCTION "threadkeeper_session_changed"();
--> statement-breakpoint
CREATE TRIGGER "user_changed" AFTER UPDATE OR DELETE ON "user" FOR EACH ROW EXECUTE FUNCTION "threadkeeper_session_changed"();
