package fusion

import (
	"sync"
	"testing"
	"time"
)

// The benchmark replays two minutes of the simulator's infiltration-anbar
// scenario at realistic intensity (about 600,000 observations, half of
// them clutter, from 960 cameras and the patrols' GPS) in batches of 500
// in the order they were sent, as ingest delivers them.

var (
	benchOnce    sync.Once
	benchBatches [][]Measurement
	benchCount   int
)

func benchData(b *testing.B) ([][]Measurement, int) {
	b.Helper()
	benchOnce.Do(func() {
		feed := newSimFeed(b, "infiltration-anbar", 2*time.Minute, false)
		for {
			bs := feed.step()
			if bs == nil {
				break
			}
			for _, ms := range bs {
				benchBatches = append(benchBatches, ms)
				benchCount += len(ms)
			}
		}
	})
	return benchBatches, benchCount
}

// shardedConfig splits the border in n shards of equal chainage, as the
// pipeline does.
func shardedConfig(b testing.TB, n int) Config {
	cfg := DefaultConfig()
	if n == 1 {
		return cfg
	}
	th := loadTheater(b)
	length := th.Border.Length()
	cfg.Key = th.Chainage
	for i := range n {
		if i > 0 {
			cfg.Cuts = append(cfg.Cuts, length*float64(i)/float64(n))
		}
		mid, _ := th.Border.Index.At(length * (float64(i) + 0.5) / float64(n))
		cfg.Origins = append(cfg.Origins, mid)
	}
	return cfg
}

func BenchmarkTracker(b *testing.B) {
	for _, c := range []struct {
		name            string
		shards, workers int
	}{
		{"shards=1/workers=1", 1, 1},
		{"shards=2/workers=1", 2, 1},
		{"shards=2/workers=2", 2, 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			batches, n := benchData(b)
			cfg := shardedConfig(b, c.shards)
			cfg.Workers = c.workers
			b.ReportAllocs()
			iters := 0
			for b.Loop() {
				tr, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				for _, ms := range batches {
					tr.Process(ms)
				}
				tr.Close()
				iters++
			}
			b.ReportMetric(float64(n)*float64(iters)/b.Elapsed().Seconds(), "meas/s")
		})
	}
}
