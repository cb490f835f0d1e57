package theater

import (
	"io/fs"
	"testing"
)

// BenchmarkLoad loads the embedded theater whole, then with the border's
// index built once and reused, which leaves the YAML and the checks.
func BenchmarkLoad(b *testing.B) {
	b.Run("embedded", func(b *testing.B) {
		fsys := Embedded()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Load(fsys); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("embedded/index-reused", func(b *testing.B) { benchLoadReused(b, Embedded()) })
	b.Run("minimal/index-reused", func(b *testing.B) { benchLoadReused(b, fuzzFS(b)) })
}

func benchLoadReused(b *testing.B, fsys fs.FS) {
	index := memoIndex()
	b.ReportAllocs()
	for b.Loop() {
		c := newCollector()
		load(c, fsys, index)
		if len(c.list) > 0 {
			b.Fatal(c.list)
		}
	}
}

func BenchmarkLocate(b *testing.B) {
	th, err := Load(Embedded())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		for _, c := range th.Cameras {
			if th.Locate(c.Position).Sector == nil {
				b.Fatal("no sector")
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/locate")
}
