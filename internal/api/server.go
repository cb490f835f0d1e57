// Package api serves Raqib's HTTP API: health, the theater as GeoJSON and
// JSON, ingest, tracks, alerts, metrics and the OpenAPI document. Every
// route names its access in the route table; guard authenticates the
// request (session cookie or API token), puts the principal in the request
// context and checks the access before the handler runs, and the services
// check the sector of what they act on. Handlers read top to bottom:
// arguments, operation, response.
package api

import (
	"context"
	_ "embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"raqib/internal/alert"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/feed"
	"raqib/internal/ingest"
	"raqib/internal/theater"
)

//go:embed openapi.json
var openAPIDocument []byte

// Pinger is something /readyz checks: the store, the event log.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config holds what the server needs from its owner.
type Config struct {
	Logger  *slog.Logger
	Theater *theater.Service
	Ingest  *ingest.Service
	// Tracks is the live picture; Alerts the alert service. Either may be
	// nil: its routes then answer 503.
	Tracks Tracks
	Alerts *alert.Service
	// Ready lists the dependencies /readyz checks, by name.
	Ready map[string]Pinger
	// Registry collects the metrics; nil makes a new one.
	Registry *prometheus.Registry
	Version  string
	// Auth signs people in and recognises session cookies and API tokens.
	// Nil means authentication is not configured: the public routes
	// (health, readiness, the OpenAPI document) answer, and every other
	// route answers 503 "authentication is not configured". A nil Auth
	// never opens access.
	Auth Authenticator
	// Now is the clock (Retry-After of refused sign-ins); nil is time.Now.
	Now func() time.Time
	// StreamKeepalive is how often a live stream sends a keepalive and
	// checks its credentials again; zero is 15 s.
	StreamKeepalive time.Duration
	// Feed is the live picture's hub behind GET /api/v1/feed; nil answers
	// 503.
	Feed *feed.Hub
	// Replay rebuilds the picture at a past time; nil answers 503.
	Replay Replayer
	// Web is the built front end, served at / to anyone (the page only:
	// every data call needs sign-in); nil serves none.
	Web fs.FS
	// Admin holds the account and dual-control request services behind
	// /api/v1/users and /api/v1/requests; nil takes those of Auth when it
	// is a ServiceAuthenticator, else those routes answer 503.
	Admin *auth.Service
	// Thresholds serves /api/v1/sectors/{id}/thresholds; nil answers 503.
	Thresholds Thresholds
	// AuditTrail is read by GET /api/v1/audit; nil answers 503.
	AuditTrail AuditTrail
}

// Server is Raqib's HTTP handler.
type Server struct {
	logger    *slog.Logger
	theater   *theater.Service
	ingest    *ingest.Service
	tracks    Tracks
	alerts    *alert.Service
	ready     map[string]Pinger
	registry  *prometheus.Registry
	metrics   *httpMetrics
	version   string
	auth      Authenticator
	now       func() time.Time
	keepalive time.Duration
	feed      *feed.Hub
	replay    Replayer
	web       fs.FS
	admin     *auth.Service
	audit     AuditTrail
	mux       *http.ServeMux

	// thresholds reads and proposes sector rule thresholds.
	thresholds Thresholds
}

// Route is one entry of the route table. The table drives the mux, the
// access check in front of each handler, the OpenAPI conformance test and
// the authorisation test.
type Route struct {
	Method  string
	Path    string
	Summary string
	// Access says who may call the route; see Access.
	Access  Access
	handler func(*Server, http.ResponseWriter, *http.Request)
}

