package api

import (
	"context"
	"net/http"
	"strings"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/sensor"
)

// Access says who may call a route. Exactly one field is set. The zero
// Access grants nothing: a route that names no access answers 500 to
// everyone, and the authorisation test fails on it.
type Access struct {
	// Public routes need no credentials: liveness, readiness, the OpenAPI
	// document and signing in. Credentials sent to them are ignored.
	Public bool
	// SignedIn routes need a principal and nothing more. They stay open to
	// a principal that must change its password first.
	SignedIn bool
	// Session routes are SignedIn routes for browser sessions only: an API
	// token may not sign out or change a password.
	Session bool
	// Action is what the principal must be allowed to do in at least one
	// sector (for a grant "anywhere": at all). The service called then
	// checks the action in the sector of the object it acts on.
	Action auth.Action
}

// The access of routes without an action.
var (
	public   = Access{Public: true}
	signedIn = Access{SignedIn: true}
	session  = Access{Session: true}
)

// need is the access of a route that needs an action.
func need(a auth.Action) Access { return Access{Action: a} }

// String is "public", "signed in", "session" or the action.
func (a Access) String() string {
	switch {
	case a.Public:
		return "public"
	case a.SignedIn:
		return "signed in"
	case a.Session:
		return "session"
	}
	return string(a.Action)
}

// Validate checks that exactly one field is set and that the action is in
// the policy matrix.
func (a Access) Validate() error {
	n := 0
	for _, set := range []bool{a.Public, a.SignedIn, a.Session, a.Action != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return errs.E(errs.Internal, "access: none given")
	case n > 1:
		return errs.E(errs.Internal, "access: more than one of public, signed in, session and an action")
	}
	if a.Action != "" {
		if _, ok := auth.RuleOf(a.Action); !ok {
			return errs.E(errs.Internal, "access: action %q is not in the policy matrix", a.Action)
		}
	}
	return nil
}

// SessionCookie is the name of the cookie that carries a browser session.
const SessionCookie = "raqib_session"

// CSRFHeader carries the session's anti-forgery token with every request
// of a browser session that is not GET, HEAD or OPTIONS.
const CSRFHeader = "X-CSRF-Token"

// guard puts the route's access in front of next. Public routes pass
// through; every other route authenticates the request, puts the principal
// in the request context and checks the access before next runs.
func (s *Server) guard(rt Route, next http.Handler) http.Handler {
	acc := rt.Access
	if err := acc.Validate(); err != nil {
		s.logger.Error("route refused: no valid access rule", "route", rt.Pattern(), "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, errs.E(errs.Internal, "route %s has no valid access rule", rt.Pattern()))
		})
	}
	if acc.Public {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil {
			s.writeError(w, r, errs.E(errs.Unavailable, "authentication is not configured"))
			return
		}
		p, err := s.authenticate(r)
		if err != nil {
			if errs.Is(err, errs.Unauthorized) && r.Header.Get("Authorization") == "" {
				if _, cerr := r.Cookie(SessionCookie); cerr == nil {
					clearSessionCookie(w, r)
				}
			}
			s.writeError(w, r, err)
			return
		}
		ctx := auth.WithPrincipal(r.Context(), p)
		if err := permit(ctx, &p, acc); err != nil {
			if errs.Is(err, errs.Forbidden) {
				s.logger.Warn("request refused", "user", p.User, "via", string(p.Via), "route", rt.Pattern(),
					"access", acc.String(), "reason", errs.MessageOf(err))
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate finds the request's principal: an API token in the
// Authorization header, else a sensor's verified client certificate, else
// the session cookie, whose unsafe requests must
// carry the session's CSRF token.
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return auth.Principal{}, errs.E(errs.Unauthorized, "authorization header: want \"Bearer rqb_…\" with an api token")
		}
		return s.auth.Token(r.Context(), strings.TrimSpace(token))
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		// A client certificate the server's sensor CA signed: the
		// sensor named by its common name.
		id := r.TLS.VerifiedChains[0][0].Subject.CommonName
		if err := sensor.CheckID(id); err != nil {
			return auth.Principal{}, errs.E(errs.Unauthorized, "client certificate: common name: %s", errs.MessageOf(err))
		}
		return auth.CertificatePrincipal(id), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return auth.Principal{}, errs.E(errs.Unauthorized,
			"sign in required: send the %s cookie or an api token in \"Authorization: Bearer rqb_…\"", SessionCookie)
	}
	p, sess, err := s.auth.Session(r.Context(), c.Value)
	if err != nil {
		return auth.Principal{}, err
	}
	if !safeMethod(r.Method) {
		presented := r.Header.Get(CSRFHeader)
		if err := auth.CheckCSRF(sess, presented); err != nil {
			if presented == "" {
				return auth.Principal{}, errs.E(errs.Forbidden,
					"csrf token missing: a %s request of a browser session must send the session's csrf token in the %s header", r.Method, CSRFHeader)
			}
			return auth.Principal{}, errs.E(errs.Forbidden, "csrf token in the %s header does not match the session", CSRFHeader)
		}
	}
	return p, nil
}

