package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// Config tunes the Log. Zero fields take the defaults.
type Config struct {
	// CheckpointEvery is how many entries apart automatic checkpoints are:
	// one is signed after each entry whose sequence number is a multiple
	// of it. Negative turns automatic checkpoints off.
	CheckpointEvery int // 256
	// Origin is the first line of every checkpoint, naming the trail.
	Origin string // "raqib.audit"
	// Now is the clock of entry and checkpoint times.
	Now func() time.Time
}

// The defaults.
const (
	DefaultCheckpointEvery = 256
	DefaultOrigin          = "raqib.audit"
)

func (c Config) withDefaults() Config {
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.Origin == "" {
		c.Origin = DefaultOrigin
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the configuration; the error names the bad field.
func (c *Config) Validate() error {
	if c.Origin != "" {
		if err := checkOrigin(c.Origin); err != nil {
			return err
		}
	}
	return nil
}

// Log appends to the audit trail and signs its checkpoints. It is safe for
// concurrent use: the store serializes appends.
type Log struct {
	store  Store
	signer note.Signer
	cfg    Config
	logger *slog.Logger
}

// New returns a Log over a store. signer signs checkpoints; with a nil
// signer no checkpoints are made and Checkpoint fails.
func New(store Store, signer note.Signer, cfg Config, logger *slog.Logger) (*Log, error) {
	if store == nil {
		return nil, errs.E(errs.Invalid, "audit: store is nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("audit config: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{store: store, signer: signer, cfg: cfg.withDefaults(), logger: logger.With("component", "audit")}
	if signer == nil {
		l.logger.Warn("audit checkpoints off: no signing key")
	}
	return l, nil
}

// Append validates e, canonicalizes its detail and appends it, returning
// the stored entry with its sequence number, time and hashes. The entry is
// on disk when Append returns. Whatever Seq, Time, PrevHash and Hash the
// caller set are replaced: the time is the Log's clock's, read while the
// trail is locked, so times never go backwards along the trail unless the
// clock does.
//
// When the entry's sequence number is a multiple of CheckpointEvery, a
// checkpoint is signed; failing to store it is logged, not returned, since
// the entry is appended.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	if err := e.validate(); err != nil {
		return Entry{}, fmt.Errorf("audit append: %w", err)
	}
	detail, err := CanonicalDetail(e.Detail)
	if err != nil {
		return Entry{}, fmt.Errorf("audit append %s: %w", e.Action, err)
	}
	e.Detail = detail
	e.Seq, e.PrevHash, e.Hash = 0, Hash{}, Hash{}
	stored, err := l.store.AppendAudit(ctx, e, l.seal)
	if err != nil {
		return Entry{}, fmt.Errorf("audit append %s: %w", e.Action, err)
	}
	if every := l.cfg.CheckpointEvery; l.signer != nil && every > 0 && stored.Seq%uint64(every) == 0 {
		if _, err := l.checkpoint(ctx, &stored); err != nil {
			l.logger.Error("audit checkpoint failed", "size", stored.Seq, "err", err)
		}
	}
	return stored, nil
}

// seal stamps the entry with the clock and computes its hash; the store
// calls it inside its transaction, after assigning Seq and PrevHash.
func (l *Log) seal(e *Entry) error {
	e.Time = time.Unix(0, l.cfg.Now().UnixNano()).UTC()
	e.Hash = HashEntry(e)
	return nil
}

// Checkpoint signs and stores a checkpoint of the last entry, or returns
// the stored one if the last entry already has one. It fails with
// unavailable when the Log has no signer, and with conflict when the trail
// is empty.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	if l.signer == nil {
		return Checkpoint{}, errs.E(errs.Unavailable, "audit checkpoint: no signing key configured")
	}
	tail, ok, err := l.store.AuditTail(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	if !ok {
		return Checkpoint{}, errs.E(errs.Conflict, "audit checkpoint: the trail is empty")
	}
	return l.checkpoint(ctx, &tail)
}

// checkpoint signs and stores the checkpoint of e. If one of that size is
// stored already, it returns that one.
func (l *Log) checkpoint(ctx context.Context, e *Entry) (Checkpoint, error) {
	cp, err := signCheckpoint(l.signer, l.cfg.Origin, e, l.cfg.Now())
	if err != nil {
		return Checkpoint{}, err
	}
	err = l.store.AddAuditCheckpoint(ctx, cp)
	if errs.Is(err, errs.Conflict) {
		if stored, ok, ferr := l.findCheckpoint(ctx, e.Seq); ferr == nil && ok {
			return stored, nil
		}
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit checkpoint %d: %w", e.Seq, err)
	}
	l.logger.Info("audit checkpoint signed", "size", cp.Size, "hash", cp.Hash.String())
	return cp, nil
}

var errStop = errors.New("stop")

// findCheckpoint returns the stored checkpoint of a size.
func (l *Log) findCheckpoint(ctx context.Context, size uint64) (Checkpoint, bool, error) {
	var found Checkpoint
	var ok bool
	err := l.store.AuditCheckpoints(ctx, func(cp Checkpoint) error {
		if cp.Size == size {
			found, ok = cp, true
		}
		if cp.Size >= size {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return Checkpoint{}, false, err
	}
	return found, ok, nil
}
