CREATE TABLE "share_file" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"link_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"media_type" text NOT NULL,
	"size" integer NOT NULL,
	"text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "share_file_blob" (
	"share_file_id" uuid PRIMARY KEY NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "share_link" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token" text NOT NULL,
	"thread_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"audience" text DEFAULT 'signed-in' NOT NULL,
	"title" text,
	"messages" integer NOT NULL,
	"pages" integer NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "share_link_message" (
	"link_id" uuid NOT NULL,
	"page" integer NOT NULL,
	"seq" integer NOT NULL,
	"id" text NOT NULL,
	"role" text NOT NULL,
	"content" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "share_link_message_link_id_page_seq_pk" PRIMARY KEY("link_id","page","seq")
);
--> statement-breakpoint
CREATE TABLE "share_view_usage" (
	"address" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "share_file" ADD CONSTRAINT "share_file_link_id_share_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."share_link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_file" ADD CONSTRAINT "share_file_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_file_blob" ADD CONSTRAINT "share_file_blob_share_file_id_share_file_id_fk" FOREIGN KEY ("share_file_id") REFERENCES "public"."share_file"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_link" ADD CONSTRAINT "share_link_thread_id_thread_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."thread"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_link" ADD CONSTRAINT "share_link_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_link_message" ADD CONSTRAINT "share_link_message_link_id_share_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."share_link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "share_file_link_idx" ON "share_file" USING btree ("link_id");--> statement-breakpoint
CREATE UNIQUE INDEX "share_link_token_idx" ON "share_link" USING btree ("token");--> statement-breakpoint
CREATE UNIQUE INDEX "share_link_thread_idx" ON "share_link" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "share_link_user_updated_idx" ON "share_link" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "share_view_usage_window_idx" ON "share_view_usage" USING btree ("window_start");