package sim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ingestServer is a fake ingest API recording the batches it accepts.
type ingestServer struct {
	mu      sync.Mutex
	batches map[string][][][]byte // by path: each batch, its lines
	respond func(path string, n int) (status int, header http.Header, body string)
	calls   atomic.Int64
}

func newIngestServer(t *testing.T) (*ingestServer, string) {
	s := &ingestServer{batches: map[string][][][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-ndjson" {
			http.Error(w, "want a POST of NDJSON", http.StatusUnsupportedMediaType)
			return
		}
		if s.respond != nil {
			if status, h, msg := s.respond(r.URL.Path, int(n)); status != 0 {
				for k, v := range h {
					w.Header()[k] = v
				}
				w.WriteHeader(status)
				io.WriteString(w, msg)
				return
			}
		}
		s.mu.Lock()
		s.batches[r.URL.Path] = append(s.batches[r.URL.Path], bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")))
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return s, srv.Listener.Addr().String()
}

// sendRun runs a light scenario into a sender.
func sendRun(t *testing.T, addr string, batch int, opts SenderOptions) (Summary, *Sender, error) {
	t.Helper()
	g, err := New(testTheater(t), Options{Scenario: "quiet-night", Seed: 3, Start: testStart, Duration: 20 * time.Second, Background: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	opts.Backoff = time.Millisecond
	s, err := NewSender(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	sinks := Sinks{
		Observations: NewHTTPSink[Observation](s, ObservationsPath, batch),
		Heartbeats:   NewHTTPSink[Heartbeat](s, HeartbeatsPath, batch),
	}
	sum, runErr := Run(context.Background(), g, sinks, 0)
	if err := s.Close(); runErr == nil {
		runErr = err
	}
	d := s.Stats()
	sum.Delivery = &d
	return sum, s, runErr
}

func TestSenderBatches(t *testing.T) {
	srv, addr := newIngestServer(t)
	sum, _, err := sendRun(t, addr, 50, SenderOptions{Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	var lines int64
	for _, b := range srv.batches[ObservationsPath] {
		if len(b) > 50 {
			t.Fatalf("a batch of %d observations, want at most 50", len(b))
		}
		lines += int64(len(b))
	}
	want := sum.Observations() + sum.Duplicates
	if lines != want || sum.Delivery.Observations.Records != want {
		t.Errorf("server got %d observations, sender counted %d, generated %d", lines, sum.Delivery.Observations.Records, want)
	}
	var hbs int64
	for _, b := range srv.batches[HeartbeatsPath] {
		hbs += int64(len(b))
	}
	if hbs != sum.Heartbeats || hbs == 0 {
		t.Errorf("server got %d heartbeats, generated %d", hbs, sum.Heartbeats)
	}
	if d := sum.Delivery.Observations; d.Retries != 0 || d.FailedRecords != 0 {
		t.Errorf("retries %d, failed %d, want none", d.Retries, d.FailedRecords)
	}
	decodeLines[Observation](t, srv.batches[ObservationsPath][0][0])
}

func TestSenderRetries503(t *testing.T) {
	srv, addr := newIngestServer(t)
	srv.respond = func(path string, n int) (int, http.Header, string) {
		if n <= 2 {
			return http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}}, `{"error":{"code":"unavailable","message":"event log busy"}}`
		}
		return 0, nil, ""
	}
	began := time.Now()
	sum, _, err := sendRun(t, addr, 500, SenderOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 2*time.Second {
		t.Errorf("finished in %v: Retry-After 1 s twice was not honoured", took)
	}
	d := sum.Delivery.Observations
	if d.Retries+sum.Delivery.Heartbeats.Retries != 2 || d.FailedRecords != 0 {
		t.Errorf("retries %d, failed %d; want 2 retries, none failed", d.Retries, d.FailedRecords)
	}
	if want := sum.Observations() + sum.Duplicates; d.Records != want {
		t.Errorf("delivered %d of %d observations", d.Records, want)
	}
}

func TestSenderStopsOn4xx(t *testing.T) {
	srv, addr := newIngestServer(t)
	srv.respond = func(path string, n int) (int, http.Header, string) {
		if path == ObservationsPath {
			return http.StatusBadRequest, nil, `{"error":{"code":"invalid","message":"observations[3].accuracy_m: -1 is negative"}}`
		}
		return 0, nil, ""
	}
	sum, s, err := sendRun(t, addr, 100, SenderOptions{Concurrency: 2})
	if err == nil || !strings.Contains(err.Error(), "observations[3].accuracy_m: -1 is negative") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("got %v, want the server's error", err)
	}
	if s.Err() == nil || sum.Delivery.Observations.FailedRecords == 0 || sum.Delivery.Observations.Records != 0 {
		t.Errorf("stats %+v", sum.Delivery.Observations)
	}
	if calls := srv.calls.Load(); calls > 10 {
		t.Errorf("%d requests: the sender went on after the 400", calls)
	}
}

func TestSenderGivesUp(t *testing.T) {
	srv, addr := newIngestServer(t)
	srv.respond = func(string, int) (int, http.Header, string) { return http.StatusBadGateway, nil, "upstream down" }
	_, _, err := sendRun(t, addr, 1000, SenderOptions{Concurrency: 1, MaxRetries: 3})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 retries") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:1": true, "[::1]:8080": true, "localhost:8080": true,
		"10.0.0.5:8080": false, "0.0.0.0:8080": false, "example.com:80": false, "[::]:80": false,
		"127.0.0.1": false, "127.0.0.1:0": false, "127.0.0.1:http": false, "http://127.0.0.1:8080": false,
	} {
		err := CheckLoopback(addr)
		if (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
	if _, err := NewSender("192.168.1.10:8080", SenderOptions{}); err == nil {
		t.Error("NewSender accepted a non-loopback address")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "-2": 0, "soon": 0,
		now.Add(5 * time.Second).Format(http.TimeFormat): 5 * time.Second,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}
