package api

import (
	"net/http"

	"raqib/internal/errs"
	"raqib/internal/feed"
	"raqib/internal/fusion"
	"raqib/internal/pipeline"
)

// Tracks is the live picture as the API reads it.
type Tracks interface {
	Tracks() []fusion.Track
	Track(id string) (fusion.Track, []pipeline.TrailPoint, bool)
}

// trackView is a track as the API shows it: the feed's view (the same
// object the WebSocket feed sends), with the trail for a single track.
type trackView struct {
	feed.TrackView
	Trail []pipeline.TrailPoint `json:"trail,omitempty"`
}

func (s *Server) trackView(t *fusion.Track) trackView {
	return trackView{TrackView: feed.ViewOf(s.theater.Theater(), t)}
}

func (s *Server) handleTrackList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sectors := map[string]bool{}
	for _, id := range listParam(q["sector"]) {
		if s.theater.Theater().Sector(id) == nil {
			s.writeError(w, r, errs.E(errs.Invalid, "sector: unknown sector %q", id))
			return
		}
		sectors[id] = true
	}
	friendly := q.Get("friendly")
	if friendly != "" && friendly != "true" && friendly != "false" {
		s.writeError(w, r, errs.E(errs.Invalid, "friendly: want true or false, not %q", friendly))
		return
	}
	if s.tracks == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "the tracker is not running"))
		return
	}

	all := s.tracks.Tracks()
	out := make([]trackView, 0, len(all))
	for i := range all {
		v := s.trackView(&all[i])
		if len(sectors) > 0 && !sectors[v.Sector] {
			continue
		}
		if friendly != "" && v.Friendly != (friendly == "true") {
			continue
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tracks": out, "count": len(out)})
}

func (s *Server) handleTrackGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.tracks == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "the tracker is not running"))
		return
	}

	t, trail, ok := s.tracks.Track(id)
	if !ok {
		s.writeError(w, r, errs.E(errs.NotFound, "no live track %q (it may have been deleted)", id))
		return
	}
	v := s.trackView(&t)
	v.Trail = trail
	writeJSON(w, http.StatusOK, v)
}
