-- Modify "datasets" table
ALTER TABLE "datasets" ADD COLUMN "deleted_at" timestamptz NULL;