// recheck authenticates a long-lived request again and checks the access
// anew, so that a stream ends once its session is signed out, its token
// revoked or its user's privileges taken away.
func (s *Server) recheck(r *http.Request, acc Access) error {
	p, err := s.authenticate(r)
	if err != nil {
		return err
	}
	return permit(auth.WithPrincipal(r.Context(), p), &p, acc)
}

// safeMethod reports whether a method changes nothing and so needs no CSRF
// token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// permit checks a route's access for the principal ctx carries (p).
func permit(ctx context.Context, p *auth.Principal, acc Access) error {
	if p.MustChange && !acc.SignedIn && !acc.Session {
		return errs.E(errs.Forbidden, "%s must change the password first (POST /api/v1/me/password)", p.User)
	}
	switch {
	case acc.Session && p.Via != auth.ViaSession:
		return errs.E(errs.Forbidden, "%s: only a browser session may sign out or change its password, not an api token", p)
	case acc.Action != "":
		return allowedSomewhere(ctx, p, acc.Action)
	}
	return nil
}

// allowedSomewhere checks that the principal may perform the action in at
// least one sector. The policy's own check decides: Authorize with sector
// "" passes grants "anywhere" and principals holding every sector; else
// each of the principal's sectors is tried. Which sector an object is in
// is for the service acting on it to check.
func allowedSomewhere(ctx context.Context, p *auth.Principal, action auth.Action) error {
	err := auth.Authorize(ctx, action, "")
	if err == nil || !errs.Is(err, errs.Forbidden) {
		return err
	}
	var first error
	for _, id := range p.Sectors.IDs {
		e := auth.Authorize(ctx, action, id)
		if e == nil {
			return nil
		}
		if first == nil {
			first = e
		}
	}
	// The most telling reason: the policy's for "" unless the principal
	// holds a role granted the action in its own sectors only.
	rule, _ := auth.RuleOf(action)
	inSectorsOnly := false
	for _, g := range rule.Grants {
		if p.HasRole(g.Role) {
			if g.Scope != auth.InSectors {
				return err // "<principal> may not <verb>: restricted clearance required"
			}
			inSectorsOnly = true
		}
	}
	switch {
	case !inSectorsOnly || p.Sectors.All:
		return err // "<principal> may not <verb>"
	case first == nil:
		return errs.E(errs.Forbidden, "%s may not %s: no sector assigned", p, rule.Verb)
	}
	return first // "<principal> may not <verb> in sector S03: restricted clearance required"
}

// principal returns the request's principal, which guard put in the
// context.
func principal(r *http.Request) (auth.Principal, bool) { return auth.PrincipalFrom(r.Context()) }

// actor names who makes a change: the principal's user.
func actor(r *http.Request) string {
	p, _ := principal(r)
	return p.User
}

// sessionCookie is the cookie of a session: HttpOnly, SameSite=Strict,
// for the whole site, and Secure when the request came over TLS.
func sessionCookie(r *http.Request, value string) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

// clearSessionCookie tells the browser to forget the session cookie.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	c := sessionCookie(r, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}