// Pattern is the route as net/http's ServeMux spells it.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Routes returns the route table.
func Routes() []Route {
	return []Route{
		{"GET", "/healthz", "Liveness: the process is up.", public, (*Server).handleHealthz},
		{"GET", "/readyz", "Readiness: the store and the theater answer.", public, (*Server).handleReadyz},
		{"GET", "/metrics", "Prometheus metrics.", need(auth.ActionView), nil},
		{"GET", "/api/v1/openapi.json", "This API's OpenAPI 3.1 document.", public, (*Server).handleOpenAPI},
		{"GET", "/api/v1/version", "The server's version.", need(auth.ActionView), (*Server).handleVersion},
		{"POST", "/api/v1/session", "Sign in with a name and password: sets the session cookie.", public, (*Server).handleLogin},
		{"DELETE", "/api/v1/session", "Sign out: ends the session and clears its cookie.", session, (*Server).handleLogout},
		{"GET", "/api/v1/me", "Who is signed in: the principal and, for a session, its CSRF token.", signedIn, (*Server).handleMe},
		{"POST", "/api/v1/me/password", "Change your own password.", session, (*Server).handleChangePassword},
		{"GET", "/api/v1/theater", "All theater layers as a GeoJSON FeatureCollection.", need(auth.ActionView), (*Server).handleTheater},
		{"GET", "/api/v1/sectors", "The sectors along the border.", need(auth.ActionView), (*Server).handleSectorList},
		{"GET", "/api/v1/sectors/{id}", "One sector with its cameras, crossings, barriers and posts.", need(auth.ActionView), (*Server).handleSectorGet},
		{"GET", "/api/v1/sectors/{id}/thresholds", "The rule thresholds a sector is judged by.", need(auth.ActionView), (*Server).handleThresholdsGet},
		{"POST", "/api/v1/sectors/{id}/thresholds", "Propose new rule thresholds for a sector; a second person approves.", need(auth.ActionSectorThresholds), (*Server).handleThresholdsPropose},
		{"GET", "/api/v1/sectors/{id}/thresholds/requests", "A sector's threshold changes waiting for a second person.", need(auth.ActionView), (*Server).handleThresholdRequests},
		{"POST", "/api/v1/sectors/{id}/thresholds/requests/{request}/approve", "Approve and apply a threshold change someone else proposed.", need(auth.ActionSectorThresholds), (*Server).handleThresholdsApprove},
		{"POST", "/api/v1/sectors/{id}/thresholds/requests/{request}/reject", "Reject a pending threshold change with a reason.", need(auth.ActionSectorThresholds), (*Server).handleThresholdsReject},
		{"GET", "/api/v1/cameras", "Thermal cameras, optionally of one sector.", need(auth.ActionView), (*Server).handleCameraList},
		{"GET", "/api/v1/crossings", "Official crossings with their current status.", need(auth.ActionView), (*Server).handleCrossingList},
		{"GET", "/api/v1/crossings/{id}/history", "A crossing's status history.", need(auth.ActionView), (*Server).handleCrossingHistory},
		{"POST", "/api/v1/crossings/{id}/status", "Record a crossing's new status.", need(auth.ActionCrossingStatus), (*Server).handleCrossingSetStatus},
		{"GET", "/api/v1/barriers", "Barrier segments with their current progress.", need(auth.ActionView), (*Server).handleBarrierList},
		{"GET", "/api/v1/barriers/{id}/history", "A barrier segment's progress history.", need(auth.ActionView), (*Server).handleBarrierHistory},
		{"POST", "/api/v1/barriers/{id}/progress", "Record a barrier segment's progress.", need(auth.ActionBarrierProgress), (*Server).handleBarrierSetProgress},
		{"POST", "/api/v1/observations", "Ingest a batch of sensor observations (JSON array or NDJSON, gzip accepted).", need(auth.ActionIngest), (*Server).handleObservations},
		{"POST", "/api/v1/heartbeats", "Ingest a batch of sensor heartbeats.", need(auth.ActionIngest), (*Server).handleHeartbeats},
		{"GET", "/api/v1/sensors", "Sensors with their health and last report.", need(auth.ActionView), (*Server).handleSensorList},
		{"GET", "/api/v1/sensors/{id}", "One sensor's health and last report.", need(auth.ActionView), (*Server).handleSensorGet},
		{"GET", "/api/v1/tracks", "The live picture: confirmed tracks, optionally of some sectors.", need(auth.ActionView), (*Server).handleTrackList},
		{"GET", "/api/v1/tracks/{id}", "One live track with its recent trail.", need(auth.ActionView), (*Server).handleTrackGet},
		{"GET", "/api/v1/alerts", "Alerts, newest first, filtered by state, severity, sector, rule, track, time or group.", need(auth.ActionView), (*Server).handleAlertList},
		{"GET", "/api/v1/alerts/stream", "Alert changes pushed live as server-sent events, with a per-console rate cap.", need(auth.ActionView), (*Server).handleAlertStream},
		{"GET", "/api/v1/feed", "The live picture over a WebSocket: a snapshot, then track deltas, alert changes and heartbeats.", need(auth.ActionView), (*Server).handleFeed},
		{"GET", "/api/v1/alerts/{id}", "One alert with its evidence and its history.", need(auth.ActionView), (*Server).handleAlertGet},
		{"POST", "/api/v1/alerts/{id}/acknowledge", "Acknowledge an alert.", need(auth.ActionAlertAct), (*Server).handleAlertAck},
		{"POST", "/api/v1/alerts/{id}/assign", "Assign an alert to someone.", need(auth.ActionAlertAct), (*Server).handleAlertAssign},
		{"POST", "/api/v1/alerts/{id}/resolve", "Resolve an assigned alert.", need(auth.ActionAlertAct), (*Server).handleAlertResolve},
		{"POST", "/api/v1/alerts/{id}/dismiss", "Dismiss an alert with a reason.", need(auth.ActionAlertAct), (*Server).handleAlertDismiss},
		{"GET", "/api/v1/suppressions", "Alert suppressions in force.", need(auth.ActionView), (*Server).handleSuppressionList},
		{"POST", "/api/v1/suppressions", "Add an alert suppression with an expiry.", need(auth.ActionSuppressionManage), (*Server).handleSuppressionAdd},
		{"DELETE", "/api/v1/suppressions/{id}", "Remove an alert suppression.", need(auth.ActionSuppressionManage), (*Server).handleSuppressionRemove},
		{"GET", "/api/v1/replay", "The picture as it stood at a past time, rebuilt from the event log and streamed as NDJSON.", need(auth.ActionView), (*Server).handleReplay},
		{"GET", "/api/v1/users", "Every account, without secrets.", need(auth.ActionUserManage), (*Server).handleUserList},
		{"POST", "/api/v1/users", "Add an account without roles, with a one-time password.", need(auth.ActionUserManage), (*Server).handleUserAdd},
		{"POST", "/api/v1/users/{name}/disable", "Disable an account at once and end its sessions.", need(auth.ActionUserManage), (*Server).handleUserDisable},
		{"POST", "/api/v1/users/{name}/enable", "Propose re-enabling a disabled account (dual control).", need(auth.ActionUserManage), (*Server).handleUserEnable},
		{"POST", "/api/v1/users/{name}/unlock", "Lift the lock of repeated failed sign-ins.", need(auth.ActionUserManage), (*Server).handleUserUnlock},
		{"POST", "/api/v1/users/{name}/password", "Set another user's one-time password.", need(auth.ActionUserManage), (*Server).handleUserSetPassword},
		{"POST", "/api/v1/users/{name}/grant", "Propose roles, sectors or clearance for a user (dual control).", need(auth.ActionRoleGrant), (*Server).handleUserGrant},
		{"POST", "/api/v1/users/{name}/revoke", "Take roles, sectors or clearance away from a user at once.", need(auth.ActionRoleGrant), (*Server).handleUserRevoke},
		{"GET", "/api/v1/requests", "Dual-control requests waiting for a second person.", need(auth.ActionRoleGrant), (*Server).handleRequestList},
		{"POST", "/api/v1/requests/{id}/approve", "Approve and apply a request someone else proposed.", need(auth.ActionRoleGrant), (*Server).handleRequestApprove},
		{"POST", "/api/v1/requests/{id}/reject", "Reject a pending request with a reason.", need(auth.ActionRoleGrant), (*Server).handleRequestReject},
		{"GET", "/api/v1/audit", "Entries of the audit trail, in sequence order.", need(auth.ActionAuditRead), (*Server).handleAuditList},
	}
}

