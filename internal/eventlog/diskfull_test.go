package eventlog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"raqib/internal/errs"
)

// TestDiskFull fills a real, small file system under the embedded server
// while it runs. It needs a directory on such a file system and runs only
// when RAQIB_EVENTLOG_SMALL_FS names one, for example (as root):
//
//	unshare -m sh -c 'mount -t tmpfs -o size=16m tmpfs /mnt &&
//	    RAQIB_EVENTLOG_SMALL_FS=/mnt go test -run TestDiskFull ./internal/eventlog/'
//
// Another writer fills the disk (the log's own limits would refuse first):
// the append that meets ENOSPC fails as unavailable, later ones fail at
// once, nothing acknowledged is lost, and appends work again by themselves
// once the space is freed.
func TestDiskFull(t *testing.T) {
	dir := os.Getenv("RAQIB_EVENTLOG_SMALL_FS")
	if dir == "" {
		t.Skip("RAQIB_EVENTLOG_SMALL_FS is not set")
	}
	dir, err := os.MkdirTemp(dir, "eventlog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l := openLog(t, Config{
		Dir: filepath.Join(dir, "log"), MaxStore: 1 << 40, MaxBytes: -1,
		PublishTimeout: time.Second,
	})

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler, 256<<10)
	acked := map[Position][]byte{}
	var refused error
	for i := range 1000 {
		p := bigRecord(i)
		pos, err := l.Append(t.Context(), 1, p)
		if err != nil {
			refused = err
			break
		}
		acked[pos] = p
	}
	if !errs.Is(refused, errs.Unavailable) {
		t.Fatalf("append on a full disk: %v, want unavailable", refused)
	}
	t.Logf("%d records acknowledged, then: %v", len(acked), refused)
	start := time.Now()
	if _, err := l.Append(t.Context(), 1, []byte("still full")); !errs.Is(err, errs.Unavailable) || time.Since(start) > 100*time.Millisecond {
		t.Errorf("append while the store is faulted: %v after %v, want unavailable at once", err, time.Since(start))
	}
	if err := l.Ping(t.Context()); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Ping while the store is faulted: %v, want unavailable", err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		pos, err := l.Append(ctx, 1, bigRecord(0))
		if err == nil {
			acked[pos] = bigRecord(0)
		}
		return err
	})
	if err := l.Ping(t.Context()); err != nil {
		t.Errorf("Ping after recovery: %v", err)
	}
	checkHolds(t, l, acked)
}

// fillDisk writes a file until the disk is full, then frees leave bytes.
func fillDisk(t *testing.T, name string, leave int64) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var size int64
	for {
		n, err := f.Write(buf)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(size-leave, 0)); err != nil {
		t.Fatal(err)
	}
}
