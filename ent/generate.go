package ent

//go:generate go run -mod=mod entgo.io/ent/cmd/ent generate --feature privacy,entql,sql/upsert,sql/lock,intercept,sql/versioned-migration,sql/execquery ./schema
