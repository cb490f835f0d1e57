package eventlog

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"raqib/internal/errs"
)

func TestAppendReplayRoundTrip(t *testing.T) {
	l := openLog(t, Config{})
	ctx := t.Context()

	var want []Position
	for i := range 20 {
		pos, err := l.Append(ctx, RecordKind(1+i%3), payloadFor(i))
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		if len(want) > 0 && !want[len(want)-1].Less(pos) {
			t.Fatalf("Append %d: position %v not after %v", i, pos, want[len(want)-1])
		}
		want = append(want, pos)
	}

	recs := collect(t, l, beginning, farFuture)
	if len(recs) != len(want) {
		t.Fatalf("replayed %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if r.Position != want[i] || r.Kind != RecordKind(1+i%3) || !bytes.Equal(r.Payload, payloadFor(i)) {
			t.Errorf("record %d = {%v %d %q}, want {%v %d %q}", i, r.Position, r.Kind, r.Payload, want[i], 1+i%3, payloadFor(i))
		}
		if r.Stored.IsZero() {
			t.Errorf("record %d has no stored time", i)
		}
	}

	last, err := l.Last(ctx)
	if err != nil || last != want[len(want)-1] {
		t.Errorf("Last = %v, %v; want %v", last, err, want[len(want)-1])
	}
	if got := l.Stats().Records; got != uint64(len(want)) {
		t.Errorf("Stats().Records = %d, want %d", got, len(want))
	}
	if err := l.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestEmptyLog(t *testing.T) {
	l := openLog(t, Config{})
	if recs := collect(t, l, beginning, farFuture); len(recs) != 0 {
		t.Errorf("Replay of an empty log gave %d records", len(recs))
	}
	if recs := collectFrom(t, l, Position{}); len(recs) != 0 {
		t.Errorf("ReplayFrom of an empty log gave %d records", len(recs))
	}
	if last, err := l.Last(t.Context()); err != nil || last != (Position{}) {
		t.Errorf("Last = %v, %v; want the zero position", last, err)
	}
}

func TestConcurrentAppendsAreGathered(t *testing.T) {
	l := openLog(t, Config{})
	const writers, each = 64, 40

	type appended struct {
		pos     Position
		payload []byte
	}
	results := make([][]appended, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := payloadFor(w*each + i)
				pos, err := l.Append(t.Context(), 7, p)
				if err != nil {
					t.Errorf("writer %d append %d: %v", w, i, err)
					return
				}
				results[w] = append(results[w], appended{pos, p})
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	byPos := map[Position][]byte{}
	for _, rs := range results {
		for i, r := range rs {
			if i > 0 && !rs[i-1].pos.Less(r.pos) {
				t.Errorf("one writer's positions out of order: %v then %v", rs[i-1].pos, r.pos)
			}
			if _, dup := byPos[r.pos]; dup {
				t.Fatalf("position %v given twice", r.pos)
			}
			byPos[r.pos] = r.payload
		}
	}
	recs := collectFrom(t, l, Position{})
	if len(recs) != writers*each {
		t.Fatalf("replayed %d records, want %d", len(recs), writers*each)
	}
	for i, r := range recs {
		if i > 0 && !recs[i-1].Position.Less(r.Position) {
			t.Errorf("replay out of order: %v then %v", recs[i-1].Position, r.Position)
		}
		if !bytes.Equal(byPos[r.Position], r.Payload) {
			t.Errorf("record at %v = %q, the append there sent %q", r.Position, r.Payload, byPos[r.Position])
		}
	}

	info, err := l.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	t.Logf("%d records in %d messages (largest %d)", st.Records, info.Messages, st.MaxBatchRecords)
	if info.Messages*4 > writers*each {
		t.Errorf("%d appends took %d messages: group commit should gather at least 4 per message", writers*each, info.Messages)
	}
	if st.Messages != info.Messages {
		t.Errorf("Stats().Messages = %d, stream holds %d", st.Messages, info.Messages)
	}
}

func TestReplayTimeWindow(t *testing.T) {
	l := openLog(t, Config{})
	ctx := t.Context()
	for i := range 30 {
		if _, err := l.Append(ctx, 1, payloadFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	all := collect(t, l, beginning, farFuture)
	if len(all) != 30 {
		t.Fatalf("replayed %d records, want 30", len(all))
	}
	// Cut at the stored time of a message in the middle: [start, cut) and
	// [cut, end) split the log there, whole messages on each side.
	cut := all[15].Stored
	before := collect(t, l, beginning, cut)
	after := collect(t, l, cut, farFuture)
	if len(before)+len(after) != len(all) {
		t.Fatalf("windows hold %d + %d records, want %d", len(before), len(after), len(all))
	}
	for _, r := range before {
		if !r.Stored.Before(cut) {
			t.Errorf("record %v stored at %v is not before %v", r.Position, r.Stored, cut)
		}
	}
	for i, r := range after {
		if r.Stored.Before(cut) {
			t.Errorf("record %v stored at %v is before %v", r.Position, r.Stored, cut)
		}
		if r.Position != all[len(before)+i].Position {
			t.Errorf("after[%d] at %v, want %v", i, r.Position, all[len(before)+i].Position)
		}
	}
	if got := collect(t, l, cut, cut); len(got) != 0 {
		t.Errorf("an empty window gave %d records", len(got))
	}
	if got := collect(t, l, farFuture, farFuture.Add(time.Hour)); len(got) != 0 {
		t.Errorf("a window after the log gave %d records", len(got))
	}
	if err := l.Replay(ctx, cut, beginning, func(Record) error { return nil }); !errs.Is(err, errs.Invalid) {
		t.Errorf("Replay with to before from: %v, want invalid", err)
	}
}

func TestReplayFromPosition(t *testing.T) {
	l := openLog(t, Config{GroupCommitWindow: 20 * time.Millisecond})
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := l.Append(ctx, 2, payloadFor(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	all := collectFrom(t, l, Position{})
	if len(all) != 50 {
		t.Fatalf("replayed %d records, want 50", len(all))
	}
	for _, k := range []int{0, 1, 17, 48, 49} {
		got := collectFrom(t, l, all[k].Position)
		if len(got) != 49-k {
			t.Errorf("after %v: %d records, want %d", all[k].Position, len(got), 49-k)
			continue
		}
		if len(got) > 0 && got[0].Position != all[k+1].Position {
			t.Errorf("after %v: first is %v, want %v", all[k].Position, got[0].Position, all[k+1].Position)
		}
	}
}

func TestReplayStopsOnCallbackError(t *testing.T) {
	l := openLog(t, Config{})
	for i := range 5 {
		if _, err := l.Append(t.Context(), 1, payloadFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	stop := errs.E(errs.Internal, "enough")
	n := 0
	err := l.ReplayFrom(t.Context(), Position{}, func(Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("ReplayFrom = %v after %d records, want the callback's error after 3", err, n)
	}
}

func TestAppendRefusals(t *testing.T) {
	l := openLog(t, Config{})
	ctx := t.Context()
	if _, err := l.Append(ctx, 0, []byte("x")); !errs.Is(err, errs.Invalid) {
		t.Errorf("kind 0: %v, want invalid", err)
	}
	big := make([]byte, embeddedMaxPayload)
	if _, err := l.Append(ctx, 1, big); !errs.Is(err, errs.TooLarge) {
		t.Errorf("payload of %d bytes: %v, want too_large", len(big), err)
	}
	// The largest payload accepted is published alone and reads back whole.
	max := make([]byte, l.maxRecord)
	max[0], max[len(max)-1] = 1, 2
	pos, err := l.Append(ctx, 1, max)
	if err != nil {
		t.Fatalf("payload of %d bytes: %v", len(max), err)
	}
	recs := collectFrom(t, l, Position{})
	if len(recs) != 1 || recs[0].Position != pos || !bytes.Equal(recs[0].Payload, max) {
		t.Errorf("the largest record did not read back whole")
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Append(cctx, 1, []byte("x")); !errs.Is(err, errs.Unavailable) {
		t.Errorf("cancelled context: %v, want unavailable", err)
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, 1, []byte("x")); !errs.Is(err, errs.Unavailable) {
		t.Errorf("after Close: %v, want unavailable", err)
	}
	if err := l.Ping(ctx); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Ping after Close: %v, want unavailable", err)
	}
}

func TestLargePayloadsOnePerMessage(t *testing.T) {
	l := openLog(t, Config{GroupCommitBytes: 64 << 10})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p := bytes.Repeat([]byte{byte(i)}, 100<<10)
			if _, err := l.Append(t.Context(), 3, p); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := l.Stats(); st.Messages != 8 || st.MaxBatchRecords != 1 {
		t.Errorf("8 payloads of 100 KiB over a 64 KiB flush size took %d messages (largest %d records), want 8 of 1", st.Messages, st.MaxBatchRecords)
	}
}
