// Package pgtest gives tests a fresh PostgreSQL database. Set TRAINYARD_TEST_POSTGRES_URL to a
// server URL whose user may create databases (for example
// postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable); each call to New creates
// trainyard_test_<random>, and drops it when the test ends. Without the variable the Postgres
// variant of a test is skipped, loudly. See README.md for starting a throwaway server.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable that holds the server URL.
const EnvVar = "TRAINYARD_TEST_POSTGRES_URL"

// New creates an empty database on the server named by TRAINYARD_TEST_POSTGRES_URL and returns
// its URL; the database is dropped at cleanup. When the variable is unset the test is skipped.
func New(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Log("**** " + EnvVar + " is not set: SKIPPING the PostgreSQL variant of this test ****")
		t.Skip(EnvVar + " not set")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvVar, err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "trainyard_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, admin, name) })

	u.Path = "/" + name
	return u.String()
}

// drop removes the database, ending any connection a test left open.
func drop(t testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Errorf("drop database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}
