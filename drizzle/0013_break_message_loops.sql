-- Before parent links were checked on write, a client could store a message whose parent was
-- itself, a later message (A -> B -> A) or a message that never existed. Every loop has at least
-- one link that does not point back in time, so cutting exactly those links (the message becomes
-- a root) leaves every thread a tree, which is what the app now enforces on every write.
UPDATE "message" AS m SET "parent_id" = NULL
WHERE m."parent_id" IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM "message" AS p
    WHERE p."thread_id" = m."thread_id" AND p."id" = m."parent_id" AND p."created_at" < m."created_at"
  );
