package eventlog

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"raqib/internal/errs"
)

// The stream and its subjects.
const (
	// StreamName is the one stream of the event log.
	StreamName = "RAQIB_LOG"
	// subjectRecords is the subject every container message is published
	// on. The stream takes raqib.log.> so later subjects (another container
	// version, say) need no stream change.
	subjectRecords = "raqib.log.records"
	streamSubjects = "raqib.log.>"
)

// streamConfig is the stream's configuration for cfg with the given byte
// limit. docs/eventlog.md explains each choice.
func streamConfig(cfg Config, maxBytes int64) jetstream.StreamConfig {
	compression := jetstream.S2Compression
	if cfg.NoCompression {
		compression = jetstream.NoCompression
	}
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Raqib event log: observations, one container of records per message",
		Subjects:    []string{streamSubjects},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      cfg.MaxAge,
		MaxBytes:    maxBytes,
		MaxMsgs:     -1,
		// DiscardNew: a full stream refuses new messages (Append returns
		// Unavailable) instead of silently dropping the oldest ones before
		// their MaxAge; age-based expiry still frees space by itself.
		Discard:     jetstream.DiscardNew,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		Duplicates:  cfg.DuplicateWindow,
		Compression: compression,
		AllowDirect: true,
		// The log is the source of truth: no message is deleted one by one.
		DenyDelete: true,
	}
}

// ensureStream creates the stream or brings an existing one to the
// configuration.
func (l *Log) ensureStream(ctx context.Context) error {
	maxBytes := l.cfg.MaxBytes
	if maxBytes < 0 {
		maxBytes = -1
	}
	s, err := l.js.CreateOrUpdateStream(ctx, streamConfig(l.cfg, maxBytes))
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == codeStorageResourcesExceeded {
			return errs.E(errs.Unavailable, "event log unavailable: MaxBytes %d exceeds the storage the server can reserve (%s)", maxBytes, apiErr.Description)
		}
		if mapped := publishError(err, "the deadline"); errs.CodeOf(mapped) == errs.Unavailable {
			return mapped
		}
		return fmt.Errorf("event log: create stream %s: %w", StreamName, err)
	}
	l.stream = s
	return nil
}

// redactURL drops any user and password from a (comma-separated) server
// URL list before it is logged or shown.
func redactURL(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparsable URL)"
			continue
		}
		u.User = nil // a token travels as the user part
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
