package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"raqib/internal/errs"
	"raqib/internal/sensor"
)

func (s *Server) handleObservations(w http.ResponseWriter, r *http.Request) {
	obs, err := sensor.DecodeBatch(r.Body, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), s.ingest.Limits(), time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	res, err := s.ingest.Observations(r.Context(), obs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleHeartbeats(w http.ResponseWriter, r *http.Request) {
	hbs, err := sensor.DecodeHeartbeats(r.Body, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), s.ingest.Limits(), time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	res, err := s.ingest.Heartbeats(r.Context(), hbs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, res)
}

// sensorStatus is a sensor as the API shows it.
type sensorStatus struct {
	ID       string        `json:"id"`
	Kind     sensor.Kind   `json:"kind,omitempty"`
	Sector   string        `json:"sector,omitempty"`
	Health   sensor.Health `json:"health"`
	Since    time.Time     `json:"since"`
	LastSeen *time.Time    `json:"last_seen,omitempty"`
	Note     string        `json:"note,omitempty"`
	Auto     bool          `json:"auto"`
}

func (s *Server) statusView(st sensor.Status) sensorStatus {
	v := sensorStatus{ID: st.ID, Kind: st.Kind, Health: st.Health, Since: st.Since, Note: st.Note, Auto: st.Auto}
	if !st.LastSeen.IsZero() {
		t := st.LastSeen
		v.LastSeen = &t
	}
	if c := s.theater.Theater().Camera(st.ID); c != nil {
		v.Sector = c.Sector
	}
	return v
}

func (s *Server) handleSensorList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sector, health := q.Get("sector"), sensor.Health(q.Get("health"))
	if sector != "" && s.theater.Theater().Sector(sector) == nil {
		s.writeError(w, r, errs.E(errs.NotFound, "unknown sector %q", sector))
		return
	}
	if health != "" && !health.Valid() {
		s.writeError(w, r, errs.E(errs.Invalid, "health: %q is not one of ok, degraded, offline, tampered", health))
		return
	}

	list := s.ingest.Registry().List()
	out := make([]sensorStatus, 0, len(list))
	counts := map[sensor.Health]int{}
	for _, st := range list {
		v := s.statusView(st)
		if (sector != "" && v.Sector != sector) || (health != "" && v.Health != health) {
			continue
		}
		counts[v.Health]++
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b sensorStatus) int { return strings.Compare(a.ID, b.ID) })

	writeJSON(w, http.StatusOK, map[string]any{"sensors": out, "count": len(out), "by_health": counts})
}

func (s *Server) handleSensorGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")

	st, ok := s.ingest.Registry().Get(id)
	if !ok {
		s.writeError(w, r, errs.E(errs.NotFound, "unknown sensor %q", id))
		return
	}

	writeJSON(w, http.StatusOK, s.statusView(st))
}
