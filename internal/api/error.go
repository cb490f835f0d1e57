package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"raqib/internal/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.Internal:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for an error's code.
func StatusOf(err error) int {
	if s, ok := statusOf[errs.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    errs.Code `json:"code"`
		Message string    `json:"message"`
	} `json:"error"`
}

// writeError writes err as {"error":{"code","message"}}. Only internal
// errors are logged, with their full text; the client sees the coded
// message alone.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	if _, ok := statusOf[code]; !ok {
		code = errs.Internal
	}
	if code == errs.Internal {
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = errs.MessageOf(err)
	switch code {
	case errs.Unavailable:
		w.Header().Set("Retry-After", "5")
	case errs.Unauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="raqib"`)
	}
	writeJSON(w, StatusOf(err), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // a write error means the client went away
}

// writeRaw writes a body already encoded as JSON (GeoJSON built once).
func writeRaw(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// discardLogger is used when the caller gives none.
var discardLogger = slog.New(slog.DiscardHandler)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
