-- A workspace that still has members always has an owner, whatever removes or demotes its last
-- one: two owners deleting their accounts at the same moment, or any write the app's own checks
-- (lib/workspaces/workspaces.ts, under the workspace's row lock) do not see. The longest-standing
-- admin, else member, becomes owner, and the audit log says so.
CREATE FUNCTION keep_a_workspace_owner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  heir_id text;
  heir_user text;
BEGIN
  IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
    RETURN NULL;
  END IF;
  -- One change to a workspace's owners at a time: a concurrent one waits here, then sees this one.
  PERFORM 1 FROM workspace WHERE id = OLD.workspace_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL; -- the workspace itself is being deleted
  END IF;
  IF EXISTS (SELECT 1 FROM workspace_member WHERE workspace_id = OLD.workspace_id AND role = 'owner') THEN
    RETURN NULL;
  END IF;
  SELECT id, user_id INTO heir_id, heir_user FROM workspace_member
  WHERE workspace_id = OLD.workspace_id
  ORDER BY (role = 'admin') DESC, created_at, id
  LIMIT 1;
  IF heir_id IS NOT NULL THEN
    UPDATE workspace_member SET role = 'owner' WHERE id = heir_id;
    INSERT INTO audit_event (action, target_id, outcome, detail, workspace_id)
    VALUES ('workspace_member_role_changed', heir_user, 'success',
            jsonb_build_object('to', 'owner', 'reason', 'the workspace had no owner left'), OLD.workspace_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER workspace_member_keep_owner
AFTER DELETE OR UPDATE OF role ON workspace_member
FOR EACH ROW EXECUTE FUNCTION keep_a_workspace_owner();
