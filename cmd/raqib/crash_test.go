package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashRounds is how many times the crash test kills the server: 50 by
// default, more with RAQIB_CRASH_ROUNDS for a longer run.
func crashRounds(t *testing.T) int {
	if v := os.Getenv("RAQIB_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("RAQIB_CRASH_ROUNDS=%q is not a positive number", v)
		}
		return n
	}
	return 50
}

type obsKey struct {
	Sensor string
	Seq    uint64
}

// batchJSON builds a batch of unit GPS reports from one sensor.
func batchJSON(sensor string, first uint64, n int, at time.Time) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sensor":%q,"seq":%d,"time":%q,"kind":"unit_gps","position":{"lat":%.5f,"lon":%.5f},"accuracy_m":8}`,
			sensor, first+uint64(i), at.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano),
			34.3+float64(i%50)*0.001, 41.2+float64(first%97)*0.001)
	}
	b.WriteByte(']')
	return b.Bytes()
}

type sentBatch struct {
	sensor string
	first  uint64
	n      int
	at     time.Time
}

func (s sentBatch) keys() []obsKey {
	out := make([]obsKey, s.n)
	for i := range out {
		out[i] = obsKey{s.sensor, s.first + uint64(i)}
	}
	return out
}

func postBatch(client *http.Client, url string, b sentBatch) (int, error) {
	req, err := http.NewRequest("POST", url+"/api/v1/observations", bytes.NewReader(batchJSON(b.sensor, b.first, b.n, b.at)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	authorize(req)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// TestCrashKeepsEveryAcknowledgedObservation runs the server as a child
// process under load and kills it with SIGKILL again and again. Batches
// the server acknowledged must all be in the log exactly once; batches in
// flight at a kill are re-sent after the restart, as a sensor would, and
// must then be stored exactly once too.
func TestCrashKeepsEveryAcknowledgedObservation(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs the server as a child process 50 times")
	}
	dir := t.TempDir()
	rounds := crashRounds(t)
	rng := rand.New(rand.NewPCG(7, 11))
	const senders = 4
	next := [senders]uint64{}
	acked := map[obsKey]bool{}
	var unsure []sentBatch
	base := time.Now().UTC().Add(-time.Minute)
	client := &http.Client{Timeout: 10 * time.Second}

	for round := 0; round < rounds; round++ {
		c := startChild(t, dir)
		// Re-send what was in flight at the last kill.
		for _, b := range unsure {
			if code, err := postBatch(client, c.url, b); err != nil || code != 200 {
				c.kill()
				t.Fatalf("round %d: re-sent batch: %d %v", round, code, err)
			}
			for _, k := range b.keys() {
				acked[k] = true
			}
		}
		unsure = unsure[:0]

		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for s := 0; s < senders; s++ {
			wg.Add(1)
			go func(s int) {
				defer wg.Done()
				sensor := fmt.Sprintf("CRASH-%d", s)
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					b := sentBatch{sensor: sensor, first: next[s] + 1, n: 20 + int(next[s]%80), at: base.Add(time.Duration(next[s]) * time.Millisecond)}
					next[s] += uint64(b.n)
					mu.Unlock()
					code, err := postBatch(client, c.url, b)
					mu.Lock()
					if err == nil && code == 200 {
						for _, k := range b.keys() {
							acked[k] = true
						}
					} else {
						unsure = append(unsure, b)
					}
					mu.Unlock()
					if err != nil || code != 200 {
						return
					}
				}
			}(s)
		}
		time.Sleep(time.Duration(30+rng.IntN(250)) * time.Millisecond)
		c.kill()
		close(stop)
		wg.Wait()
	}

	// Last start: re-send, stop cleanly, read the whole log back.
	c := startChild(t, dir)
	for _, b := range unsure {
		if code, err := postBatch(client, c.url, b); err != nil || code != 200 {
			c.kill()
			t.Fatalf("final re-send: %d %v", code, err)
		}
		for _, k := range b.keys() {
			acked[k] = true
		}
	}
	c.stop(t)
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := runCommand(t, ctx, "replay", "--data", dir, "--from", base.Add(-time.Hour).Format(time.RFC3339), "--to", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[obsKey]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var o struct {
			Sensor string `json:"sensor"`
			Seq    uint64 `json:"seq"`
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("replay output: %v: %s", err, sc.Text())
		}
		seen[obsKey{o.Sensor, o.Seq}]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%v stored %d times", k, n)
		}
	}
	missing := 0
	for k := range acked {
		if seen[k] != 1 {
			missing++
			if missing < 10 {
				t.Errorf("acknowledged %v is not in the log", k)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged observations lost", missing, len(acked))
	}
	t.Logf("%d kills, %d observations acknowledged, all present exactly once", rounds, len(acked))
}
