package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"raqib/internal/sim"
	"raqib/internal/theater"
)

// loadConfig is what `raqib load` is asked to do.
type loadConfig struct {
	addr     string
	token    string
	rate     int
	duration time.Duration
	batch    int
	senders  int
	maxObs   int64
}

// runLoad drives a running server's HTTP ingest at a bounded rate for a
// bounded time, from loopback to loopback only, and reports the achieved
// rate and the acknowledgement latency.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadConfig
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "server address (loopback only)")
	fs.IntVar(&cfg.rate, "rate", 5000, "observations per second to offer (0 = as fast as acknowledged)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to run (at most 10m)")
	fs.IntVar(&cfg.batch, "batch", 500, "observations per request (1–10000)")
	fs.IntVar(&cfg.senders, "senders", 8, "concurrent requests (1–256)")
	fs.Int64Var(&cfg.maxObs, "max", 50_000_000, "stop after this many observations")
	fs.StringVar(&cfg.token, "token", os.Getenv("RAQIB_TOKEN"), "API `token` of a sensor-role account (RAQIB_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	th, err := theater.Load(theater.Embedded())
	if err != nil {
		return fmt.Errorf("load: theater: %w", err)
	}
	rep, err := driveLoad(ctx, cfg, th.Cameras)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	rep.print(stdout, cfg)
	if rep.errors > 0 && rep.acked == 0 {
		return fmt.Errorf("load: every request failed (%s)", rep.firstError)
	}
	return nil
}

func (c loadConfig) validate() error {
	if err := sim.CheckLoopback(c.addr); err != nil {
		return fmt.Errorf("--addr %w", err)
	}
	switch {
	case c.rate < 0:
		return fmt.Errorf("--rate %d: must be 0 or positive", c.rate)
	case c.duration <= 0 || c.duration > 10*time.Minute:
		return fmt.Errorf("--duration %v: must be in (0, 10m]", c.duration)
	case c.batch < 1 || c.batch > 10000:
		return fmt.Errorf("--batch %d: must be in [1, 10000]", c.batch)
	case c.senders < 1 || c.senders > 256:
		return fmt.Errorf("--senders %d: must be in [1, 256]", c.senders)
	case c.maxObs < 1:
		return fmt.Errorf("--max %d: must be positive", c.maxObs)
	}
	return nil
}

type loadReport struct {
	elapsed    time.Duration
	acked      int64
	duplicates int64
	errors     int64
	unavail    int64
	firstError string
	latencies  []time.Duration
}

func (r *loadReport) print(w io.Writer, cfg loadConfig) {
	slices.Sort(r.latencies)
	q := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		i := int(p * float64(len(r.latencies)-1))
		return r.latencies[i]
	}
	fmt.Fprintf(w, "load: %d senders, batches of %d, offered %d obs/s for %v\n", cfg.senders, cfg.batch, cfg.rate, cfg.duration)
	fmt.Fprintf(w, "acknowledged: %d observations in %.2fs = %.0f obs/s (%d requests)\n",
		r.acked, r.elapsed.Seconds(), float64(r.acked)/r.elapsed.Seconds(), len(r.latencies))
	fmt.Fprintf(w, "ack latency: p50 %v  p99 %v  p999 %v  max %v\n",
		q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(0.999).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond))
	fmt.Fprintf(w, "duplicates reported: %d; errors: %d (503: %d)\n", r.duplicates, r.errors, r.unavail)
	if r.firstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.firstError)
	}
}

