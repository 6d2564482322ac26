-- Create "api_keys" table
CREATE TABLE "api_keys" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "display_name" character varying NOT NULL DEFAULT '', "key_prefix" character varying NOT NULL, "secret_hash" character varying NOT NULL, "role" character varying NOT NULL, "model_id" uuid NULL, "last_used_at" timestamptz NULL, "expires_at" timestamptz NULL, "revoked_at" timestamptz NULL, "owner_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "api_keys_secret_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys" ("secret_hash");
-- Create index "apikey_owner_id_created_at" to table: "api_keys"
CREATE INDEX "apikey_owner_id_created_at" ON "api_keys" ("owner_id", "created_at");
-- Create "audit_entries" table
CREATE TABLE "audit_entries" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "sequence" bigint NOT NULL, "stage" character varying NOT NULL, "decision_type" character varying NOT NULL, "decision" text NOT NULL, "alternatives" jsonb NULL, "evidence" jsonb NULL, "reasoning" text NOT NULL DEFAULT '', "confidence" double precision NOT NULL DEFAULT 0, "reasoner" character varying NOT NULL DEFAULT '', "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "auditentry_project_id_sequence" to table: "audit_entries"
CREATE UNIQUE INDEX "auditentry_project_id_sequence" ON "audit_entries" ("project_id", "sequence");
-- Create "batch_predictions" table
CREATE TABLE "batch_predictions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "state" character varying NOT NULL DEFAULT 'PENDING', "input_key" character varying NOT NULL, "output_key" character varying NOT NULL DEFAULT '', "rows_processed" bigint NOT NULL DEFAULT 0, "rows_total" bigint NOT NULL DEFAULT 0, "error" text NOT NULL DEFAULT '', "request_id" character varying NULL, "model_id" uuid NOT NULL, "owner_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "batchprediction_owner_id_created_at" to table: "batch_predictions"
CREATE INDEX "batchprediction_owner_id_created_at" ON "batch_predictions" ("owner_id", "created_at");
-- Create index "batchprediction_owner_id_request_id" to table: "batch_predictions"
CREATE UNIQUE INDEX "batchprediction_owner_id_request_id" ON "batch_predictions" ("owner_id", "request_id");
-- Create index "batchprediction_state" to table: "batch_predictions"
CREATE INDEX "batchprediction_state" ON "batch_predictions" ("state");
-- Create "datasets" table
CREATE TABLE "datasets" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "display_name" character varying NOT NULL DEFAULT '', "data_type" character varying NOT NULL, "files" jsonb NULL, "size_bytes" bigint NOT NULL DEFAULT 0, "num_rows" bigint NOT NULL DEFAULT 0, "num_columns" bigint NOT NULL DEFAULT 0, "labeled" boolean NOT NULL DEFAULT false, "profile" jsonb NULL, "request_id" character varying NULL, "expires_at" timestamptz NULL, "owner_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "dataset_expires_at" to table: "datasets"
CREATE INDEX "dataset_expires_at" ON "datasets" ("expires_at");
-- Create index "dataset_owner_id_created_at" to table: "datasets"
CREATE INDEX "dataset_owner_id_created_at" ON "datasets" ("owner_id", "created_at");
-- Create index "dataset_owner_id_request_id" to table: "datasets"
CREATE UNIQUE INDEX "dataset_owner_id_request_id" ON "datasets" ("owner_id", "request_id");
-- Create "models" table
CREATE TABLE "models" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "learner" character varying NOT NULL DEFAULT '', "artifact_key" character varying NOT NULL DEFAULT '', "onnx_key" character varying NOT NULL DEFAULT '', "metrics" jsonb NULL, "report" jsonb NULL, "feature_schema" jsonb NULL, "code_examples" jsonb NULL, "state" character varying NOT NULL DEFAULT 'TRAINING', "endpoint_id" character varying NOT NULL DEFAULT '', "external_id" character varying NOT NULL DEFAULT '', "project_id" uuid NOT NULL, "owner_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "model_owner_id_created_at" to table: "models"
CREATE INDEX "model_owner_id_created_at" ON "models" ("owner_id", "created_at");
-- Create index "model_project_id" to table: "models"
CREATE INDEX "model_project_id" ON "models" ("project_id");
-- Create index "model_state" to table: "models"
CREATE INDEX "model_state" ON "models" ("state");
-- Create "outbox_messages" table
CREATE TABLE "outbox_messages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "topic" character varying NOT NULL, "ordering_key" character varying NOT NULL DEFAULT '', "payload" bytea NOT NULL, "published_at" timestamptz NULL, "attempts" bigint NOT NULL DEFAULT 0, "last_error" text NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- Create index "outboxmessage_published_at_created_at" to table: "outbox_messages"
CREATE INDEX "outboxmessage_published_at_created_at" ON "outbox_messages" ("published_at", "created_at");
-- Create "progress_events" table
CREATE TABLE "progress_events" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "sequence" bigint NOT NULL, "stage" character varying NOT NULL, "kind" character varying NOT NULL, "stage_progress" double precision NOT NULL DEFAULT 0, "estimated_seconds_remaining" bigint NULL, "message" text NOT NULL DEFAULT '', "payload" jsonb NULL, "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "progressevent_project_id_sequence" to table: "progress_events"
CREATE UNIQUE INDEX "progressevent_project_id_sequence" ON "progress_events" ("project_id", "sequence");
-- Create "projects" table
CREATE TABLE "projects" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "display_name" character varying NOT NULL DEFAULT '', "problem_description" text NOT NULL, "data_type" character varying NOT NULL, "requires_approval" boolean NOT NULL DEFAULT false, "stage" character varying NOT NULL DEFAULT 'ANALYZING', "stage_started_at" timestamptz NULL, "stage_progress" double precision NOT NULL DEFAULT 0, "estimated_seconds_remaining" bigint NULL, "iteration" bigint NOT NULL DEFAULT 0, "budget_seconds" bigint NOT NULL DEFAULT 0, "analysis" jsonb NULL, "plan" jsonb NULL, "error_message" text NOT NULL DEFAULT '', "suggestions" jsonb NULL, "request_id" character varying NULL, "webhook_url" character varying NULL, "lease_owner" character varying NOT NULL DEFAULT '', "lease_expires_at" timestamptz NULL, "attempts" bigint NOT NULL DEFAULT 0, "next_sequence" bigint NOT NULL DEFAULT 0, "next_audit_sequence" bigint NOT NULL DEFAULT 0, "completed_at" timestamptz NULL, "dataset_id" uuid NOT NULL, "model_id" uuid NULL, "owner_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "project_lease_expires_at" to table: "projects"
CREATE INDEX "project_lease_expires_at" ON "projects" ("lease_expires_at");
-- Create index "project_owner_id_created_at" to table: "projects"
CREATE INDEX "project_owner_id_created_at" ON "projects" ("owner_id", "created_at");
-- Create index "project_owner_id_request_id" to table: "projects"
CREATE UNIQUE INDEX "project_owner_id_request_id" ON "projects" ("owner_id", "request_id");
-- Create index "project_owner_id_stage" to table: "projects"
CREATE INDEX "project_owner_id_stage" ON "projects" ("owner_id", "stage");
-- Create index "project_stage" to table: "projects"
CREATE INDEX "project_stage" ON "projects" ("stage");
-- Create "users" table
CREATE TABLE "users" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "email" character varying NOT NULL, "display_name" character varying NOT NULL DEFAULT '', "default_role" character varying NOT NULL DEFAULT 'MEMBER', "webhook_url" character varying NULL, PRIMARY KEY ("id"));
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX "users_email_key" ON "users" ("email");
-- Modify "api_keys" table
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_users_api_keys" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "audit_entries" table
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_projects_audit_entries" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "batch_predictions" table
ALTER TABLE "batch_predictions" ADD CONSTRAINT "batch_predictions_models_batch_predictions" FOREIGN KEY ("model_id") REFERENCES "models" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "batch_predictions_users_batch_predictions" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "datasets" table
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_users_datasets" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "models" table
ALTER TABLE "models" ADD CONSTRAINT "models_projects_models" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "models_users_models" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "progress_events" table
ALTER TABLE "progress_events" ADD CONSTRAINT "progress_events_projects_progress_events" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "projects" table
ALTER TABLE "projects" ADD CONSTRAINT "projects_datasets_projects" FOREIGN KEY ("dataset_id") REFERENCES "datasets" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "projects_models_model" FOREIGN KEY ("model_id") REFERENCES "models" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "projects_users_projects" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
