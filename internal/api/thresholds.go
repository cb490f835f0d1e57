package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// Thresholds reads a sector's rule thresholds and proposes changes to
// them, which take effect once a second person approves.
type Thresholds interface {
	// SectorThresholds returns the rule set a sector is judged by, as
	// JSON with the rules file's field names.
	SectorThresholds(ctx context.Context, sector string) (json.RawMessage, error)
	// ProposeThresholds records a change of a sector's thresholds: body
	// is a JSON rule set, whole or in part, merged over the current one.
	ProposeThresholds(ctx context.Context, sector string, body []byte) (auth.Request, error)
	// ThresholdRequests returns the sector's threshold changes waiting
	// for a second person, newest first.
	ThresholdRequests(ctx context.Context, sector string) ([]auth.Request, error)
	// DecideThresholds approves (and applies) or rejects one of them.
	DecideThresholds(ctx context.Context, sector string, id int64, approve bool, reason string) (auth.Request, error)
}

// handleThresholdsGet returns a sector's effective rule set.
func (s *Server) handleThresholdsGet(w http.ResponseWriter, r *http.Request) {
	sector := r.PathValue("id")
	if s.thresholds == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "rule thresholds are not configured"))
		return
	}

	rs, err := s.thresholds.SectorThresholds(r.Context(), sector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeRaw(w, "application/json", rs)
}

// handleThresholdsPropose proposes a change of a sector's thresholds; the
// response is the pending request, for a second person to approve.
func (s *Server) handleThresholdsPropose(w http.ResponseWriter, r *http.Request) {
	sector := r.PathValue("id")
	body, err := readJSONBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.thresholds == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "rule thresholds are not configured"))
		return
	}

	req, err := s.thresholds.ProposeThresholds(r.Context(), sector, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusAccepted, req)
}

// readJSONBody reads a JSON body of at most maxBody bytes, unparsed.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, errs.E(errs.Invalid, "body: Content-Type %q is not application/json", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, errs.E(errs.TooLarge, "body: larger than %d bytes", maxErr.Limit)
		}
		return nil, errs.E(errs.Invalid, "body: %v", err)
	}
	if !json.Valid(body) {
		return nil, errs.E(errs.Invalid, "body: not valid JSON")
	}
	return body, nil
}

// handleThresholdRequests lists a sector's pending threshold changes.
func (s *Server) handleThresholdRequests(w http.ResponseWriter, r *http.Request) {
	sector := r.PathValue("id")
	if s.thresholds == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "rule thresholds are not configured"))
		return
	}

	list, err := s.thresholds.ThresholdRequests(r.Context(), sector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	if list == nil {
		list = []auth.Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": list, "count": len(list)})
}

// handleThresholdsApprove approves and applies a threshold change someone
// else proposed.
func (s *Server) handleThresholdsApprove(w http.ResponseWriter, r *http.Request) {
	sector := r.PathValue("id")
	id, err := thresholdRequestID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.thresholds == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "rule thresholds are not configured"))
		return
	}

	req, err := s.thresholds.DecideThresholds(r.Context(), sector, id, true, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, req)
}

// handleThresholdsReject closes a pending threshold change with a reason.
func (s *Server) handleThresholdsReject(w http.ResponseWriter, r *http.Request) {
	sector := r.PathValue("id")
	id, err := thresholdRequestID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body rejectBody
	if err := decodeBody(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(body.Reason) == "" {
		s.writeError(w, r, errs.E(errs.Invalid, "reason: required"))
		return
	}
	if s.thresholds == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "rule thresholds are not configured"))
		return
	}

	req, err := s.thresholds.DecideThresholds(r.Context(), sector, id, false, body.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, req)
}

// thresholdRequestID reads the {request} path value.
func thresholdRequestID(r *http.Request) (int64, error) {
	raw := r.PathValue("request")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.Invalid, "request: %q is not a request id (a positive integer)", raw)
	}
	return id, nil
}
