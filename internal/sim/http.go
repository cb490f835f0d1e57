package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The ingest API's paths.
const (
	ObservationsPath = "/api/v1/observations"
	HeartbeatsPath   = "/api/v1/heartbeats"
	ndjsonType       = "application/x-ndjson"
)

// CheckLoopback checks that addr is host:port with a loopback host
// (127.0.0.0/8, ::1 or localhost): the simulator and the load tool send
// only to a server on this machine.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", addr, port)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address (127.0.0.0/8, [::1] or localhost): only a server on this machine is sent to", addr)
}

// SenderOptions tune a Sender; zero values take the defaults.
type SenderOptions struct {
	// Concurrency bounds the batches in flight (default 4).
	Concurrency int
	// MaxRetries bounds the retries of one batch (default 10).
	MaxRetries int
	// Backoff is the first wait before a retry, doubling up to MaxBackoff
	// (defaults 200 ms and 30 s). A 503's Retry-After is waited for if
	// longer.
	Backoff, MaxBackoff time.Duration
	// Client is the HTTP client (default: one with a 60 s timeout).
	Client *http.Client
	// Logger reports retries and failures (default: discard).
	Logger *slog.Logger
	// Token, when set, is sent as the bearer API token of every request.
	Token string
	// TLS, when set, makes the sender speak HTTPS with this configuration
	// (its RootCAs trusting the server's certificate).
	TLS *tls.Config
}

// StreamStats counts one stream's delivery to a server.
type StreamStats struct {
	Batches, Records             int64 // acknowledged
	Retries                      int64 // attempts repeated after a 503, 5xx or network error
	FailedBatches, FailedRecords int64 // refused, given up or abandoned
}

// DeliveryStats counts what a Sender delivered.
type DeliveryStats struct {
	Observations, Heartbeats StreamStats
}

// Sender POSTs NDJSON batches to a Raqib server with bounded concurrency.
// A 2xx acknowledges a batch; a 503 (or 429, another 5xx, a network error)
// is retried with backoff, honouring Retry-After; a 4xx is a bug: the
// sender stops and every later Post and Close return the server's error.
type Sender struct {
	base string
	opts SenderOptions
	sem  chan struct{}
	wg   sync.WaitGroup

	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	err   error
	stats DeliveryStats
}

// NewSender returns a sender to the loopback address addr (host:port).
func NewSender(addr string, opts SenderOptions) (*Sender, error) {
	if err := CheckLoopback(addr); err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 10
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	scheme := "http://"
	if opts.TLS != nil {
		scheme = "https://"
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 60 * time.Second}
		if opts.TLS != nil {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = opts.TLS
			opts.Client.Transport = tr
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sender{
		base: scheme + addr, opts: opts, sem: make(chan struct{}, opts.Concurrency),
		ctx: ctx, cancel: cancel,
	}, nil
}

// Err returns the error that stopped the sender, if any.
func (s *Sender) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Stats returns the delivery counts so far.
func (s *Sender) Stats() DeliveryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Post sends body, holding n records, to path in the background, waiting
// for a free slot first. The sender owns body from now on. It returns the
// error that stopped the sender, if any, or ctx's.
func (s *Sender) Post(ctx context.Context, path string, body []byte, n int) error {
	if err := s.Err(); err != nil {
		s.count(path, func(st *StreamStats) { st.FailedBatches++; st.FailedRecords += int64(n) })
		return err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return s.Err()
	}
	s.wg.Add(1)
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		s.send(path, body, n)
	}()
	return nil
}

// Close waits for the batches in flight and returns the error that stopped
// the sender, if any.
func (s *Sender) Close() error {
	s.wg.Wait()
	s.cancel()
	return s.Err()
}

