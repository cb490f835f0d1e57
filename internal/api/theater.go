package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

// maxBody bounds the JSON bodies of theater edits.
const maxBody = 64 << 10

func (s *Server) handleTheater(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f theater.Filter
	for _, l := range listParam(q["layer"]) {
		f.Layers = append(f.Layers, theater.Layer(l))
	}
	f.Sectors = listParam(q["sector"])

	body, err := s.theater.GeoJSON(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeRaw(w, "application/geo+json", body)
}

// sectorSummary is a sector in the list, with counts of what it holds.
type sectorSummary struct {
	*theater.Sector
	Cameras   int `json:"cameras"`
	Crossings int `json:"crossings"`
}

func (s *Server) handleSectorList(w http.ResponseWriter, r *http.Request) {
	th := s.theater.Theater()
	out := make([]sectorSummary, 0, len(th.Sectors))
	crossings := map[string]int{}
	for _, x := range th.Crossings {
		crossings[x.Sector]++
	}
	for _, sec := range th.Sectors {
		out = append(out, sectorSummary{Sector: sec, Cameras: len(th.SectorCameras(sec.ID)), Crossings: crossings[sec.ID]})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sectors": out})
}

// sectorDetail is one sector with everything along it.
type sectorDetail struct {
	*theater.Sector
	Cameras   []*theater.Camera      `json:"cameras"`
	Posts     []*theater.Post        `json:"posts"`
	Crossings []theater.CrossingView `json:"crossings"`
	Barriers  []theater.BarrierView  `json:"barriers"`
}

func (s *Server) handleSectorGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")

	th := s.theater.Theater()
	sec := th.Sector(id)
	if sec == nil {
		s.writeError(w, r, errs.E(errs.NotFound, "unknown sector %q", id))
		return
	}
	crossings, err := s.theater.Crossings(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	barriers, err := s.theater.Barriers(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := sectorDetail{Sector: sec, Cameras: th.SectorCameras(id), Crossings: crossings, Barriers: barriers, Posts: []*theater.Post{}}
	if d.Cameras == nil {
		d.Cameras = []*theater.Camera{}
	}
	for _, p := range th.Posts {
		if p.Sector == id {
			d.Posts = append(d.Posts, p)
		}
	}

	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleCameraList(w http.ResponseWriter, r *http.Request) {
	sector := r.URL.Query().Get("sector")

	th := s.theater.Theater()
	cams := th.Cameras
	if sector != "" {
		if th.Sector(sector) == nil {
			s.writeError(w, r, errs.E(errs.NotFound, "unknown sector %q", sector))
			return
		}
		cams = th.SectorCameras(sector)
	}
	if cams == nil {
		cams = []*theater.Camera{}
	}

	writeJSON(w, http.StatusOK, map[string]any{"cameras": cams, "count": len(cams)})
}

func (s *Server) handleCrossingList(w http.ResponseWriter, r *http.Request) {
	sector := r.URL.Query().Get("sector")

	list, err := s.theater.Crossings(r.Context(), sector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{"crossings": list})
}

func (s *Server) handleCrossingHistory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")

	h, err := s.theater.CrossingHistory(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{"crossing": id, "history": h})
}

type crossingStatusRequest struct {
	Status theater.CrossingStatus `json:"status"`
	Note   string                 `json:"note"`
}

func (s *Server) handleCrossingSetStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req crossingStatusRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}

	c, err := s.theater.SetCrossingStatus(r.Context(), id, req.Status, req.Note, actor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleBarrierList(w http.ResponseWriter, r *http.Request) {
	sector := r.URL.Query().Get("sector")

	list, err := s.theater.Barriers(r.Context(), sector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{"barriers": list})
}

func (s *Server) handleBarrierHistory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")

	h, err := s.theater.BarrierHistory(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{"barrier": id, "history": h})
}

type barrierProgressRequest struct {
	Status      theater.BarrierStatus `json:"status"`
	ProgressPct *float64              `json:"progress_pct"`
	Note        string                `json:"note"`
}

func (s *Server) handleBarrierSetProgress(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req barrierProgressRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ProgressPct == nil {
		s.writeError(w, r, errs.E(errs.Invalid, "progress_pct: missing"))
		return
	}

	c, err := s.theater.SetBarrierProgress(r.Context(), id, req.Status, *req.ProgressPct, req.Note, actor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusCreated, c)
}

// decodeBody reads one JSON object of at most maxBody bytes, refusing
// unknown fields and trailing data, with errors that name what is wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.Invalid, "body: Content-Type %q is not application/json", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(errs.Invalid, "body: unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == io.EOF:
		return errs.E(errs.Invalid, "body: empty, expected a JSON object")
	case asErr(err, &maxErr):
		return errs.E(errs.TooLarge, "body: larger than %d bytes", maxErr.Limit)
	case asErr(err, &typeErr):
		return errs.E(errs.Invalid, "body.%s: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case asErr(err, &syntaxErr):
		return errs.E(errs.Invalid, "body: malformed JSON at byte %d", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errs.E(errs.Invalid, "body: unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return errs.E(errs.Invalid, "body: malformed JSON")
	}
}

// listParam flattens repeated and comma-separated query values.
func listParam(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
