package eventlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Benchmarks run against the embedded server on the machine's disk, with
// sync_interval always (an fsync before every acknowledgement), as
// production runs. docs/eventlog.md lists the figures and the command.

// benchPayload is n bytes that compress about as well as encoded
// observations (half random, half repeated structure).
func benchPayload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	p := make([]byte, n)
	for i := range p {
		if i%2 == 0 {
			p[i] = byte(r.Uint32())
		} else {
			p[i] = byte(i % 7)
		}
	}
	return p
}

func openBench(b *testing.B, cfg Config) *Log {
	b.Helper()
	cfg.Dir = b.TempDir()
	cfg.MaxBytes = 32 << 30
	return openLog(b, cfg)
}

// BenchmarkPublishRaw is JetStream alone: one message per publish, each
// waiting for its acknowledgement. Its msgs/s is the disk's fsync rate.
func BenchmarkPublishRaw(b *testing.B) {
	for _, size := range []int{200, 100 << 10} {
		b.Run(fmt.Sprintf("size=%s", byteSize(size)), func(b *testing.B) {
			l := openBench(b, Config{})
			msg := benchPayload(size, 1)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := l.js.Publish(ctx, "raqib.log.raw", msg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAppendLarge appends ingest-batch-sized payloads one at a time:
// each is at least GroupCommitBytes, so each is one message.
func BenchmarkAppendLarge(b *testing.B) {
	for _, size := range []int{100 << 10} {
		b.Run(fmt.Sprintf("size=%s", byteSize(size)), func(b *testing.B) {
			l := openBench(b, Config{GroupCommitBytes: size})
			p := benchPayload(size, 2)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := l.Append(ctx, 1, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAppendConcurrent is group commit under a steady load: `callers`
// goroutines append one small record after another, as many ingest
// requests at once would; each iteration is one Append. records/s is what
// the log acknowledges; records/msg and B/msg are the gathered batches.
func BenchmarkAppendConcurrent(b *testing.B) {
	for _, size := range []int{200} {
		for _, callers := range []int{64, 512} {
			for _, window := range []time.Duration{0, 2 * time.Millisecond} {
				name := fmt.Sprintf("size=%s/callers=%d/window=%v", byteSize(size), callers, window)
				b.Run(name, func(b *testing.B) {
					l := openBench(b, Config{GroupCommitWindow: window})
					p := benchPayload(size, 3)
					ctx := context.Background()
					tokens := make(chan struct{}, callers)
					var wg sync.WaitGroup
					for range callers {
						wg.Go(func() {
							for range tokens {
								if _, err := l.Append(ctx, 1, p); err != nil {
									b.Error(err)
								}
							}
						})
					}
					b.ReportAllocs()
					for b.Loop() {
						tokens <- struct{}{}
					}
					close(tokens)
					wg.Wait()
					st := l.Stats()
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
					b.ReportMetric(float64(st.Records)/float64(st.Messages), "records/msg")
					b.ReportMetric(float64(st.PayloadBytes)/float64(st.Messages), "B/msg")
				})
			}
		}
	}
}

// BenchmarkReplay reads back a log of group-commit messages of 500
// observation-sized records each: 100,000 records fit in the open block
// (never compressed), 1,000,000 span several sealed, compressed blocks.
func BenchmarkReplay(b *testing.B) {
	const perMsg = 500
	for _, records := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", records), func(b *testing.B) {
			l := openBench(b, Config{})
			fillContainers(b, l, records/perMsg, perMsg)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := l.ReplayFrom(ctx, Position{}, func(r Record) error {
					n++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if n != records {
					b.Fatalf("replayed %d records, want %d", n, records)
				}
			}
			b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkReopen measures a restart of the embedded server on a store of
// about 215 MB (512 messages of 10,000 observation-sized records):
//
//   - in-window: after Close, with every message inside the duplicate
//     window, which the server re-reads to rebuild its dedupe map;
//   - clean: after Close, the window passed (the steady state: the
//     window holds only its last minute);
//   - unclean: a copy taken while the server ran, as a crash leaves it:
//     the stream's index is stale and the server reads every block.
func BenchmarkReopen(b *testing.B) {
	const perMsg, msgs = 10_000, 512
	const shortWindow = time.Second
	dir := b.TempDir()
	open := func(dir string, window time.Duration) *Log {
		l, err := Open(context.Background(), Config{Dir: dir, MaxBytes: 32 << 30, DuplicateWindow: window, Logger: testLogger(b)})
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	l := open(dir, DefaultDuplicateWindow)
	fillContainers(b, l, msgs, perMsg)
	info, err := l.Info(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	reopen := func(b *testing.B, dir string, window time.Duration) {
		b.StartTimer()
		l := open(dir, window)
		b.StopTimer()
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("in-window", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			reopen(b, dir, DefaultDuplicateWindow)
			b.StartTimer()
		}
		b.ReportMetric(float64(info.Bytes)/1e6, "MB")
	})

	// Shorten the window, write once more (so the stream's index on disk is
	// stale), take the crash copy, and let the window pass.
	l = open(dir, shortWindow)
	if _, err := l.Append(context.Background(), 1, []byte("last")); err != nil {
		b.Fatal(err)
	}
	crashed := b.TempDir()
	copyDir(b, dir, crashed)
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2 * shortWindow)
	b.Run("clean", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			reopen(b, dir, shortWindow)
			b.StartTimer()
		}
		b.ReportMetric(float64(info.Bytes)/1e6, "MB")
	})
	b.Run("unclean", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			run := b.TempDir()
			copyDir(b, crashed, run)
			reopen(b, run, shortWindow)
			b.StartTimer()
		}
		b.ReportMetric(float64(info.Bytes)/1e6, "MB")
	})
}

// fillContainers publishes msgs containers of perMsg distinct
// observation-like records each, as the committer would have gathered them.
func fillContainers(b testing.TB, l *Log, msgs, perMsg int) {
	b.Helper()
	obs := newFakeObservations(1)
	futures := make([]jetstream.PubAckFuture, 0, 32)
	wait := func() {
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
		futures = futures[:0]
	}
	for range msgs {
		body := appendHeader(nil, perMsg)
		for range perMsg {
			body = appendRecord(body, 1, obs.next())
		}
		f, err := l.js.PublishAsync(subjectRecords, body)
		if err != nil {
			b.Fatal(err)
		}
		if futures = append(futures, f); len(futures) == cap(futures) {
			wait() // stay well inside the server's inbound queue
		}
	}
	wait()
}

// fakeObservations makes records shaped like encoded observations (about
// 40 bytes: sensor, sequence, time, position, bearing, range, class,
// confidence, varying as a camera's detections do), so compression
// figures mean something.
type fakeObservations struct {
	r   *rand.Rand
	seq []uint32
	t   int64
}

func newFakeObservations(seed uint64) *fakeObservations {
	return &fakeObservations{r: rand.New(rand.NewPCG(seed, 2)), seq: make([]uint32, 960), t: 1_760_000_000_000}
}

func (o *fakeObservations) next() []byte {
	sensor := o.r.IntN(len(o.seq))
	o.seq[sensor]++
	o.t += int64(o.r.IntN(3))
	p := make([]byte, 0, 48)
	p = binary.BigEndian.AppendUint16(p, uint16(sensor))
	p = binary.BigEndian.AppendUint32(p, o.seq[sensor])
	p = binary.BigEndian.AppendUint64(p, uint64(o.t))
	p = binary.BigEndian.AppendUint32(p, uint32(33_000_000+o.r.IntN(4_000_000))) // latitude, µdeg
	p = binary.BigEndian.AppendUint32(p, uint32(38_500_000+o.r.IntN(4_000_000))) // longitude, µdeg
	p = binary.BigEndian.AppendUint16(p, uint16(o.r.IntN(3600)))                 // bearing, 0.1°
	p = binary.BigEndian.AppendUint16(p, uint16(o.r.IntN(8000)))                 // range, m
	p = append(p, byte(o.r.IntN(4)), byte(50+o.r.IntN(50)))                      // class, confidence
	p = binary.BigEndian.AppendUint64(p, o.r.Uint64()&0x0000_00ff_ffff_ffff)     // track hint
	p = binary.BigEndian.AppendUint32(p, uint32(o.r.IntN(1000)))                 // size, speed
	return p
}

func byteSize(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