// New builds the server.
func New(cfg Config) *Server {
	s := &Server{
		logger:    cfg.Logger,
		theater:   cfg.Theater,
		ingest:    cfg.Ingest,
		tracks:    cfg.Tracks,
		alerts:    cfg.Alerts,
		ready:     cfg.Ready,
		registry:  cfg.Registry,
		version:   cfg.Version,
		auth:      cfg.Auth,
		now:       cfg.Now,
		keepalive: cfg.StreamKeepalive,
		feed:      cfg.Feed,
		replay:    cfg.Replay,
		web:       cfg.Web,
		admin:     adminServices(cfg),
		audit:     cfg.AuditTrail,
		mux:       http.NewServeMux(),
	}
	s.thresholds = cfg.Thresholds
	if s.now == nil {
		s.now = time.Now
	}
	if s.keepalive <= 0 {
		s.keepalive = 15 * time.Second
	}
	if s.logger == nil {
		s.logger = discardLogger
	}
	s.logger = s.logger.With("component", "api")
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.metrics = newHTTPMetrics(s.registry)
	metricsHandler := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
	for _, rt := range Routes() {
		var h http.Handler = metricsHandler
		if rt.handler != nil {
			fn := rt.handler
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn(s, w, r) })
		}
		s.mux.Handle(rt.Pattern(), s.guard(rt, h))
	}
	// What no route matches is answered to signed-in principals only, so
	// that the route map is not shown to anyone.
	s.mux.Handle("/api/", s.guard(Route{Method: "ANY", Path: "/api/", Access: signedIn}, http.HandlerFunc(s.handleUnrouted)))
	// Everything else is the front end's files, public: the page holds no
	// data, and every call it makes needs sign-in.
	s.mux.Handle("/", s.staticHandler())
	return s
}

// handleUnrouted answers what no route matched: 405 with Allow when the path
// exists for other methods, 404 otherwise, both as JSON errors.
func (s *Server) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/api/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	var body errorBody
	body.Error.Code = errs.Invalid
	body.Error.Message = fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, body)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler().ServeHTTP(w, r)
}

func (s *Server) handler() http.Handler {
	return securityHeaders(s.recoverPanics(s.observe(s.mux)))
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a 500 and a log line with the
// stack, so one bad request never takes the server down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("handler panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, errs.E(errs.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]string{}
	ok := true
	for name, p := range s.ready {
		if err := p.Ping(r.Context()); err != nil {
			s.logger.Warn("readiness check failed", "check", name, "err", err)
			checks[name] = errs.MessageOf(err)
			ok = false
			continue
		}
		checks[name] = "ok"
	}
	status := http.StatusOK
	state := "ready"
	if !ok {
		status, state = http.StatusServiceUnavailable, "not ready"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": checks})
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeRaw(w, "application/json", openAPIDocument)
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"version": s.version})
}
