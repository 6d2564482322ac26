-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_models" table
CREATE TABLE `new_models` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `learner` text NOT NULL DEFAULT (''), `artifact_key` text NOT NULL DEFAULT (''), `onnx_key` text NOT NULL DEFAULT (''), `metrics` json NULL, `report` json NULL, `feature_schema` json NULL, `code_examples` json NULL, `state` text NOT NULL DEFAULT ('TRAINING'), `endpoint_id` text NOT NULL DEFAULT (''), `external_id` text NOT NULL DEFAULT (''), `expires_at` datetime NULL, `project_id` uuid NOT NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `models_projects_models` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `models_users_models` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "models" to new temporary table "new_models"
INSERT INTO `new_models` (`id`, `created_at`, `updated_at`, `learner`, `artifact_key`, `onnx_key`, `metrics`, `report`, `feature_schema`, `code_examples`, `state`, `endpoint_id`, `external_id`, `project_id`, `owner_id`) SELECT `id`, `created_at`, `updated_at`, `learner`, `artifact_key`, `onnx_key`, `metrics`, `report`, `feature_schema`, `code_examples`, `state`, `endpoint_id`, `external_id`, `project_id`, `owner_id` FROM `models`;
-- Drop "models" table after copying rows
DROP TABLE `models`;
-- Rename temporary table "new_models" to "models"
ALTER TABLE `new_models` RENAME TO `models`;
-- Create index "model_owner_id_created_at" to table: "models"
CREATE INDEX `model_owner_id_created_at` ON `models` (`owner_id`, `created_at`);
-- Create index "model_project_id" to table: "models"
CREATE INDEX `model_project_id` ON `models` (`project_id`);
-- Create index "model_state" to table: "models"
CREATE INDEX `model_state` ON `models` (`state`);
-- Create index "model_expires_at" to table: "models"
CREATE INDEX `model_expires_at` ON `models` (`expires_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