// send delivers one batch, retrying as the response says.
func (s *Sender) send(path string, body []byte, n int) {
	for attempt := 0; ; attempt++ {
		wait, err := s.attempt(path, body)
		if err == nil && wait < 0 {
			s.count(path, func(st *StreamStats) { st.Batches++; st.Records += int64(n) })
			return
		}
		if err == nil && attempt >= s.opts.MaxRetries {
			err = fmt.Errorf("POST %s: gave up after %d retries", path, attempt)
		}
		if err != nil {
			s.count(path, func(st *StreamStats) { st.FailedBatches++; st.FailedRecords += int64(n) })
			s.fail(err)
			return
		}
		wait = max(wait, min(s.opts.Backoff<<attempt, s.opts.MaxBackoff))
		s.count(path, func(st *StreamStats) { st.Retries++ })
		s.opts.Logger.Info("retrying batch", "path", path, "attempt", attempt+1, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			s.count(path, func(st *StreamStats) { st.FailedBatches++; st.FailedRecords += int64(n) })
			return
		}
	}
}

// attempt POSTs the batch once. It returns wait < 0 when the batch is
// acknowledged, wait >= 0 (the server's Retry-After, or 0) when it should
// be retried, and an error when it must not be.
func (s *Sender) attempt(path string, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	req.Header.Set("Content-Type", ndjsonType)
	if s.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		if s.ctx.Err() != nil {
			return 0, fmt.Errorf("POST %s: abandoned: %w", path, context.Cause(s.ctx))
		}
		s.opts.Logger.Warn("batch not delivered", "path", path, "err", err)
		return 0, nil
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return -1, nil
	case code == http.StatusServiceUnavailable, code == http.StatusTooManyRequests:
		return retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
	case code >= 500:
		s.opts.Logger.Warn("server error", "path", path, "status", code, "body", serverMessage(msg))
		return 0, nil
	default:
		return 0, fmt.Errorf("POST %s: the server refused the batch: %s: %s", path, resp.Status, serverMessage(msg))
	}
}

// fail stops the sender with err, unless it has already stopped.
func (s *Sender) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
		s.opts.Logger.Error("sender stopped", "err", err)
	}
	s.mu.Unlock()
	s.cancel()
}

func (s *Sender) count(path string, f func(*StreamStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == HeartbeatsPath {
		f(&s.stats.Heartbeats)
	} else {
		f(&s.stats.Observations)
	}
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date;
// 0 if absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(0, secs)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// serverMessage is the message of an API error body
// {"error":{"code","message"}}, or the body itself, trimmed.
func serverMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Code + ": " + e.Error.Message
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 512 {
		text = text[:512] + "…"
	}
	if text == "" {
		return "(no message)"
	}
	return text
}

// HTTPSink batches one stream's records into NDJSON bodies of up to batch
// records for a Sender.
type HTTPSink[T Encoder] struct {
	s     *Sender
	path  string
	batch int
	buf   []byte
	n     int
}

var _ Sink[Heartbeat] = (*HTTPSink[Heartbeat])(nil)

// NewHTTPSink returns a sink posting to path through s, batch records a
// request.
func NewHTTPSink[T Encoder](s *Sender, path string, batch int) *HTTPSink[T] {
	return &HTTPSink[T]{s: s, path: path, batch: max(1, batch)}
}

// Write adds the records, posting every full batch.
func (h *HTTPSink[T]) Write(ctx context.Context, recs []T) error {
	for i := range recs {
		h.buf = recs[i].AppendJSON(h.buf)
		h.buf = append(h.buf, '\n')
		if h.n++; h.n == h.batch {
			if err := h.post(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Flush posts a partial batch, if any.
func (h *HTTPSink[T]) Flush(ctx context.Context) error {
	if h.n == 0 {
		return h.s.Err()
	}
	return h.post(ctx)
}

func (h *HTTPSink[T]) post(ctx context.Context) error {
	body, n := h.buf, h.n
	h.buf, h.n = make([]byte, 0, len(body)+len(body)/8), 0
	if err := h.s.Post(ctx, h.path, body, n); err != nil {
		return err
	}
	return nil
}
