package trackfile

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkWrite(b *testing.B) {
	tr := FromUpdate(sampleUpdate())
	al := FromEvent(1, AlertRaised, sampleEvent())
	w := NewWriter(io.Discard)
	b.Run("track", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := w.Track(tr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := w.Alert(al); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRead reads 1,000 track records a loop.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for range 1000 {
		w.Track(FromUpdate(sampleUpdate()))
	}
	w.Flush()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewTrackReader(bytes.NewReader(data), "bench")
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("%d records", n)
		}
	}
}
