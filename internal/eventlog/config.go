package eventlog

import (
	"log/slog"
	"net"
	"strconv"
	"time"

	"raqib/internal/errs"
)

// Defaults. docs/eventlog.md gives the reasoning behind each.
const (
	// DefaultMaxAge keeps thirty days of observations.
	DefaultMaxAge = 30 * 24 * time.Hour

	// DefaultMaxBytes is no byte limit of the stream's own: retention is
	// by age (DefaultMaxAge), and the disk is guarded by the server's store
	// limit (Config.MaxStore, by default three quarters of the free disk),
	// whose exhaustion refuses appends as Unavailable. A stream byte limit
	// makes JetStream reserve that space on the disk; a default derived
	// from the free disk shrinks as the store grows, and the server then
	// refuses to reopen the stream. An operator who wants a byte bound sets
	// one explicitly, within the store limit.
	DefaultMaxBytes int64 = -1

	// DefaultDuplicateWindow is JetStream's own dedupe window. It only has
	// to cover the committer's retry of a publish; the server re-reads every
	// message inside it on start, so it is kept short.
	DefaultDuplicateWindow = time.Minute

	// DefaultGroupCommitBytes flushes a gathering batch once this many
	// payload bytes are pending.
	DefaultGroupCommitBytes = 512 << 10

	// DefaultPublishTimeout bounds the wait for one publish's
	// acknowledgement.
	DefaultPublishTimeout = 5 * time.Second

	// embeddedMaxPayload is the largest message the embedded server takes
	// (NATS's default is 1 MiB; a single large ingest batch may exceed it).
	embeddedMaxPayload = 8 << 20

	// headerRoom is reserved in every message for the subject and headers.
	headerRoom = 512
)

// Config configures the event log. The zero value of every field but Dir
// (or URL) is a sound default: durable acknowledgements, compression, thirty
// days of retention.
type Config struct {
	// Dir is the data directory of the embedded server's JetStream store.
	// Required unless URL is set.
	Dir string

	// URL, when set, connects to an external NATS server or cluster (with
	// JetStream) instead of embedding one. Comma-separated URLs name
	// several servers of one cluster. The embedded server's settings (Dir,
	// ClientListen, SyncInterval, MaxStore) are then ignored.
	URL string

	// ClientListen opens a client port on the embedded server, so sensors
	// may publish over NATS: "127.0.0.1:4222", or "127.0.0.1:-1" for a
	// random port. Empty means no port: only the in-process connection.
	ClientListen string

	// SyncInterval is the embedded server's JetStream sync interval. Zero,
	// the default, means "always": every message is written and fsynced
	// before it is acknowledged. A positive interval acknowledges from the
	// page cache and syncs periodically: it survives a process crash, not a
	// power loss. An external server's setting is its own.
	SyncInterval time.Duration

	// MaxAge is how long a message is kept (default DefaultMaxAge).
	MaxAge time.Duration

	// MaxBytes limits the stream's size in bytes (default DefaultMaxBytes);
	// negative means no limit of the stream's own. When the limit is
	// reached, appends are refused with an Unavailable error until messages
	// age out: nothing younger than MaxAge is dropped to make room. In
	// embedded mode a default MaxBytes larger than the server's store limit
	// (MaxStore, or what the disk has free) is lowered to that limit with a
	// warning; an explicit one is an error.
	MaxBytes int64

	// MaxStore is the embedded server's JetStream file store limit
	// (max_file_store) in bytes. Zero leaves the server's default: three
	// quarters of the disk space free at start (plus what the store already
	// holds).
	MaxStore int64

	// DuplicateWindow is JetStream's dedupe window on Nats-Msg-Id (default
	// DefaultDuplicateWindow). It must not exceed MaxAge.
	DuplicateWindow time.Duration

	// GroupCommitWindow is how long the committer waits for more appends
	// after the first before it publishes. Zero, the default, waits for
	// nothing: every publish takes what queued while the previous one was
	// being stored, so batches grow with the load by themselves (measured
	// faster than a fixed wait, see docs/eventlog.md).
	GroupCommitWindow time.Duration

	// GroupCommitBytes publishes a batch as soon as this many payload bytes
	// are pending (default DefaultGroupCommitBytes).
	GroupCommitBytes int

	// NoCompression turns off S2 compression of the file store.
	NoCompression bool

	// Replicas is the stream's replica count in external mode (default 1).
	// The embedded server is a single node: 1 only.
	Replicas int

	// PublishTimeout bounds the wait for one publish's acknowledgement
	// (default DefaultPublishTimeout).
	PublishTimeout time.Duration

	// Logger receives the event log's and the embedded server's warnings.
	Logger *slog.Logger
}

// embedded reports whether the config asks for an embedded server.
func (c Config) embedded() bool { return c.URL == "" }

// withDefaults returns c with every unset field given its default.
func (c Config) withDefaults() Config {
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = min(DefaultDuplicateWindow, c.MaxAge)
	}
	if c.GroupCommitBytes == 0 {
		c.GroupCommitBytes = DefaultGroupCommitBytes
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = DefaultPublishTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks a config (after defaults) and names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.URL == "" && c.Dir == "":
		return errs.E(errs.Invalid, "event log: Dir is required unless URL is set")
	case c.SyncInterval < 0:
		return errs.E(errs.Invalid, "event log: SyncInterval %v is negative", c.SyncInterval)
	case c.MaxAge < 0:
		return errs.E(errs.Invalid, "event log: MaxAge %v is negative", c.MaxAge)
	case c.MaxStore < 0:
		return errs.E(errs.Invalid, "event log: MaxStore %d is negative", c.MaxStore)
	case c.DuplicateWindow < 0:
		return errs.E(errs.Invalid, "event log: DuplicateWindow %v is negative", c.DuplicateWindow)
	case c.MaxAge > 0 && c.DuplicateWindow > c.MaxAge:
		return errs.E(errs.Invalid, "event log: DuplicateWindow %v exceeds MaxAge %v", c.DuplicateWindow, c.MaxAge)
	case c.GroupCommitWindow < 0:
		return errs.E(errs.Invalid, "event log: GroupCommitWindow %v is negative", c.GroupCommitWindow)
	case c.GroupCommitBytes < 0:
		return errs.E(errs.Invalid, "event log: GroupCommitBytes %d is negative", c.GroupCommitBytes)
	case c.PublishTimeout < 0:
		return errs.E(errs.Invalid, "event log: PublishTimeout %v is negative", c.PublishTimeout)
	case c.Replicas < 0 || c.Replicas > 5:
		return errs.E(errs.Invalid, "event log: Replicas %d is outside 1..5", c.Replicas)
	case c.URL == "" && c.Replicas > 1:
		return errs.E(errs.Invalid, "event log: the embedded server is a single node: Replicas must be 1")
	}
	if c.ClientListen != "" && c.embedded() {
		if _, _, err := splitListen(c.ClientListen); err != nil {
			return err
		}
	}
	return nil
}

// splitListen parses "host:port", where port may be -1 for a random one.
func splitListen(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, errs.E(errs.Invalid, "event log: ClientListen %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < -1 || port > 65535 {
		return "", 0, errs.E(errs.Invalid, "event log: ClientListen %q: port must be -1 (random) or 0..65535", addr)
	}
	if port == 0 {
		port = -1 // NATS reads 0 as "the default port"; ":0" means random everywhere else.
	}
	return host, port, nil
}
