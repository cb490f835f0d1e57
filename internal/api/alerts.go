package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"raqib/internal/alert"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/rules"
)

// alertPath parses the {id} of an alert route.
func alertID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.Invalid, "id: %q is not an alert id (a positive integer)", raw)
	}
	return id, nil
}

func (s *Server) needAlerts(w http.ResponseWriter, r *http.Request) bool {
	if s.alerts == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "the alert service is not running"))
		return false
	}
	return true
}

func parseTimeParam(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "%s: %q is not an RFC 3339 time", name, v)
	}
	return t, nil
}

func (s *Server) handleAlertList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f alert.Filter
	for _, st := range listParam(q["state"]) {
		if st == "open" {
			f.States = append(f.States, alert.OpenStates...)
			continue
		}
		if !alert.State(st).Valid() {
			s.writeError(w, r, errs.E(errs.Invalid, "state: unknown state %q (want open, new, acknowledged, assigned, resolved or dismissed)", st))
			return
		}
		f.States = append(f.States, alert.State(st))
	}
	if v := q.Get("severity"); v != "" {
		if !rules.Severity(v).Valid() {
			s.writeError(w, r, errs.E(errs.Invalid, "severity: unknown severity %q", v))
			return
		}
		f.MinSeverity = rules.Severity(v)
	}
	for _, id := range listParam(q["sector"]) {
		if s.theater.Theater().Sector(id) == nil {
			s.writeError(w, r, errs.E(errs.Invalid, "sector: unknown sector %q", id))
			return
		}
		f.Sectors = append(f.Sectors, id)
	}
	if v := q.Get("rule"); v != "" {
		if !rules.Rule(v).Valid() {
			s.writeError(w, r, errs.E(errs.Invalid, "rule: unknown rule %q", v))
			return
		}
		f.Rule = rules.Rule(v)
	}
	f.Track = q.Get("track")
	var err error
	if f.Since, err = parseTimeParam("since", q.Get("since")); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Until, err = parseTimeParam("until", q.Get("until")); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"group", &f.Group}, {"before", &f.Before}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				s.writeError(w, r, errs.E(errs.Invalid, "%s: %q is not a positive integer", p.name, v))
				return
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > alert.MaxLimit {
			s.writeError(w, r, errs.E(errs.Invalid, "limit: %q is not 1 to %d", v, alert.MaxLimit))
			return
		}
		f.Limit = n
	}
	if !s.needAlerts(w, r) {
		return
	}

	list, err := s.alerts.List(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []alert.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list, "count": len(list)})
}

func (s *Server) handleAlertGet(w http.ResponseWriter, r *http.Request) {
	id, err := alertID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAlerts(w, r) {
		return
	}

	a, err := s.alerts.Get(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hist, err := s.alerts.History(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alert": a, "history": hist})
}

// alertAction is the body of a life-cycle request; which fields are
// required depends on the action.
type alertAction struct {
	To     string `json:"to"`
	Note   string `json:"note"`
	Reason string `json:"reason"`
}

func (s *Server) alertLifecycle(w http.ResponseWriter, r *http.Request, op func(id int64, body alertAction) (alert.Alert, error)) {
	id, err := alertID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body alertAction
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if !s.needAlerts(w, r) {
		return
	}

	a, err := op(id, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleAlertAck(w http.ResponseWriter, r *http.Request) {
	s.alertLifecycle(w, r, func(id int64, _ alertAction) (alert.Alert, error) {
		return s.alerts.Acknowledge(r.Context(), id, actor(r))
	})
}

func (s *Server) handleAlertAssign(w http.ResponseWriter, r *http.Request) {
	s.alertLifecycle(w, r, func(id int64, b alertAction) (alert.Alert, error) {
		return s.alerts.Assign(r.Context(), id, b.To, actor(r))
	})
}

func (s *Server) handleAlertResolve(w http.ResponseWriter, r *http.Request) {
	s.alertLifecycle(w, r, func(id int64, b alertAction) (alert.Alert, error) {
		return s.alerts.Resolve(r.Context(), id, b.Note, actor(r))
	})
}

func (s *Server) handleAlertDismiss(w http.ResponseWriter, r *http.Request) {
	s.alertLifecycle(w, r, func(id int64, b alertAction) (alert.Alert, error) {
		return s.alerts.Dismiss(r.Context(), id, b.Reason, actor(r))
	})
}

// handleAlertStream pushes alert changes as server-sent events, one JSON
// Change per event, named by its kind. ?console= names the console and
// ?rate= caps raised alerts a minute (default 60); overflow arrives as
// "summary" events. A console that falls behind is disconnected with a
// final "resync" event and should reload the list. At every keepalive the
// credentials are checked again: a stream whose session ended, whose token
// was revoked or whose user may no longer view ends with a final
// "signed_out" event.
func (s *Server) handleAlertStream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	console := q.Get("console")
	if console == "" {
		console = r.RemoteAddr
	}
	rate := 60
	if v := q.Get("rate"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			s.writeError(w, r, errs.E(errs.Invalid, "rate: %q is not 1 to 10000 alerts a minute", v))
			return
		}
		rate = n
	}
	rc := http.NewResponseController(w)
	if !s.needAlerts(w, r) {
		return
	}

	sub := s.alerts.Subscribe(console, rate)
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": raqib alert stream\n\n")
	_ = rc.Flush()
	keepalive := time.NewTicker(s.keepalive)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			if err := s.recheck(r, need(auth.ActionView)); err != nil {
				b, _ := json.Marshal(map[string]string{"reason": errs.MessageOf(err)})
				fmt.Fprintf(w, "event: signed_out\ndata: %s\n\n", b)
				_ = rc.Flush()
				return
			}
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return
			}
			_ = rc.Flush()
		case ch, ok := <-sub.C():
			if !ok {
				msg := "closed"
				if err := sub.Err(); err != nil {
					msg = err.Error()
				}
				b, _ := json.Marshal(map[string]string{"reason": msg})
				fmt.Fprintf(w, "event: resync\ndata: %s\n\n", b)
				_ = rc.Flush()
				return
			}
			b, err := json.Marshal(ch)
			if err != nil {
				s.logger.Error("encode alert change", "err", err)
				return
			}
			if _, err := fmt.Fprintf(w, "event: %s\nid: %d\ndata: %s\n\n", ch.Kind, ch.Alert.ID, b); err != nil {
				return
			}
			_ = rc.Flush()
		}
	}
}

// suppressionBody is the body of a new suppression.
type suppressionBody struct {
	alert.Suppression
}

func (s *Server) handleSuppressionList(w http.ResponseWriter, r *http.Request) {
	if !s.needAlerts(w, r) {
		return
	}
	list, err := s.alerts.Suppressions(r.Context(), time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []alert.Suppression{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"suppressions": list})
}

func (s *Server) handleSuppressionAdd(w http.ResponseWriter, r *http.Request) {
	var body suppressionBody
	if err := decodeBody(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAlerts(w, r) {
		return
	}

	sp := body.Suppression
	sp.ID, sp.Hits, sp.Created = 0, 0, time.Time{}
	sp.By = actor(r)
	out, err := s.alerts.AddSuppression(r.Context(), sp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleSuppressionRemove(w http.ResponseWriter, r *http.Request) {
	id, err := alertID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAlerts(w, r) {
		return
	}
	if err := s.alerts.RemoveSuppression(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
