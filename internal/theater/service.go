package theater

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/geo"
)

// Service is the theater with its editable state: the static layers loaded
// from YAML, and crossing statuses and barrier progress from the store.
type Service struct {
	theater *Theater
	store   StateStore
	logger  *slog.Logger

	// Now is the clock; tests replace it.
	Now func() time.Time
	// Audit receives every edit (crossing status, barrier progress); an
	// edit is reported done only once it is recorded. Nil records nothing.
	Audit auth.Auditor
}

// NewService joins a loaded theater and its state store.
func NewService(t *Theater, store StateStore, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{theater: t, store: store, logger: logger.With("component", "theater"), Now: time.Now}
}

// Theater returns the static theater. It is read-only.
func (s *Service) Theater() *Theater { return s.theater }

// seedBy marks the entries that come from the theater's YAML.
const seedBy = "theater"

// Seed copies the YAML's crossing histories and barrier states into the
// store for every crossing and barrier that has no history there yet. It is
// safe to call at every start: what operators changed is kept.
func (s *Service) Seed(ctx context.Context) error {
	var crossings []CrossingChange
	for _, x := range s.theater.Crossings {
		for i, h := range x.History {
			at, err := time.Parse(time.DateOnly, h.Date)
			if err != nil {
				return fmt.Errorf("seed crossing %s history[%d]: %w", x.ID, i, err)
			}
			crossings = append(crossings, CrossingChange{CrossingID: x.ID, Status: h.Status, Note: h.Note, At: at, By: seedBy})
		}
		if len(x.History) == 0 {
			crossings = append(crossings, CrossingChange{CrossingID: x.ID, Status: x.Status, At: s.Now().UTC(), By: seedBy})
		}
	}
	nc, err := s.store.SeedCrossings(ctx, crossings)
	if err != nil {
		return fmt.Errorf("seed crossings: %w", err)
	}
	var barriers []BarrierChange
	for _, b := range s.theater.Barriers {
		at := s.Now().UTC()
		for _, d := range []string{b.Completed, b.Started} {
			if t, err := time.Parse(time.DateOnly, d); err == nil && d != "" {
				at = t
				break
			}
		}
		barriers = append(barriers, BarrierChange{BarrierID: b.ID, Status: b.Status, ProgressPct: b.ProgressPct, Note: b.Note, At: at, By: seedBy})
	}
	nb, err := s.store.SeedBarriers(ctx, barriers)
	if err != nil {
		return fmt.Errorf("seed barriers: %w", err)
	}
	if nc+nb > 0 {
		s.logger.Info("theater state seeded", "crossing_entries", nc, "barrier_entries", nb)
	}
	return nil
}

// CrossingView is an official crossing with its current status.
type CrossingView struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	NameAr      string         `json:"name_ar"`
	Pair        string         `json:"pair"`
	PairAr      string         `json:"pair_ar"`
	Position    geo.LatLon     `json:"position"`
	Approximate bool           `json:"approximate"`
	Sector      string         `json:"sector"`
	ChainageKm  float64        `json:"chainage_km"`
	Status      CrossingStatus `json:"status"`
	Since       time.Time      `json:"since"`
	Note        string         `json:"note,omitempty"`
	By          string         `json:"by,omitempty"`
}

// Crossings returns every official crossing with its current status, in
// theater order, optionally only those of one sector.
func (s *Service) Crossings(ctx context.Context, sector string) ([]CrossingView, error) {
	if sector != "" && s.theater.Sector(sector) == nil {
		return nil, errs.E(errs.NotFound, "unknown sector %q", sector)
	}
	cur, err := s.store.CurrentCrossings(ctx)
	if err != nil {
		return nil, fmt.Errorf("crossings: %w", err)
	}
	out := []CrossingView{}
	for _, x := range s.theater.Crossings {
		if sector != "" && x.Sector != sector {
			continue
		}
		v := CrossingView{
			ID: x.ID, Name: x.Name, NameAr: x.NameAr, Pair: x.Pair, PairAr: x.PairAr,
			Position: x.Position, Approximate: x.Approximate, Sector: x.Sector,
			ChainageKm: round(x.Chainage/1000, 1000), Status: x.Status,
		}
		if c, ok := cur[x.ID]; ok {
			v.Status, v.Since, v.Note, v.By = c.Status, c.At, c.Note, c.By
		}
		out = append(out, v)
	}
	return out, nil
}

