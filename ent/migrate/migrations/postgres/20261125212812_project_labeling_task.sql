-- Modify "projects" table
ALTER TABLE "projects" ADD COLUMN "labeling_task" jsonb NULL;
