-- Add column "deleted_at" to table: "datasets"
ALTER TABLE `datasets` ADD COLUMN `deleted_at` datetime NULL;
