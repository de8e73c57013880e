CREATE TABLE "mcp_credential" (
	"user_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_credential_user_id_server_id_pk" PRIMARY KEY("user_id","server_id"),
	CONSTRAINT "mcp_credential_kind" CHECK ("mcp_credential"."kind" in ('token', 'oauth'))
);
--> statement-breakpoint
CREATE TABLE "mcp_oauth_flow" (
	"state" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"code_verifier" text NOT NULL,
	"metadata" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mcp_server" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"url" text NOT NULL,
	"auth" text NOT NULL,
	"shared_token" text,
	"identity_header" text,
	"oauth_client_id" text,
	"oauth_client_secret" text,
	"oauth_client_info" text,
	"oauth_issuer" text,
	"oauth_metadata" jsonb,
	"audience" text DEFAULT 'everyone' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"status" text DEFAULT 'unknown' NOT NULL,
	"status_message" text,
	"checked_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_server_name_unique" UNIQUE("name"),
	CONSTRAINT "mcp_server_name_length" CHECK (char_length("mcp_server"."name") between 1 and 80),
	CONSTRAINT "mcp_server_description_length" CHECK (char_length("mcp_server"."description") <= 500),
	CONSTRAINT "mcp_server_url_length" CHECK (char_length("mcp_server"."url") between 1 and 2000),
	CONSTRAINT "mcp_server_auth" CHECK ("mcp_server"."auth" in ('none', 'shared', 'per_person')),
	CONSTRAINT "mcp_server_audience" CHECK ("mcp_server"."audience" in ('everyone', 'workspaces')),
	CONSTRAINT "mcp_server_status" CHECK ("mcp_server"."status" in ('unknown', 'ok', 'failing')),
	CONSTRAINT "mcp_server_identity_header" CHECK ("mcp_server"."identity_header" is null or ("mcp_server"."identity_header" ~ '^[Xx]-[A-Za-z0-9][A-Za-z0-9-]{0,61}$' and lower("mcp_server"."identity_header") !~ '^x-(forwarded-|real-ip$|client-ip$|http-method|method-override$|original-|rewrite-url$)'))
);
--> statement-breakpoint
CREATE TABLE "mcp_server_workspace" (
	"server_id" uuid NOT NULL,
	"workspace_id" text NOT NULL,
	CONSTRAINT "mcp_server_workspace_server_id_workspace_id_pk" PRIMARY KEY("server_id","workspace_id")
);
--> statement-breakpoint
CREATE TABLE "mcp_tool" (
	"server_id" uuid NOT NULL,
	"name" text NOT NULL,
	"title" text,
	"description" text DEFAULT '' NOT NULL,
	"input_schema" jsonb NOT NULL,
	"offered" boolean DEFAULT false NOT NULL,
	"policy" text DEFAULT 'ask' NOT NULL,
	"listed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_tool_server_id_name_pk" PRIMARY KEY("server_id","name"),
	CONSTRAINT "mcp_tool_name_length" CHECK (char_length("mcp_tool"."name") between 1 and 200),
	CONSTRAINT "mcp_tool_description_length" CHECK (char_length("mcp_tool"."description") <= 2000),
	CONSTRAINT "mcp_tool_schema_size" CHECK (octet_length("mcp_tool"."input_schema"::text) <= 65536),
	CONSTRAINT "mcp_tool_policy" CHECK ("mcp_tool"."policy" in ('ask', 'allow', 'never'))
);
--> statement-breakpoint
CREATE TABLE "thread_tool" (
	"thread_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"tool_name" text NOT NULL,
	"user_id" text NOT NULL,
	"enabled" boolean NOT NULL,
	"always_allow" boolean DEFAULT false NOT NULL,
	CONSTRAINT "thread_tool_thread_id_server_id_tool_name_pk" PRIMARY KEY("thread_id","server_id","tool_name")
);
--> statement-breakpoint
CREATE TABLE "tool_call" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"thread_id" uuid NOT NULL,
	"stream_id" uuid NOT NULL,
	"tool_call_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"tool_name" text NOT NULL,
	"status" text DEFAULT 'awaiting' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "tool_call_status" CHECK ("tool_call"."status" in ('awaiting', 'approved', 'denied'))
);
--> statement-breakpoint
ALTER TABLE "mcp_credential" ADD CONSTRAINT "mcp_credential_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_credential" ADD CONSTRAINT "mcp_credential_server_id_mcp_server_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_server"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_oauth_flow" ADD CONSTRAINT "mcp_oauth_flow_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_oauth_flow" ADD CONSTRAINT "mcp_oauth_flow_server_id_mcp_server_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_server"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_server" ADD CONSTRAINT "mcp_server_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_server_workspace" ADD CONSTRAINT "mcp_server_workspace_server_id_mcp_server_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_server"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_server_workspace" ADD CONSTRAINT "mcp_server_workspace_workspace_id_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspace"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_tool" ADD CONSTRAINT "mcp_tool_server_id_mcp_server_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_server"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_tool" ADD CONSTRAINT "thread_tool_thread_id_thread_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."thread"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_tool" ADD CONSTRAINT "thread_tool_server_id_mcp_server_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_server"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tool_call" ADD CONSTRAINT "tool_call_thread_id_thread_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."thread"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mcp_credential_server_idx" ON "mcp_credential" USING btree ("server_id");--> statement-breakpoint
CREATE INDEX "mcp_oauth_flow_created_idx" ON "mcp_oauth_flow" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "mcp_oauth_flow_user_idx" ON "mcp_oauth_flow" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "mcp_oauth_flow_server_idx" ON "mcp_oauth_flow" USING btree ("server_id");--> statement-breakpoint
CREATE INDEX "mcp_server_workspace_workspace_idx" ON "mcp_server_workspace" USING btree ("workspace_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tool_call_thread_call_idx" ON "tool_call" USING btree ("thread_id","tool_call_id");--> statement-breakpoint
CREATE INDEX "tool_call_created_idx" ON "tool_call" USING btree ("created_at");