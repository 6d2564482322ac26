-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_users" table
CREATE TABLE `new_users` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `default_role` text NOT NULL DEFAULT ('MEMBER'), `webhook_url` text NULL, `oidc_subject` text NULL, PRIMARY KEY (`id`));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `email`, `display_name`, `default_role`, `webhook_url`) SELECT `id`, `created_at`, `updated_at`, `email`, `display_name`, `default_role`, `webhook_url` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
-- Create index "users_oidc_subject_key" to table: "users"
CREATE UNIQUE INDEX `users_oidc_subject_key` ON `users` (`oidc_subject`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
