package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/pipeline"
)

// Replayer rebuilds the picture as it stood at a past time from the event
// log.
type Replayer interface {
	// Replay runs the fusion over the observations stored from at−window
	// to at and returns the tracks of the picture at at, each with its
	// trail, sorted by id. It calls progress, from the calling goroutine,
	// as it reads: done observations of about total. An at before the
	// log's first record is an invalid error naming at.
	Replay(ctx context.Context, at time.Time, window time.Duration, progress func(done, total int)) ([]ReplayTrack, error)
}

// ReplayTrack is one track of a rebuilt picture.
type ReplayTrack struct {
	Track fusion.Track
	Trail []pipeline.TrailPoint
}

// The replay window: its default and its bound.
const (
	DefaultReplayWindow = 10 * time.Minute
	MaxReplayWindow     = time.Hour
)

// maxReplayAlerts bounds the alerts a replay snapshot lists.
const maxReplayAlerts = 5000

// replayProgress is one progress line of a replay.
type replayProgress struct {
	Type  string `json:"type"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// replaySnapshot is the picture at a past time.
type replaySnapshot struct {
	Type   string        `json:"type"`
	Time   time.Time     `json:"time"`
	Tracks []trackView   `json:"tracks"`
	Alerts []alert.Alert `json:"alerts"`
}

// replayError ends a replay stream that has already begun.
type replayError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("at")
	if raw == "" {
		s.writeError(w, r, errs.E(errs.Invalid, "at: required, an RFC 3339 time such as 2026-11-23T22:00:00+03:00"))
		return
	}
	at, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		s.writeError(w, r, errs.E(errs.Invalid, "at: %q is not an RFC 3339 time", raw))
		return
	}
	if at.After(s.now()) {
		s.writeError(w, r, errs.E(errs.Invalid, "at: %s is in the future", at.Format(time.RFC3339)))
		return
	}
	window := DefaultReplayWindow
	if v := q.Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > MaxReplayWindow {
			s.writeError(w, r, errs.E(errs.Invalid, "window: %q is not a duration above 0 and at most %s (such as 10m)", v, MaxReplayWindow))
			return
		}
		window = d
	}
	if s.replay == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "replay is not available: the server has no event log"))
		return
	}

	stream := &ndjsonStream{w: w, rc: http.NewResponseController(w)}
	tracks, err := s.replay.Replay(r.Context(), at, window, func(done, total int) {
		stream.send(replayProgress{Type: "progress", Done: done, Total: total})
	})
	var alerts []alert.Alert
	if err == nil {
		alerts, err = s.alertsAt(r.Context(), at)
	}
	if err != nil {
		if !stream.started {
			s.writeError(w, r, err)
			return
		}
		if errs.CodeOf(err) == errs.Internal {
			s.logger.Error("replay failed", "at", at, "err", err)
		}
		stream.send(replayError{Type: "error", Message: errs.MessageOf(err)})
		return
	}

	snap := replaySnapshot{Type: "snapshot", Time: at, Tracks: make([]trackView, 0, len(tracks)), Alerts: alerts}
	for i := range tracks {
		v := s.trackView(&tracks[i].Track)
		v.Trail = tracks[i].Trail
		if v.Trail == nil {
			v.Trail = []pipeline.TrailPoint{}
		}
		snap.Tracks = append(snap.Tracks, v)
	}
	stream.send(snap)
}

// alertsAt returns the alerts as they stood at a past time: raised at or
// before it and not closed before it, each in the state it then had.
func (s *Server) alertsAt(ctx context.Context, at time.Time) ([]alert.Alert, error) {
	out := []alert.Alert{}
	if s.alerts == nil {
		return out, nil
	}
	f := alert.Filter{Until: at.Add(time.Nanosecond), Limit: alert.MaxLimit}
	for len(out) < maxReplayAlerts {
		page, err := s.alerts.List(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			if a.ResolvedAt != nil && a.ResolvedAt.Before(at) {
				continue
			}
			if changedAfter(&a, at) {
				if a, err = s.alertBefore(ctx, a, at); err != nil {
					return nil, err
				}
			}
			out = append(out, a)
		}
		if len(page) < f.Limit {
			break
		}
		f.Before = page[len(page)-1].ID
	}
	return out, nil
}

// changedAfter reports whether an alert changed after t.
func changedAfter(a *alert.Alert, t time.Time) bool {
	if a.Updated.After(t) {
		return true
	}
	for _, p := range []*time.Time{a.AckAt, a.AssignedAt, a.ResolvedAt} {
		if p != nil && p.After(t) {
			return true
		}
	}
	return false
}

// alertBefore returns the alert as its last change at or before t left it.
func (s *Server) alertBefore(ctx context.Context, a alert.Alert, t time.Time) (alert.Alert, error) {
	hist, err := s.alerts.History(ctx, a.ID)
	if err != nil {
		return alert.Alert{}, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if !hist[i].At.After(t) && hist[i].Alert.ID == a.ID {
			return hist[i].Alert, nil
		}
	}
	return a, nil
}

// ndjsonStream writes NDJSON lines, each flushed at once. The status and
// headers go out with the first line, so that an error before it can
// still be an ordinary error response.
type ndjsonStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	failed  bool
}

func (st *ndjsonStream) send(v any) {
	if st.failed {
		return
	}
	if !st.started {
		h := st.w.Header()
		h.Set("Content-Type", "application/x-ndjson")
		h.Set("Cache-Control", "no-store")
		st.w.WriteHeader(http.StatusOK)
		st.started = true
	}
	line, err := json.Marshal(v)
	if err != nil {
		st.failed = true
		return
	}
	line = append(line, '\n')
	if _, err := st.w.Write(line); err != nil {
		st.failed = true
		return
	}
	if err := st.rc.Flush(); err != nil {
		st.failed = true
	}
}
