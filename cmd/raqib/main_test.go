package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"raqib/internal/theater"
)

// startMain runs the real server on 127.0.0.1:0 with a temporary data
// directory, and stops it when the test ends.
func startMain(t *testing.T, args ...string) *Main {
	t.Helper()
	m := NewMain(io.Discard, io.Discard)
	m.Getenv = func(string) string { return "" }
	m.PasswordHash = testHash
	args = append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)
	if err := m.ParseFlags("serve", args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	tok, err := issueTestToken(ctx, m.auth)
	if err != nil {
		t.Fatal(err)
	}
	serverToken(m.URL(), tok)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestServeEndToEnd(t *testing.T) {
	m := startMain(t)
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/sectors", "/api/v1/cameras?sector=S01", "/api/v1/openapi.json", "/metrics", "/api/v1/audit"} {
		if code, body := get(t, m.URL()+path); code != 200 {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	code, body := get(t, m.URL()+"/api/v1/theater")
	if code != 200 {
		t.Fatalf("theater: %d", code)
	}
	var fc theater.FeatureCollection
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) < 960 {
		t.Fatalf("theater GeoJSON: %d features, %v", len(fc.Features), err)
	}
}

// TestRestartKeepsEdits: what an operator changed survives a restart and is
// not overwritten by the theater's seed.
func TestRestartKeepsEdits(t *testing.T) {
	dir := t.TempDir()
	start := func() (*Main, context.CancelFunc, chan error) {
		m := NewMain(io.Discard, io.Discard)
		m.Getenv = func(string) string { return "" }
		m.PasswordHash = testHash
		if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0", "--data", dir}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := m.Open(ctx); err != nil {
			t.Fatal(err)
		}
		tok, err := issueTestToken(ctx, m.auth)
		if err != nil {
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
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("post: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.Close()

	m, cancel, done = start()
	defer func() { cancel(); <-done; m.Close() }()
	_, body := get(t, m.URL()+"/api/v1/crossings")
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

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		args    []string
		env     map[string]string
		mention string
	}{
		{[]string{"--addr", "nonsense"}, nil, "addr"},
		{[]string{"--log-level", "loud"}, nil, "log-level"},
		{[]string{"--log-format", "xml"}, nil, "log-format"},
		{[]string{"--theater", "/nonexistent/theater"}, nil, "theater"},
		{[]string{"--data", " "}, nil, "data"},
		{nil, map[string]string{"RAQIB_ADDR": "nope"}, "addr"},
		{nil, map[string]string{"RAQIB_SHUTDOWN_TIMEOUT": "soon"}, "RAQIB_SHUTDOWN_TIMEOUT"},
		{nil, map[string]string{"RAQIB_MEMORY_LIMIT": "1GiB"}, "RAQIB_MEMORY_LIMIT"},
		{[]string{"--memory-limit", "1000"}, nil, "memory-limit"},
		{[]string{"extra"}, nil, "unexpected argument"},
	}
	for _, tc := range cases {
		m := NewMain(io.Discard, io.Discard)
		m.Getenv = func(k string) string { return tc.env[k] }
		err := m.ParseFlags("serve", tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%v %v: error %v, want one mentioning %q", tc.args, tc.env, err, tc.mention)
		}
	}
}

func TestEnvironmentConfig(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	env := map[string]string{"RAQIB_ADDR": "127.0.0.1:9999", "RAQIB_DATA_DIR": "/tmp/x", "RAQIB_LOG_LEVEL": "debug", "RAQIB_MEMORY_LIMIT": "0"}
	m.Getenv = func(k string) string { return env[k] }
	if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:7777"}); err != nil {
		t.Fatal(err)
	}
	if m.Config.Addr != "127.0.0.1:7777" || m.Config.DataDir != "/tmp/x" || m.Config.LogLevel != "debug" || m.Config.MemoryLimit != 0 {
		t.Fatalf("config = %+v", m.Config)
	}
}

func TestCommands(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "raqib ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(ctx, []string{"bogus"}, &out, &errOut); !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
	if err := run(ctx, nil, &out, &errOut); !errors.Is(err, errUsage) {
		t.Fatalf("no command: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"theater", "validate"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "960 cameras") {
		t.Fatalf("validate: %q %v", out.String(), err)
	}
	path := filepath.Join(t.TempDir(), "cams.geojson")
	if err := run(ctx, []string{"theater", "export", "--layer", "cameras", "--sector", "S02", "--out", path}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte(`"layer":"cameras"`)) || bytes.Contains(data, []byte(`"layer":"sectors"`)) {
		t.Fatalf("export: %v %.200s", err, data)
	}
	for _, args := range [][]string{
		{"theater", "export", "--format", "kml"},
		{"theater", "export", "--layer", "roads"},
		{"theater", "validate", "/nonexistent"},
		{"theater", "frobnicate"},
	} {
		if err := run(ctx, args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestValidateBadTheater: the command prints every problem as
// file:line:col: field: message and fails.
func TestValidateBadTheater(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, theater.Embedded()); err != nil {
		t.Fatal(err)
	}
	sectors := filepath.Join(dir, "sectors.yaml")
	data, err := os.ReadFile(sectors)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "force: army", "force: navy", 1)
	if broken == string(data) {
		t.Fatal("no army sector to break")
	}
	if err := os.WriteFile(sectors, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = run(context.Background(), []string{"theater", "validate", dir}, &out, io.Discard)
	if err == nil {
		t.Fatal("a broken theater validated")
	}
	if !strings.Contains(out.String(), "sectors.yaml:") || !strings.Contains(out.String(), ".force") || !strings.Contains(out.String(), "navy") {
		t.Fatalf("output does not name file:line and field:\n%s", out.String())
	}
}

func TestGracefulShutdown(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	m.Getenv = func(string) string { return "" }
	m.PasswordHash = testHash
	if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	if code, _ := get(t, m.URL()+"/healthz"); code != 200 {
		t.Fatal(code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
	m.Close()
	if _, err := http.Get(m.URL() + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}
