package audit

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

func BenchmarkHashEntry(b *testing.B) {
	e := sampleEntry(7)
	e.Detail, _ = CanonicalDetail(e.Detail)
	var h hasher
	b.ReportAllocs()
	for b.Loop() {
		e.Hash = h.hash(&e)
	}
}

func BenchmarkCanonicalDetail(b *testing.B) {
	in := []byte(`{"reason":"livestock","by":{"user":"ahmed","force":"border-guard"},"tracks":["T1","T2"],"n":3.5}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CanonicalDetail(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend appends to the in-memory store: the Log's own cost,
// without a database.
func BenchmarkAppend(b *testing.B) {
	l, _, _ := newTestLog(b, 0)
	l.cfg.CheckpointEvery = DefaultCheckpointEvery
	e := sampleEntry(1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// filledStore returns a memStore of n entries with a checkpoint every 256.
func filledStore(b *testing.B, n int) (*memStore, *Log) {
	l, m, _ := newTestLog(b, 0)
	l.cfg.CheckpointEvery = DefaultCheckpointEvery
	for i := range n {
		if _, err := l.Append(context.Background(), sampleEntry(i)); err != nil {
			b.Fatal(err)
		}
	}
	return m, l
}

// BenchmarkVerify recomputes a trail in memory; ns/entry is the figure to
// compare.
func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m, _ := filledStore(b, n)
			_, v := testKeys(b)
			b.ReportAllocs()
			for b.Loop() {
				r, err := Verify(context.Background(), m, v)
				if err != nil || !r.OK() {
					b.Fatal(r.Problem, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

// BenchmarkVerifyExport decodes and verifies an export.
func BenchmarkVerifyExport(b *testing.B) {
	const n = 10000
	m, _ := filledStore(b, n)
	var buf bytes.Buffer
	if err := Export(context.Background(), m, time.Time{}, time.Time{}, &buf); err != nil {
		b.Fatal(err)
	}
	_, v := testKeys(b)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		r, err := VerifyExport(bytes.NewReader(buf.Bytes()), v)
		if err != nil || !r.OK() {
			b.Fatal(r.Problem, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/entry")
}
