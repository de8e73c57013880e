CREATE TABLE "conversation_import" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_import_user_id_unique" UNIQUE("user_id")
);
--> statement-breakpoint
ALTER TABLE "thread" ADD COLUMN "import_id" uuid;--> statement-breakpoint
ALTER TABLE "conversation_import" ADD CONSTRAINT "conversation_import_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;