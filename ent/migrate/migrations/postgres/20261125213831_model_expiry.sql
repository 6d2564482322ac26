-- Modify "models" table
ALTER TABLE "models" ADD COLUMN "expires_at" timestamptz NULL;
-- Create index "model_expires_at" to table: "models"
CREATE INDEX "model_expires_at" ON "models" ("expires_at");
