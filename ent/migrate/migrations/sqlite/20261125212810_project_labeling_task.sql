-- Add column "labeling_task" to table: "projects"
ALTER TABLE `projects` ADD COLUMN `labeling_task` json NULL;
