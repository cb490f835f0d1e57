package eventlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"raqib/internal/errs"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{Dir: "/data"}.withDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SyncInterval != 0 || c.NoCompression {
		t.Errorf("defaults must sync always and compress: %+v", c)
	}
	if c.MaxAge != DefaultMaxAge || c.MaxBytes != DefaultMaxBytes || c.DuplicateWindow != DefaultDuplicateWindow ||
		c.GroupCommitWindow != 0 || c.GroupCommitBytes != DefaultGroupCommitBytes ||
		c.Replicas != 1 || c.PublishTimeout != DefaultPublishTimeout || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	sc := streamConfig(c, c.MaxBytes)
	if sc.Discard != jetstream.DiscardNew || sc.Storage != jetstream.FileStorage || sc.Compression != jetstream.S2Compression ||
		sc.Retention != jetstream.LimitsPolicy || sc.Duplicates != DefaultDuplicateWindow || !sc.DenyDelete {
		t.Errorf("stream config: %+v", sc)
	}
	if short := (Config{Dir: "/data", MaxAge: 10 * time.Second}).withDefaults(); short.DuplicateWindow != 10*time.Second {
		t.Errorf("DuplicateWindow for a 10 s MaxAge = %v, want 10s", short.DuplicateWindow)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // named in the error; "" for a valid config
	}{
		{"embedded", Config{Dir: "/d"}, ""},
		{"external", Config{URL: "nats://127.0.0.1:4222", Replicas: 3}, ""},
		{"listen", Config{Dir: "/d", ClientListen: "127.0.0.1:-1"}, ""},
		{"external ignores the embedded settings", Config{Dir: "/d", URL: "nats://x", ClientListen: "x", MaxStore: 1}, ""},
		{"nothing", Config{}, "Dir"},
		{"bad listen", Config{Dir: "/d", ClientListen: "4222"}, "ClientListen"},
		{"bad port", Config{Dir: "/d", ClientListen: "127.0.0.1:x"}, "ClientListen"},
		{"negative age", Config{Dir: "/d", MaxAge: -time.Second}, "MaxAge"},
		{"window over age", Config{Dir: "/d", MaxAge: time.Second, DuplicateWindow: time.Minute}, "DuplicateWindow"},
		{"negative flush", Config{Dir: "/d", GroupCommitBytes: -1}, "GroupCommitBytes"},
		{"negative window", Config{Dir: "/d", GroupCommitWindow: -1}, "GroupCommitWindow"},
		{"negative store", Config{Dir: "/d", MaxStore: -1}, "MaxStore"},
		{"replicas embedded", Config{Dir: "/d", Replicas: 3}, "Replicas"},
		{"replicas", Config{URL: "nats://x", Replicas: 7}, "Replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.withDefaults().Validate()
			if tt.field == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.MessageOf(err), tt.field) {
				t.Errorf("Validate = %v, want an invalid error naming %s", err, tt.field)
			}
		})
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	if _, err := Open(t.Context(), Config{}); !errs.Is(err, errs.Invalid) {
		t.Errorf("Open(Config{}) = %v, want invalid", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	// Nothing listens on port 1 of the loopback address.
	if _, err := Open(ctx, Config{URL: "nats://127.0.0.1:1"}); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Open with no server = %v, want unavailable", err)
	}
}

func TestPublishErrorCodes(t *testing.T) {
	api := func(code jetstream.ErrorCode, desc string) error {
		return fmt.Errorf("nats: %w", &jetstream.APIError{Code: 503, ErrorCode: code, Description: desc})
	}
	tests := []struct {
		name   string
		err    error
		code   errs.Code
		prefix string
	}{
		{"stream full", api(codeStreamStoreFailed, "maximum bytes exceeded"), errs.Unavailable, "event log is full"},
		{"server full", api(codeInsufficientResources, "insufficient resources"), errs.Unavailable, "event log is full"},
		{"reservation", api(codeStorageResourcesExceeded, "insufficient storage resources available"), errs.Unavailable, "event log is full"},
		{"jetstream off", api(codeJetStreamNotEnabled, "JetStream not enabled"), errs.Unavailable, "event log unavailable"},
		{"account off", api(codeJetStreamNotEnabledForAccount, "JetStream not enabled for account"), errs.Unavailable, "event log unavailable"},
		{"stream gone", api(codeStreamNotFound, "stream not found"), errs.Unavailable, "event log unavailable"},
		{"queue full", api(codeTooManyRequests, "too many requests"), errs.Unavailable, "event log unavailable"},
		{"too large", api(codeMessageExceedsMaximum, "message size exceeds maximum allowed"), errs.TooLarge, "event log"},
		{"other api error", api(10999, "something new"), errs.Internal, ""},
		{"timeout", context.DeadlineExceeded, errs.Unavailable, "event log unavailable"},
		{"nats timeout", nats.ErrTimeout, errs.Unavailable, "event log unavailable"},
		{"no stream", jetstream.ErrNoStreamResponse, errs.Unavailable, "event log unavailable"},
		{"closed", nats.ErrConnectionClosed, errs.Unavailable, "event log unavailable"},
		{"reconnecting", nats.ErrReconnectBufExceeded, errs.Unavailable, "event log unavailable"},
		{"other", errors.New("boom"), errs.Internal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := publishError(tt.err, "5s")
			if errs.CodeOf(err) != tt.code {
				t.Errorf("code = %s, want %s (%v)", errs.CodeOf(err), tt.code, err)
			}
			if tt.prefix != "" && !strings.HasPrefix(errs.MessageOf(err), tt.prefix) {
				t.Errorf("message %q, want prefix %q", errs.MessageOf(err), tt.prefix)
			}
			if tt.code == errs.Internal && !errors.Is(err, tt.err) && errors.Unwrap(err) == nil {
				t.Errorf("an unclassified error must wrap its cause: %v", err)
			}
		})
	}
	if !retryable(context.DeadlineExceeded) || retryable(nats.ErrConnectionClosed) || retryable(api(codeStreamStoreFailed, "x")) {
		t.Error("only a missing acknowledgement is retried")
	}
}

func TestRedactURL(t *testing.T) {
	got := redactURL("nats://user:secret@a:4222, nats://token@b:4222")
	if strings.Contains(got, "secret") || strings.Contains(got, "token") || strings.Contains(got, "user") {
		t.Errorf("redactURL leaks credentials: %s", got)
	}
}