// driveLoad runs the senders. A token bucket paces whole batches to the
// offered rate; each sender has one request in flight at a time.
func driveLoad(ctx context.Context, cfg loadConfig, cams []*theater.Camera) (*loadReport, error) {
	if len(cams) == 0 {
		return nil, errors.New("the theater has no cameras")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.senders}}
	url := "http://" + cfg.addr + "/api/v1/observations"
	tickets := make(chan struct{}, cfg.senders)
	go pace(ctx, cfg, tickets)

	var sent atomic.Int64
	rep := &loadReport{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	runID := start.UnixNano()
	for s := 0; s < cfg.senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			gen := newObsGen(cams, runID, s, cfg.senders)
			var buf bytes.Buffer
			for {
				select {
				case <-ctx.Done():
					return
				case <-tickets:
				}
				if sent.Add(int64(cfg.batch)) > cfg.maxObs {
					return
				}
				buf.Reset()
				gen.batch(&buf, cfg.batch, time.Now().UTC())
				t0 := time.Now()
				acc, dup, code, err := postObservations(ctx, client, url, cfg.token, buf.Bytes())
				lat := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil && ctx.Err() != nil:
				case err != nil || code != 200:
					rep.errors++
					if code == 503 {
						rep.unavail++
					}
					if rep.firstError == "" {
						rep.firstError = fmt.Sprintf("status %d: %v", code, err)
					}
				default:
					rep.acked += int64(acc)
					rep.duplicates += int64(dup)
					rep.latencies = append(rep.latencies, lat)
				}
				mu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	rep.elapsed = time.Since(start)
	return rep, nil
}

// pace hands out one ticket per batch at the offered rate (all at once
// when the rate is 0).
func pace(ctx context.Context, cfg loadConfig, tickets chan<- struct{}) {
	if cfg.rate == 0 {
		for {
			select {
			case <-ctx.Done():
				return
			case tickets <- struct{}{}:
			}
		}
	}
	interval := time.Duration(float64(time.Second) * float64(cfg.batch) / float64(cfg.rate))
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case tickets <- struct{}{}:
		}
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
	}
}

func postObservations(ctx context.Context, client *http.Client, url, token string, body []byte) (accepted, duplicates, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != 200 {
		return 0, 0, resp.StatusCode, fmt.Errorf("%s", bytes.TrimSpace(data))
	}
	var r struct {
		Accepted   int `json:"accepted"`
		Duplicates int `json:"duplicates"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, 0, resp.StatusCode, fmt.Errorf("reply: %v", err)
	}
	return r.Accepted, r.Duplicates, resp.StatusCode, nil
}

// obsGen writes synthetic thermal detections from real cameras, with a
// sequence number per sensor unique to this run. Senders share the camera
// ids, so they interleave their sequence numbers (sender s of n uses
// base + k*n + s) and stay close together, as one camera's reports would.
type obsGen struct {
	cams    []*theater.Camera
	base    uint64
	sender  uint64
	senders uint64
	round   uint64
	i       int
	buf     []byte
}

func newObsGen(cams []*theater.Camera, runID int64, sender, senders int) *obsGen {
	return &obsGen{cams: cams, base: uint64(runID/1e6) << 20, sender: uint64(sender), senders: uint64(senders)}
}

func (g *obsGen) batch(w *bytes.Buffer, n int, now time.Time) {
	w.WriteByte('[')
	ts := now.Format(time.RFC3339Nano)
	for k := 0; k < n; k++ {
		if k > 0 {
			w.WriteByte(',')
		}
		c := g.cams[g.i]
		seq := g.base + g.round*g.senders + g.sender + 1
		if g.i++; g.i == len(g.cams) {
			g.i, g.round = 0, g.round+1
		}
		b := g.buf[:0]
		b = append(b, `{"sensor":"`...)
		b = append(b, c.ID...)
		b = append(b, `","seq":`...)
		b = strconv.AppendUint(b, seq, 10)
		b = append(b, `,"time":"`...)
		b = append(b, ts...)
		b = append(b, `","kind":"thermal_camera","position":{"lat":`...)
		b = strconv.AppendFloat(b, c.Position.Lat+0.003*float64(k%7-3)/3, 'f', 6, 64)
		b = append(b, `,"lon":`...)
		b = strconv.AppendFloat(b, c.Position.Lon+0.003*float64(k%5-2)/2, 'f', 6, 64)
		b = append(b, `},"accuracy_m":25,"class":"person","confidence":0.7}`...)
		w.Write(b)
		g.buf = b
	}
	w.WriteByte(']')
}
