package eventlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"raqib/internal/errs"
)

// JetStream API error codes the event log acts on. They are the server's
// own identifiers (nats-server's jetstream_errors_generated.go), compared as
// numbers: never by an error's text.
const (
	// "insufficient resources": the server's JetStream store limit
	// (max_file_store, by default three quarters of the free disk) is used
	// up.
	codeInsufficientResources = jetstream.ErrorCode(server.JSInsufficientResourcesErr)
	// "insufficient storage resources available": a stream's reservation
	// (MaxBytes) does not fit in the server's store limit.
	codeStorageResourcesExceeded = jetstream.ErrorCode(server.JSStorageResourcesExceededErr)
	// The store refused the message: with DiscardNew, the stream's
	// MaxBytes or MaxMsgs is reached ("maximum bytes exceeded").
	codeStreamStoreFailed = jetstream.ErrorCode(server.JSStreamStoreFailedF)
	// The message is larger than the server or stream accepts.
	codeMessageExceedsMaximum = jetstream.ErrorCode(server.JSStreamMessageExceedsMaximumErr)
	// JetStream is off, for the account or the whole server (the server
	// turns it off by itself when it cannot write its metadata).
	codeJetStreamNotEnabled           = jetstream.ErrorCode(server.JSNotEnabledErr)
	codeJetStreamNotEnabledForAccount = jetstream.ErrorCode(server.JSNotEnabledForAccountErr)
	codeStreamNotFound                = jetstream.ErrorCode(server.JSStreamNotFoundErr)
	// The stream's inbound queue (128 MiB or 100,000 messages) is full.
	codeTooManyRequests = jetstream.ErrorCode(server.JSStreamTooManyRequests)
)

// publishError turns a failed publish into the error Append returns. The
// server's reason is kept in the message: it names a limit, never a path
// or a secret.
func publishError(err error, timeout string) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case codeInsufficientResources, codeStorageResourcesExceeded:
			return errs.E(errs.Unavailable, "event log is full: the server's store limit is reached (%s)", apiErr.Description)
		case codeStreamStoreFailed:
			return errs.E(errs.Unavailable, "event log is full: the stream refused the message (%s)", apiErr.Description)
		case codeMessageExceedsMaximum:
			return errs.E(errs.TooLarge, "event log: message exceeds the server's maximum size (%s)", apiErr.Description)
		case codeJetStreamNotEnabled, codeJetStreamNotEnabledForAccount:
			return errs.E(errs.Unavailable, "event log unavailable: JetStream is not running (%s)", apiErr.Description)
		case codeStreamNotFound:
			return errs.E(errs.Unavailable, "event log unavailable: the stream does not exist")
		case codeTooManyRequests:
			return errs.E(errs.Unavailable, "event log unavailable: the server's queue for the stream is full")
		}
		return fmt.Errorf("event log: publish: %w", err)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return errs.E(errs.Unavailable, "event log unavailable: no acknowledgement within %s", timeout)
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return errs.E(errs.Unavailable, "event log unavailable: no server answers for the stream")
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrReconnectBufExceeded), errors.Is(err, nats.ErrNoServers):
		return errs.E(errs.Unavailable, "event log unavailable: not connected to the server")
	case errors.Is(err, nats.ErrMaxPayload):
		return errs.E(errs.TooLarge, "event log: message exceeds the server's maximum size")
	}
	return fmt.Errorf("event log: publish: %w", err)
}

// retryable reports whether a publish that failed with err may be sent
// again with the same message id: no answer came, so the server may or may
// not have stored it, and the duplicate window makes a second send safe.
// (A publish that could not be sent at all fails at once; the client
// already retries "no responders" by itself.)
func retryable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// jetStreamGone reports whether err says that no JetStream answers for the
// stream: it may have shut down (the server does so after some write
// failures).
func jetStreamGone(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == codeJetStreamNotEnabled || apiErr.ErrorCode == codeJetStreamNotEnabledForAccount
	}
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// errClosed is returned by calls on a closed Log.
var errClosed = errs.E(errs.Unavailable, "event log unavailable: closed")
