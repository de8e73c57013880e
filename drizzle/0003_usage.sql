CREATE TABLE "usage_month" (
	"user_id" text NOT NULL,
	"month" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"messages" integer NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	CONSTRAINT "usage_month_user_id_month_model_pk" PRIMARY KEY("user_id","month","model")
);
--> statement-breakpoint
ALTER TABLE "message" ADD COLUMN "model" text;--> statement-breakpoint
ALTER TABLE "message" ADD COLUMN "usage" jsonb;--> statement-breakpoint
ALTER TABLE "usage_month" ADD CONSTRAINT "usage_month_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;