-- Create "api_keys" table
CREATE TABLE `api_keys` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `display_name` text NOT NULL DEFAULT (''), `key_prefix` text NOT NULL, `secret_hash` text NOT NULL, `role` text NOT NULL, `model_id` uuid NULL, `last_used_at` datetime NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `api_keys_users_api_keys` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "api_keys_secret_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_secret_hash_key` ON `api_keys` (`secret_hash`);
-- Create index "apikey_owner_id_created_at" to table: "api_keys"
CREATE INDEX `apikey_owner_id_created_at` ON `api_keys` (`owner_id`, `created_at`);
-- Create "audit_entries" table
CREATE TABLE `audit_entries` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `sequence` integer NOT NULL, `stage` text NOT NULL, `decision_type` text NOT NULL, `decision` text NOT NULL, `alternatives` json NULL, `evidence` json NULL, `reasoning` text NOT NULL DEFAULT (''), `confidence` real NOT NULL DEFAULT (0), `reasoner` text NOT NULL DEFAULT (''), `project_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `audit_entries_projects_audit_entries` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Create index "auditentry_project_id_sequence" to table: "audit_entries"
CREATE UNIQUE INDEX `auditentry_project_id_sequence` ON `audit_entries` (`project_id`, `sequence`);
-- Create "batch_predictions" table
CREATE TABLE `batch_predictions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `state` text NOT NULL DEFAULT ('PENDING'), `input_key` text NOT NULL, `output_key` text NOT NULL DEFAULT (''), `rows_processed` integer NOT NULL DEFAULT (0), `rows_total` integer NOT NULL DEFAULT (0), `error` text NOT NULL DEFAULT (''), `request_id` text NULL, `model_id` uuid NOT NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `batch_predictions_models_batch_predictions` FOREIGN KEY (`model_id`) REFERENCES `models` (`id`) ON DELETE NO ACTION, CONSTRAINT `batch_predictions_users_batch_predictions` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "batchprediction_owner_id_created_at" to table: "batch_predictions"
CREATE INDEX `batchprediction_owner_id_created_at` ON `batch_predictions` (`owner_id`, `created_at`);
-- Create index "batchprediction_owner_id_request_id" to table: "batch_predictions"
CREATE UNIQUE INDEX `batchprediction_owner_id_request_id` ON `batch_predictions` (`owner_id`, `request_id`);
-- Create index "batchprediction_state" to table: "batch_predictions"
CREATE INDEX `batchprediction_state` ON `batch_predictions` (`state`);
-- Create "datasets" table
CREATE TABLE `datasets` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `display_name` text NOT NULL DEFAULT (''), `data_type` text NOT NULL, `files` json NULL, `size_bytes` integer NOT NULL DEFAULT (0), `num_rows` integer NOT NULL DEFAULT (0), `num_columns` integer NOT NULL DEFAULT (0), `labeled` bool NOT NULL DEFAULT (false), `profile` json NULL, `request_id` text NULL, `expires_at` datetime NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `datasets_users_datasets` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "dataset_owner_id_created_at" to table: "datasets"
CREATE INDEX `dataset_owner_id_created_at` ON `datasets` (`owner_id`, `created_at`);
-- Create index "dataset_owner_id_request_id" to table: "datasets"
CREATE UNIQUE INDEX `dataset_owner_id_request_id` ON `datasets` (`owner_id`, `request_id`);
-- Create index "dataset_expires_at" to table: "datasets"
CREATE INDEX `dataset_expires_at` ON `datasets` (`expires_at`);
-- Create "models" table
CREATE TABLE `models` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `learner` text NOT NULL DEFAULT (''), `artifact_key` text NOT NULL DEFAULT (''), `onnx_key` text NOT NULL DEFAULT (''), `metrics` json NULL, `report` json NULL, `feature_schema` json NULL, `code_examples` json NULL, `state` text NOT NULL DEFAULT ('TRAINING'), `endpoint_id` text NOT NULL DEFAULT (''), `external_id` text NOT NULL DEFAULT (''), `project_id` uuid NOT NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `models_projects_models` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `models_users_models` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "model_owner_id_created_at" to table: "models"
CREATE INDEX `model_owner_id_created_at` ON `models` (`owner_id`, `created_at`);
-- Create index "model_project_id" to table: "models"
CREATE INDEX `model_project_id` ON `models` (`project_id`);
-- Create index "model_state" to table: "models"
CREATE INDEX `model_state` ON `models` (`state`);
-- Create "outbox_messages" table
CREATE TABLE `outbox_messages` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `topic` text NOT NULL, `ordering_key` text NOT NULL DEFAULT (''), `payload` blob NOT NULL, `published_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Create index "outboxmessage_published_at_created_at" to table: "outbox_messages"
CREATE INDEX `outboxmessage_published_at_created_at` ON `outbox_messages` (`published_at`, `created_at`);
-- Create "progress_events" table
CREATE TABLE `progress_events` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `sequence` integer NOT NULL, `stage` text NOT NULL, `kind` text NOT NULL, `stage_progress` real NOT NULL DEFAULT (0), `estimated_seconds_remaining` integer NULL, `message` text NOT NULL DEFAULT (''), `payload` json NULL, `project_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `progress_events_projects_progress_events` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Create index "progressevent_project_id_sequence" to table: "progress_events"
CREATE UNIQUE INDEX `progressevent_project_id_sequence` ON `progress_events` (`project_id`, `sequence`);
-- Create "projects" table
CREATE TABLE `projects` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `display_name` text NOT NULL DEFAULT (''), `problem_description` text NOT NULL, `data_type` text NOT NULL, `requires_approval` bool NOT NULL DEFAULT (false), `stage` text NOT NULL DEFAULT ('ANALYZING'), `stage_started_at` datetime NULL, `stage_progress` real NOT NULL DEFAULT (0), `estimated_seconds_remaining` integer NULL, `iteration` integer NOT NULL DEFAULT (0), `budget_seconds` integer NOT NULL DEFAULT (0), `analysis` json NULL, `plan` json NULL, `error_message` text NOT NULL DEFAULT (''), `suggestions` json NULL, `request_id` text NULL, `webhook_url` text NULL, `lease_owner` text NOT NULL DEFAULT (''), `lease_expires_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `next_sequence` integer NOT NULL DEFAULT (0), `next_audit_sequence` integer NOT NULL DEFAULT (0), `completed_at` datetime NULL, `dataset_id` uuid NOT NULL, `model_id` uuid NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `projects_datasets_projects` FOREIGN KEY (`dataset_id`) REFERENCES `datasets` (`id`) ON DELETE NO ACTION, CONSTRAINT `projects_models_model` FOREIGN KEY (`model_id`) REFERENCES `models` (`id`) ON DELETE SET NULL, CONSTRAINT `projects_users_projects` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "project_owner_id_created_at" to table: "projects"
CREATE INDEX `project_owner_id_created_at` ON `projects` (`owner_id`, `created_at`);
-- Create index "project_owner_id_stage" to table: "projects"
CREATE INDEX `project_owner_id_stage` ON `projects` (`owner_id`, `stage`);
-- Create index "project_stage" to table: "projects"
CREATE INDEX `project_stage` ON `projects` (`stage`);
-- Create index "project_owner_id_request_id" to table: "projects"
CREATE UNIQUE INDEX `project_owner_id_request_id` ON `projects` (`owner_id`, `request_id`);
-- Create index "project_lease_expires_at" to table: "projects"
CREATE INDEX `project_lease_expires_at` ON `projects` (`lease_expires_at`);
-- Create "users" table
CREATE TABLE `users` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `default_role` text NOT NULL DEFAULT ('MEMBER'), `webhook_url` text NULL, PRIMARY KEY (`id`));
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
