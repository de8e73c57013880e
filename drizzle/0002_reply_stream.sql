CREATE TABLE "reply_stream" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"thread_id" uuid NOT NULL,
	"reply_id" text NOT NULL,
	"parent_id" text NOT NULL,
	"done" boolean DEFAULT false NOT NULL,
	"stop_requested" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reply_stream_chunk" (
	"stream_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "reply_stream_chunk_stream_id_seq_pk" PRIMARY KEY("stream_id","seq")
);
--> statement-breakpoint
ALTER TABLE "reply_stream" ADD CONSTRAINT "reply_stream_thread_id_thread_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."thread"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_stream_chunk" ADD CONSTRAINT "reply_stream_chunk_stream_id_reply_stream_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."reply_stream"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reply_stream_thread_idx" ON "reply_stream" USING btree ("thread_id","created_at");--> statement-breakpoint
CREATE INDEX "reply_stream_updated_idx" ON "reply_stream" USING btree ("updated_at");