// CrossingHistory returns a crossing's status history, oldest first.
func (s *Service) CrossingHistory(ctx context.Context, id string) ([]CrossingChange, error) {
	if s.theater.Crossing(id) == nil {
		return nil, errs.E(errs.NotFound, "unknown crossing %q", id)
	}
	h, err := s.store.CrossingHistory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crossing %s history: %w", id, err)
	}
	return h, nil
}

// SetCrossingStatus records a crossing's new status, stamped now.
func (s *Service) SetCrossingStatus(ctx context.Context, id string, status CrossingStatus, note, by string) (CrossingChange, error) {
	x := s.theater.Crossing(id)
	if x == nil {
		return CrossingChange{}, errs.E(errs.NotFound, "unknown crossing %q", id)
	}
	if err := auth.Authorize(ctx, auth.ActionCrossingStatus, x.Sector); err != nil {
		return CrossingChange{}, fmt.Errorf("crossing %s: %w", id, err)
	}
	if !status.Valid() {
		return CrossingChange{}, errs.E(errs.Invalid, "status: %q is not one of %s", status, joinValues(CrossingStatuses))
	}
	if len(note) > maxNote {
		return CrossingChange{}, errs.E(errs.Invalid, "note: %d characters is longer than %d", len(note), maxNote)
	}
	c := CrossingChange{CrossingID: id, Status: status, Note: strings.TrimSpace(note), At: s.Now().UTC(), By: by}
	if err := s.store.AddCrossingChange(ctx, c); err != nil {
		return CrossingChange{}, fmt.Errorf("set crossing %s status: %w", id, err)
	}
	s.logger.Info("crossing status changed", "crossing", id, "status", status, "by", by)
	if err := auth.Record(ctx, s.Audit, "theater.crossing.status", "crossing/"+id, x.Sector,
		map[string]string{"status": string(status), "note": c.Note}); err != nil {
		return CrossingChange{}, err
	}
	return c, nil
}

// maxNote bounds the free text kept with a change.
const maxNote = 2000

// BarrierView is a barrier segment with its current progress.
type BarrierView struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Kind        BarrierKind   `json:"kind"`
	FromKm      float64       `json:"from_km"`
	ToKm        float64       `json:"to_km"`
	Sectors     []string      `json:"sectors"`
	Expected    string        `json:"expected,omitempty"`
	Status      BarrierStatus `json:"status"`
	ProgressPct float64       `json:"progress_pct"`
	Since       time.Time     `json:"since"`
	Note        string        `json:"note,omitempty"`
	By          string        `json:"by,omitempty"`
}

// Barriers returns every barrier segment with its current progress, in
// theater order, optionally only those overlapping one sector.
func (s *Service) Barriers(ctx context.Context, sector string) ([]BarrierView, error) {
	if sector != "" && s.theater.Sector(sector) == nil {
		return nil, errs.E(errs.NotFound, "unknown sector %q", sector)
	}
	cur, err := s.store.CurrentBarriers(ctx)
	if err != nil {
		return nil, fmt.Errorf("barriers: %w", err)
	}
	out := []BarrierView{}
	for _, b := range s.theater.Barriers {
		if sector != "" && !slices.Contains(b.Sectors, sector) {
			continue
		}
		v := BarrierView{
			ID: b.ID, Name: b.Name, Kind: b.Kind, FromKm: b.FromKm, ToKm: b.ToKm, Sectors: b.Sectors,
			Expected: b.Expected, Status: b.Status, ProgressPct: b.ProgressPct,
		}
		if c, ok := cur[b.ID]; ok {
			v.Status, v.ProgressPct, v.Since, v.Note, v.By = c.Status, c.ProgressPct, c.At, c.Note, c.By
		}
		out = append(out, v)
	}
	return out, nil
}

