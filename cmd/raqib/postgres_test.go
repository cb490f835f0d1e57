package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/theater"
)

// TestPostgresRestartKeepsEdits runs the server with --db on PostgreSQL:
// a crossing status posted survives a restart, and the admin and audit
// commands read the same database.
func TestPostgresRestartKeepsEdits(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	start := func() (*Main, context.CancelFunc, chan error) {
		m := NewMain(io.Discard, io.Discard)
		m.Getenv = func(string) string { return "" }
		m.PasswordHash = testHash
		if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0", "--data", dir, "--db", dsn}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := m.Open(ctx); err != nil {
			cancel()
			t.Fatal(err)
		}
		tok, err := issueTestToken(ctx, m.auth)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		serverToken(m.URL(), tok)
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		return m, cancel, done
	}
	m, cancel, done := start()
	req, err := http.NewRequest("POST", m.URL()+"/api/v1/crossings/X-QAIM/status", strings.NewReader(`{"status":"restricted","note":"night"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("post crossing status: %s", resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// The commands find the server's accounts and audit trail there.
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"user", "list", "--data", dir, "--db", dsn}, &out, &errOut); err != nil {
		t.Fatalf("user list: %v\n%s", err, errOut.String())
	}
	if out.Len() == 0 {
		t.Error("user list printed nothing")
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir, "--db", dsn}, &out, &errOut); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "intact") {
		t.Errorf("audit verify: %s", out.String())
	}

	m, cancel, done = start()
	defer func() { cancel(); <-done; m.Close() }()
	code, body := get(t, m.URL()+"/api/v1/crossings")
	if code != http.StatusOK {
		t.Fatalf("crossings: %d %s", code, body)
	}
	var list struct{ Crossings []theater.CrossingView }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	for _, x := range list.Crossings {
		if x.ID == "X-QAIM" {
			if x.Status != "restricted" || x.Note != "night" {
				t.Fatalf("after restart X-QAIM = %+v", x)
			}
			return
		}
	}
	t.Fatal("X-QAIM missing")
}

func TestDBURLValidation(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"postgres://raqib:secret@db.example:5432/raqib", true},
		{"postgresql://raqib@10.0.0.5/raqib?sslmode=verify-full", true},
		{"mysql://raqib:secret@db/raqib", false},
		{"postgres:///raqib", false},
		{"/var/lib/raqib/raqib.db", false},
	} {
		err := validDBURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("validDBURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("validDBURL(%q) repeats the password: %v", tc.url, err)
		}
	}
}
