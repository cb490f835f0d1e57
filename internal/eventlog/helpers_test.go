package eventlog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// checkFor calls f every interval until it returns nil, and fails the test
// with f's last error once timeout has passed.
func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}

// testLogger writes warnings and errors to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openLog opens an embedded log in cfg.Dir (a new temporary directory when
// empty) and closes it when the test ends.
func openLog(t testing.TB, cfg Config) *Log {
	t.Helper()
	if cfg.Dir == "" && cfg.URL == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 1 << 30 // the default exceeds the free disk of most test machines
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// collect replays [from, to) into a slice.
func collect(t testing.TB, l *Log, from, to time.Time) []Record {
	t.Helper()
	var recs []Record
	err := l.Replay(t.Context(), from, to, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return recs
}

// collectFrom replays everything after a position into a slice.
func collectFrom(t testing.TB, l *Log, after Position) []Record {
	t.Helper()
	var recs []Record
	err := l.ReplayFrom(t.Context(), after, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("ReplayFrom: %v", err)
	}
	return recs
}

// payloadFor is a distinct, checkable payload for the i-th record.
func payloadFor(i int) []byte { return fmt.Appendf(nil, "observation-%06d", i) }

// everything is a window that holds every record.
var (
	beginning = time.Unix(0, 0)
	farFuture = time.Now().Add(100 * 365 * 24 * time.Hour)
)

// copyDir copies a directory tree file by file, as a crash would leave it:
// the copy is taken while the server runs, without a clean shutdown.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
