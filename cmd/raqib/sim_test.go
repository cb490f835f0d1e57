package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSimFlagErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "obs.ndjson")
	for _, tc := range []struct {
		args []string
		want []string // every one must be named
	}{
		{[]string{"--scenario", "nope", "--out", out}, []string{"--scenario", `"nope"`, "quiet-night"}},
		{[]string{"--seed", "-1", "--out", out}, []string{"--seed"}},
		{[]string{"--start", "yesterday", "--out", out}, []string{"--start", "RFC 3339"}},
		{[]string{"--duration", "forever", "--out", out}, []string{"--duration"}},
		{[]string{"--duration", "0s", "--out", out}, []string{"--duration", "1s"}},
		{[]string{"--speed", "-2", "--out", out}, []string{"--speed"}},
		{[]string{"--intensity", "loud", "--out", out}, []string{"--intensity", "surge"}},
		{[]string{"--weather", "0", "--out", out}, []string{"--weather"}},
		{[]string{"--batch", "0", "--addr", "127.0.0.1:9"}, []string{"--batch"}},
		{[]string{"--senders", "many", "--addr", "127.0.0.1:9"}, []string{"--senders"}},
		{[]string{"--addr", "10.1.2.3:8080"}, []string{"--addr", "loopback"}},
		{[]string{"--addr", "example.com:80"}, []string{"--addr", "loopback"}},
		{[]string{"--out", out, "--addr", "127.0.0.1:9"}, []string{"--out and --addr"}},
		{[]string{}, []string{"--out FILE or --addr"}},
		{[]string{"--out", out, "--truth", "-"}, []string{"--truth"}},
		{[]string{"--out", out, "stray"}, []string{`"stray"`}},
		// Several mistakes are all reported.
		{[]string{"--seed", "x", "--duration", "y", "--intensity", "z"}, []string{"--seed", "--duration", "--intensity", "--out FILE or --addr"}},
	} {
		var stderr bytes.Buffer
		err := runSim(context.Background(), tc.args, io.Discard, &stderr)
		if err == nil || !errors.Is(err, errUsage) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || !strings.Contains(stderr.String(), w) {
				t.Errorf("%v: error %q (stderr %q) does not name %s", tc.args, err, stderr.String(), w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command line created its output file")
	}
}

// With a server, the default start keeps simulated time behind the wall
// clock, which the server checks sensor times against.
func TestSimDefaultStart(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		args []string
		want time.Time
	}{
		{[]string{"--out", "x"}, time.Date(2026, 11, 23, 22, 0, 0, 0, time.FixedZone("+03", 3*3600))},
		{[]string{"--addr", "127.0.0.1:9", "--duration", "1h"}, now},
		{[]string{"--addr", "127.0.0.1:9", "--duration", "1h", "--speed", "10"}, now.Add(-54 * time.Minute)},
		{[]string{"--addr", "127.0.0.1:9", "--duration", "1h", "--speed", "0"}, now.Add(-time.Hour)},
		{[]string{"--addr", "127.0.0.1:9", "--duration", "1h", "--speed", "0.5"}, now},
		{[]string{"--addr", "127.0.0.1:9", "--start", "2026-11-20T01:00:00Z"}, time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)},
	} {
		fs := flag.NewFlagSet("sim", flag.ContinueOnError)
		var f simFlags
		f.bind(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.config(now)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !cfg.opts.Start.Equal(tc.want) {
			t.Errorf("%v: start %v, want %v", tc.args, cfg.opts.Start, tc.want)
		}
	}
}

func TestSimHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := runSim(context.Background(), []string{"-h"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	for _, w := range []string{"alhol-escape", "camera-outage", "--truth", "--intensity"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("help does not mention %s", w)
		}
	}
}

// TestSimFiles runs a short scenario into files twice: the same bytes,
// and a summary.
func TestSimFiles(t *testing.T) {
	run := func(dir string) (string, map[string][]byte) {
		args := []string{
			"--scenario", "infiltration-anbar", "--seed", "3", "--start", "2026-11-23T23:00:00+03:00",
			"--duration", "10s", "--intensity", "quiet",
			"--out", filepath.Join(dir, "obs.ndjson"), "--truth", filepath.Join(dir, "truth.ndjson"),
			"--heartbeats", filepath.Join(dir, "hb.ndjson"),
		}
		var stdout bytes.Buffer
		if err := runSim(context.Background(), args, &stdout, io.Discard); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, name := range []string{"obs.ndjson", "truth.ndjson", "hb.ndjson"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || len(b) == 0 {
				t.Fatalf("%s: %v, %d bytes", name, err, len(b))
			}
			files[name] = b
		}
		return stdout.String(), files
	}
	summary, a := run(t.TempDir())
	for _, w := range []string{"scenario     infiltration-anbar, seed 3", "observations", "heartbeats", "actors", "crossings"} {
		if !strings.Contains(summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, summary)
		}
	}
	_, b := run(t.TempDir())
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// TestSimServer posts to a fake server.
func TestSimServer(t *testing.T) {
	var obs, hbs atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int64(bytes.Count(body, []byte("\n")))
		switch r.URL.Path {
		case "/api/v1/observations":
			obs.Add(n)
		case "/api/v1/heartbeats":
			hbs.Add(n)
		default:
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	args := []string{"--addr", srv.Listener.Addr().String(), "--speed", "0", "--duration", "10s", "--intensity", "quiet", "--batch", "200"}
	var stdout bytes.Buffer
	if err := runSim(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if obs.Load() == 0 || hbs.Load() == 0 {
		t.Errorf("server got %d observations, %d heartbeats", obs.Load(), hbs.Load())
	}
	if !strings.Contains(stdout.String(), "sent ") {
		t.Errorf("summary lacks the delivery line:\n%s", stdout.String())
	}
}

// TestSimServerRefuses stops with the server's message.
func TestSimServerRefuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"invalid","message":"observations[0].kind: \"thermal_camera\" is unknown"}}`)
	}))
	defer srv.Close()
	args := []string{"--addr", srv.Listener.Addr().String(), "--speed", "0", "--duration", "10s", "--intensity", "quiet"}
	err := runSim(context.Background(), args, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `observations[0].kind: "thermal_camera" is unknown`) {
		t.Fatalf("got %v", err)
	}
}
