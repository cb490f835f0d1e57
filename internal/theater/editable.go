package theater

import (
	"context"
	"time"
)

// The theater's YAML is the seed; what operators change afterwards (a
// crossing closed, a barrier stretch finished) is kept in the store as an
// append-only history, newest entry current.

// CrossingChange is one entry of a crossing's status history.
type CrossingChange struct {
	CrossingID string         `json:"crossing_id"`
	Status     CrossingStatus `json:"status"`
	Note       string         `json:"note,omitempty"`
	At         time.Time      `json:"at"`
	By         string         `json:"by,omitempty"` // the acting user; "theater" for the seed
}

// BarrierChange is one entry of a barrier segment's progress history.
type BarrierChange struct {
	BarrierID   string        `json:"barrier_id"`
	Status      BarrierStatus `json:"status"`
	ProgressPct float64       `json:"progress_pct"`
	Note        string        `json:"note,omitempty"`
	At          time.Time     `json:"at"`
	By          string        `json:"by,omitempty"`
}

// StateStore keeps the editable state of the theater. Implementations live
// in internal/store; storetest holds the conformance suite.
type StateStore interface {
	// SeedCrossings stores the history of every crossing that has none yet
	// and leaves crossings with a history untouched. It reports how many
	// entries it inserted.
	SeedCrossings(ctx context.Context, seed []CrossingChange) (int, error)
	// AddCrossingChange appends one entry. Entries older than the newest
	// one stored for the crossing are refused (conflict).
	AddCrossingChange(ctx context.Context, c CrossingChange) error
	// CrossingHistory returns a crossing's entries, oldest first.
	CrossingHistory(ctx context.Context, crossingID string) ([]CrossingChange, error)
	// CurrentCrossings returns the newest entry of every crossing.
	CurrentCrossings(ctx context.Context) (map[string]CrossingChange, error)

	SeedBarriers(ctx context.Context, seed []BarrierChange) (int, error)
	AddBarrierChange(ctx context.Context, c BarrierChange) error
	BarrierHistory(ctx context.Context, barrierID string) ([]BarrierChange, error)
	CurrentBarriers(ctx context.Context) (map[string]BarrierChange, error)
}
