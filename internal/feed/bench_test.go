package feed

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"raqib/internal/fusion"
)

// BenchmarkView is the cost of one track's view, computed and encoded
// once per update whatever the number of clients.
func BenchmarkView(b *testing.B) {
	th := embeddedTheater(b)
	v := viewer{th: th, horizon: DefaultHorizon}
	for _, tc := range []struct {
		name string
		dist float64
	}{{"far", 20000}, {"heading-for-the-line", -1000}} {
		b.Run(tc.name, func(b *testing.B) {
			tr := trackAt(th, "T-1", 200e3, tc.dist, th.Border.TowardIraq(200e3, 250), 1.5, t0)
			b.ReportAllocs()
			for b.Loop() {
				tv := v.View(&tr)
				if _, err := encodeView(&tv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFanout is the hub alone, without sockets: one op is one second
// of a picture of 2,000 tracks each updated once a second, encoded and
// handed to every client, whose writers take their messages as fast as
// they can. cpu-ns/client-s is the process's CPU time per client and
// second of traffic.
func BenchmarkFanout(b *testing.B) {
	th := embeddedTheater(b)
	const tracks = 2000
	updates := make([]fusion.Update, tracks)
	for i := range updates {
		updates[i] = update(fusion.UpdateMeasured, trackAt(th, fmt.Sprintf("T-%04d", i), 10e3+float64(i)*250, 3000, 90, 1, t0))
	}
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			h := newHub(b, nil)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range n {
				c := h.Join(0)
				wg.Go(func() {
					defer c.Close()
					for {
						m, err := c.Next(ctx)
						if err != nil {
							return
						}
						c.Sent(m)
					}
				})
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				// Twenty steps of a hundred tracks each: every track once.
				for k := 0; k < tracks; k += 100 {
					h.PublishTracks(updates[k : k+100])
					h.applyTracks()
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/client-s")
			cancel()
			wg.Wait()
		})
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
