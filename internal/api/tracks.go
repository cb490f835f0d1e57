package api

import (
	"math"
	"net/http"
	"time"

	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/pipeline"
	"raqib/internal/theater"
)

// Tracks is the live picture as the API reads it.
type Tracks interface {
	Tracks() []fusion.Track
	Track(id string) (fusion.Track, []pipeline.TrailPoint, bool)
}

// trackView is a track as the API shows it.
type trackView struct {
	ID        string             `json:"id"`
	Status    string             `json:"status"`
	Time      time.Time          `json:"time"`
	Position  geo.LatLon         `json:"position"`
	MGRS      string             `json:"mgrs"`
	Velocity  fusion.Velocity    `json:"velocity"`
	SpeedMps  float64            `json:"speed_mps"`
	CourseDeg float64            `json:"course_deg"`
	SigmaM    float64            `json:"sigma_m"`
	Class     string             `json:"class"`
	ClassProb map[string]float64 `json:"class_prob"`
	Count     int                `json:"count"`
	Friendly  bool               `json:"friendly"`
	Unit      string             `json:"unit,omitempty"`
	Exercise  bool               `json:"exercise"`
	Sector    string             `json:"sector"`
	Side      theater.Side       `json:"side"`
	DistanceM float64            `json:"distance_m"`
	// ChainageKm places the track along the border.
	ChainageKm float64               `json:"chainage_km"`
	Born       time.Time             `json:"born"`
	LastSeen   time.Time             `json:"last_seen"`
	Hits       int                   `json:"hits"`
	Sensors    []string              `json:"sensors"`
	Trail      []pipeline.TrailPoint `json:"trail,omitempty"`
}

func (s *Server) trackView(t *fusion.Track) trackView {
	loc := s.theater.Theater().Locate(t.Pos)
	mgrs, _ := geo.FormatMGRS(t.Pos, 5)
	course := math.Atan2(t.Vel.East, t.Vel.North) * 180 / math.Pi
	if course < 0 {
		course += 360
	}
	v := trackView{
		ID: t.ID, Status: t.Status.String(), Time: t.Time, Position: t.Pos, MGRS: mgrs,
		Velocity: t.Vel, SpeedMps: round(math.Hypot(t.Vel.East, t.Vel.North), 2), CourseDeg: round(course, 1),
		SigmaM: round(math.Sqrt(max(0, (t.PosCov[0]+t.PosCov[2])/2)), 1),
		Class:  t.Class.String(),
		ClassProb: map[string]float64{
			"person": round(t.ClassProb[0], 3), "vehicle": round(t.ClassProb[1], 3), "animal": round(t.ClassProb[2], 3),
		},
		Count: t.Count, Friendly: t.Friendly, Unit: t.Unit, Exercise: len(t.ID) > 2 && t.ID[:2] == "X-",
		Side: loc.Side, DistanceM: round(loc.Distance, 0), ChainageKm: round(loc.Chainage/1000, 3),
		Born: t.Born, LastSeen: t.LastSeen, Hits: t.Hits, Sensors: t.Sensors,
	}
	if v.Sensors == nil {
		v.Sensors = []string{}
	}
	if loc.Sector != nil {
		v.Sector = loc.Sector.ID
	}
	return v
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
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
