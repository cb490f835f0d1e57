package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// loginRequest is the body of POST /api/v1/session.
type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// passwordRequest is the body of POST /api/v1/me/password.
type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// principalView is who is signed in, as sign-in and /me show it.
type principalView struct {
	User       string        `json:"user"`
	Force      auth.Force    `json:"force"`
	Roles      []auth.Role   `json:"roles"`
	Sectors    auth.Sectors  `json:"sectors"`
	Clearance  string        `json:"clearance"`
	Via        auth.Via      `json:"via"`
	Sensor     string        `json:"sensor,omitempty"`
	MustChange bool          `json:"must_change"`
	CSRF       string        `json:"csrf,omitempty"`
	Actions    []auth.Action `json:"actions"`
}

// viewOf shows a principal with the actions it may perform somewhere and,
// for a session, its CSRF token.
func viewOf(p auth.Principal, csrf string) principalView {
	v := principalView{User: p.User, Force: p.Force, Roles: append([]auth.Role{}, p.Roles...), Sectors: p.Sectors,
		Clearance: p.Clearance.String(), Via: p.Via, Sensor: p.Sensor, MustChange: p.MustChange, CSRF: csrf,
		Actions: []auth.Action{}}
	if p.MustChange {
		return v
	}
	ctx := auth.WithPrincipal(context.Background(), p)
	for _, rule := range auth.Matrix {
		if allowedSomewhere(ctx, &p, rule.Action) == nil {
			v.Actions = append(v.Actions, rule.Action)
		}
	}
	return v
}

// handleLogin signs a user in with a name and password, sets the session
// cookie and returns the principal with the session's CSRF token.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.writeError(w, r, errs.E(errs.Invalid, "body: Content-Type %q is not application/json", ct))
		return
	}
	var req loginRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case req.User == "":
		s.writeError(w, r, errs.E(errs.Invalid, "user: required"))
		return
	case req.Password == "":
		s.writeError(w, r, errs.E(errs.Invalid, "password: required"))
		return
	}
	if s.auth == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "authentication is not configured"))
		return
	}

	cookie, p, sess, err := s.auth.Login(r.Context(), req.User, req.Password, r.RemoteAddr)
	if err != nil {
		s.writeLoginError(w, r, err)
		return
	}

	http.SetCookie(w, sessionCookie(r, cookie))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, viewOf(p, sess.CSRF))
}

// handleLogout ends the request's session and clears its cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, _ := principal(r)

	if err := s.auth.Logout(r.Context(), p.Session); err != nil {
		s.writeError(w, r, err)
		return
	}

	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// handleMe shows the request's principal and, for a session, its CSRF
// token.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	p, _ := principal(r)

	csrf := ""
	if p.Via == auth.ViaSession {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			s.writeError(w, r, errs.E(errs.Unauthorized, "session cookie: missing"))
			return
		}
		_, sess, err := s.auth.Session(r.Context(), c.Value)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		csrf = sess.CSRF
	}

	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, viewOf(p, csrf))
}

// handleChangePassword changes the signed-in user's own password. It
// clears the must-change flag and ends the user's other sessions.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case req.Current == "":
		s.writeError(w, r, errs.E(errs.Invalid, "current: required"))
		return
	case req.New == "":
		s.writeError(w, r, errs.E(errs.Invalid, "new: required"))
		return
	}

	err := s.auth.ChangePassword(r.Context(), req.Current, req.New)
	var le *auth.LoginError
	if errors.As(err, &le) && le.Reason == auth.LoginWrong {
		// Not 401: the session is still good.
		err = errs.E(errs.Forbidden, "current password is wrong")
	}
	if err != nil {
		s.writeLoginError(w, r, err)
		return
	}

	w.WriteHeader(http.StatusNoContent)
}

// writeLoginError writes a refused sign-in: 429 with Retry-After for a
// locked account or a throttled address, else by the error's code.
func (s *Server) writeLoginError(w http.ResponseWriter, r *http.Request, err error) {
	var le *auth.LoginError
	if !errors.As(err, &le) || (le.Reason != auth.LoginLocked && le.Reason != auth.LoginThrottled) {
		s.writeError(w, r, err)
		return
	}
	secs := int64(math.Ceil(le.Until.Sub(s.now()).Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	var body errorBody
	body.Error.Code = errs.CodeOf(err)
	body.Error.Message = errs.MessageOf(err)
	writeJSON(w, http.StatusTooManyRequests, body)
}
