ALTER TABLE "two_factor" ADD COLUMN "last_totp_step" bigint;--> statement-breakpoint
-- Names are at most 100 characters from now on (lib/account-rules.ts); longer ones stored before are cut.
UPDATE "user" SET "name" = left("name", 100) WHERE char_length("name") > 100;
