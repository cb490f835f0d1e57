package fusion

import (
	"sync"
	"testing"
	"time"

	"raqib/internal/sim"
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
		benchBatches, benchCount = feedBatches(newSimFeed(b, "infiltration-anbar", 2*time.Minute, false))
	})
	return benchBatches, benchCount
}

// The surge benchmark replays 20 simulated seconds of infiltration-anbar
// at surge intensity: ten times the clutter and animals, about 50,000
// observations a second and some 25,000 tracks at once.

var (
	surgeOnce    sync.Once
	surgeBatches [][]Measurement
	surgeCount   int
)

func surgeData(b *testing.B) ([][]Measurement, int) {
	b.Helper()
	surgeOnce.Do(func() {
		feed := newSimFeedAt(b, "infiltration-anbar", 20*time.Second, false, sim.IntensitySurge)
		surgeBatches, surgeCount = feedBatches(feed)
	})
	return surgeBatches, surgeCount
}

// feedBatches runs feed to its end and returns its batches and the
// number of measurements in them.
func feedBatches(feed *simFeed) ([][]Measurement, int) {
	var out [][]Measurement
	n := 0
	for {
		bs := feed.step()
		if bs == nil {
			return out, n
		}
		for _, ms := range bs {
			out = append(out, ms)
			n += len(ms)
		}
	}
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
			benchReplay(b, batches, n, c.shards, c.workers)
		})
	}
}

func BenchmarkTrackerSurge(b *testing.B) {
	for _, c := range []struct {
		name            string
		shards, workers int
	}{
		{"shards=2/workers=2", 2, 2},
		{"shards=1/workers=1", 1, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			batches, n := surgeData(b)
			benchReplay(b, batches, n, c.shards, c.workers)
		})
	}
}

// benchReplay feeds the n measurements of batches, in order, to a new
// tracker per iteration and reports the throughput.
func benchReplay(b *testing.B, batches [][]Measurement, n, shards, workers int) {
	b.Helper()
	cfg := shardedConfig(b, shards)
	cfg.Workers = workers
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
	total := float64(n) * float64(iters)
	b.ReportMetric(total/b.Elapsed().Seconds(), "meas/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e6/total, "µs/meas")
}