// BarrierHistory returns a barrier segment's progress history, oldest first.
func (s *Service) BarrierHistory(ctx context.Context, id string) ([]BarrierChange, error) {
	if s.theater.Barrier(id) == nil {
		return nil, errs.E(errs.NotFound, "unknown barrier %q", id)
	}
	h, err := s.store.BarrierHistory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("barrier %s history: %w", id, err)
	}
	return h, nil
}

// SetBarrierProgress records a barrier segment's progress, stamped now. A
// complete segment is at 100 %, a planned one at 0 %.
//
// A segment spanning several sectors may be updated only by someone
// allowed in every one of them.
func (s *Service) SetBarrierProgress(ctx context.Context, id string, status BarrierStatus, pct float64, note, by string) (BarrierChange, error) {
	b := s.theater.Barrier(id)
	if b == nil {
		return BarrierChange{}, errs.E(errs.NotFound, "unknown barrier %q", id)
	}
	for _, sec := range b.Sectors {
		if err := auth.Authorize(ctx, auth.ActionBarrierProgress, sec); err != nil {
			return BarrierChange{}, fmt.Errorf("barrier %s: %w", id, err)
		}
	}
	switch {
	case !status.Valid():
		return BarrierChange{}, errs.E(errs.Invalid, "status: %q is not one of %s", status, joinValues(BarrierStatuses))
	case !(pct >= 0 && pct <= 100):
		return BarrierChange{}, errs.E(errs.Invalid, "progress_pct: %v is out of range [0, 100]", pct)
	case status == BarrierComplete && pct != 100:
		return BarrierChange{}, errs.E(errs.Invalid, "progress_pct: a complete segment is at 100, not %v", pct)
	case status == BarrierPlanned && pct != 0:
		return BarrierChange{}, errs.E(errs.Invalid, "progress_pct: a planned segment is at 0, not %v", pct)
	case len(note) > maxNote:
		return BarrierChange{}, errs.E(errs.Invalid, "note: %d characters is longer than %d", len(note), maxNote)
	}
	c := BarrierChange{BarrierID: id, Status: status, ProgressPct: pct, Note: strings.TrimSpace(note), At: s.Now().UTC(), By: by}
	if err := s.store.AddBarrierChange(ctx, c); err != nil {
		return BarrierChange{}, fmt.Errorf("set barrier %s progress: %w", id, err)
	}
	s.logger.Info("barrier progress changed", "barrier", id, "status", status, "progress_pct", pct, "by", by)
	if err := auth.Record(ctx, s.Audit, "theater.barrier.progress", "barrier/"+id, strings.Join(b.Sectors, ","),
		map[string]string{"status": string(status), "progress_pct": strconv.FormatFloat(pct, 'f', -1, 64), "note": c.Note}); err != nil {
		return BarrierChange{}, err
	}
	return c, nil
}

// GeoJSON exports the layers f selects, with the crossings' and barriers'
// properties showing their current state from the store.
func (s *Service) GeoJSON(ctx context.Context, f Filter) ([]byte, error) {
	fc, err := s.theater.FeatureCollection(f)
	if err != nil {
		return nil, err
	}
	var crossings map[string]CrossingChange
	var barriers map[string]BarrierChange
	for i := range fc.Features {
		p := fc.Features[i].Properties
		id, _ := p["id"].(string)
		switch p["layer"] {
		case string(LayerCrossings):
			if crossings == nil {
				if crossings, err = s.store.CurrentCrossings(ctx); err != nil {
					return nil, fmt.Errorf("theater geojson: %w", err)
				}
			}
			if c, ok := crossings[id]; ok {
				p["status"], p["status_since"] = c.Status, c.At.Format(time.RFC3339)
			}
		case string(LayerBarriers):
			if barriers == nil {
				if barriers, err = s.store.CurrentBarriers(ctx); err != nil {
					return nil, fmt.Errorf("theater geojson: %w", err)
				}
			}
			if c, ok := barriers[id]; ok {
				p["status"], p["progress_pct"], p["status_since"] = c.Status, c.ProgressPct, c.At.Format(time.RFC3339)
			}
		}
	}
	return fc.Marshal()
}

func joinValues[T ~string](vals []T) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}
