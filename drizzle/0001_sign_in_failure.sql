CREATE TABLE "sign_in_failure" (
	"email" text NOT NULL,
	"device" text NOT NULL,
	"failures" integer NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sign_in_failure_email_device_pk" PRIMARY KEY("email","device")
);
--> statement-breakpoint
CREATE INDEX "sign_in_failure_expires_idx" ON "sign_in_failure" USING btree ("expires_at");