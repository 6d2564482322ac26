-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "oidc_subject" character varying NULL;
-- Create index "users_oidc_subject_key" to table: "users"
CREATE UNIQUE INDEX "users_oidc_subject_key" ON "users" ("oidc_subject");
