package eventlog

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
)

// bigRecord is a record of about 4 KiB.
func bigRecord(i int) []byte { return bytes.Repeat(payloadFor(i), 4096/len(payloadFor(i))) }

// fill appends 4 KiB records one message each until the log refuses one,
// and returns what was acknowledged and the refusal.
func fill(t *testing.T, l *Log) (map[Position][]byte, error) {
	t.Helper()
	acked := map[Position][]byte{}
	for i := range 1000 {
		p := bigRecord(i)
		pos, err := l.Append(t.Context(), 1, p)
		if err != nil {
			return acked, err
		}
		acked[pos] = p
	}
	t.Fatal("the log never filled up")
	return nil, nil
}

func checkFull(t *testing.T, err error, reason string) {
	t.Helper()
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("append to a full log: %v, want unavailable", err)
	}
	msg := errs.MessageOf(err)
	if !strings.HasPrefix(msg, "event log is full") || !strings.Contains(msg, reason) {
		t.Errorf("append to a full log says %q, want \"event log is full: …%s…\"", msg, reason)
	}
}

// TestFullStreamRecoversByAge fills the stream's MaxBytes: the append is
// refused, nothing stored is lost, and appends work again by themselves as
// messages age out.
func TestFullStreamRecoversByAge(t *testing.T) {
	const maxAge = 3 * time.Second
	l := openLog(t, Config{MaxBytes: 64 << 10, MaxAge: maxAge, DuplicateWindow: time.Second})
	start := time.Now()
	acked, err := fill(t, l)
	checkFull(t, err, "maximum bytes exceeded")
	if len(acked) < 10 {
		t.Fatalf("only %d records fit in 64 KiB", len(acked))
	}
	if time.Since(start) < maxAge {
		checkHolds(t, l, acked)
	} else {
		t.Log("filling took longer than MaxAge: the contents check is skipped")
	}
	if st := l.Stats(); st.Failed == 0 {
		t.Errorf("Stats().Failed = 0 after a refused append")
	}
	checkFor(t, 4*maxAge, 100*time.Millisecond, func() error {
		_, err := l.Append(t.Context(), 1, bigRecord(0))
		return err
	})
	if info, err := l.Info(t.Context()); err != nil || info.FirstSeq == 1 {
		t.Errorf("Info = %+v, %v: appends resumed but nothing aged out", info, err)
	}
}

// TestFullStreamRecoversWhenRaised fills the stream, then reopens it with a
// larger MaxBytes: everything stored is kept and appends work again.
func TestFullStreamRecoversWhenRaised(t *testing.T) {
	dir := t.TempDir()
	small, err := Open(t.Context(), Config{Dir: dir, MaxBytes: 64 << 10, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	acked, err := fill(t, small)
	checkFull(t, err, "maximum bytes exceeded")
	if err := small.Ping(t.Context()); err != nil {
		t.Errorf("Ping of a full log: %v (full is not down)", err)
	}
	if err := small.Close(); err != nil {
		t.Fatal(err)
	}

	large := openLog(t, Config{Dir: dir, MaxBytes: 1 << 20})
	if info, err := large.Info(t.Context()); err != nil || info.MaxBytes != 1<<20 {
		t.Errorf("Info after raising = %+v, %v; want MaxBytes %d", info, err, 1<<20)
	}
	pos, err := large.Append(t.Context(), 1, []byte("after raising"))
	if err != nil {
		t.Fatalf("Append after raising MaxBytes: %v", err)
	}
	acked[pos] = []byte("after raising")
	checkHolds(t, large, acked)
}

// TestServerStoreLimit fills the embedded server's JetStream store limit
// (max_file_store) with no stream limit of its own: the server refuses with
// "insufficient resources", which is also what it says as its disk fills.
func TestServerStoreLimit(t *testing.T) {
	const maxAge = 3 * time.Second
	l := openLog(t, Config{MaxStore: 96 << 10, MaxBytes: -1, MaxAge: maxAge, DuplicateWindow: time.Second})
	start := time.Now()
	acked, err := fill(t, l)
	checkFull(t, err, "store limit")
	if time.Since(start) < maxAge {
		checkHolds(t, l, acked)
	}
	checkFor(t, 4*maxAge, 100*time.Millisecond, func() error {
		_, err := l.Append(t.Context(), 1, bigRecord(0))
		return err
	})
	if info, err := l.Info(t.Context()); err != nil || info.FirstSeq == 1 {
		t.Errorf("Info = %+v, %v: appends resumed but nothing aged out", info, err)
	}
}

// TestMaxBytesOverTheStore: an explicit MaxBytes the store cannot reserve
// is refused; the default (no byte limit) opens, and reopens, on a small
// store.
func TestMaxBytesOverTheStore(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		l, err := Open(t.Context(), Config{Dir: dir, MaxStore: 1 << 20, Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("open %d with the default MaxBytes over a 1 MiB store: %v", i, err)
		}
		if info, err := l.Info(t.Context()); err != nil || info.MaxBytes != -1 {
			t.Errorf("Info = %+v, %v; want no byte limit", info, err)
		}
		l.Close()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, Config{Dir: t.TempDir(), MaxStore: 1 << 20, MaxBytes: 2 << 20, Logger: testLogger(t)})
	if !errs.Is(err, errs.Unavailable) {
		t.Errorf("Open with MaxBytes over the store: %v, want unavailable", err)
	}
}
