// Package api serves Raqib's HTTP API: health, the theater as GeoJSON and
// JSON, metrics and the OpenAPI document. Handlers read top to bottom:
// arguments, operation, response.
package api

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"raqib/internal/alert"
	"raqib/internal/errs"
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
}

// Server is Raqib's HTTP handler.
type Server struct {
	logger   *slog.Logger
	theater  *theater.Service
	ingest   *ingest.Service
	tracks   Tracks
	alerts   *alert.Service
	ready    map[string]Pinger
	registry *prometheus.Registry
	metrics  *httpMetrics
	version  string
	mux      *http.ServeMux
}

// Route is one entry of the route table. The table drives the mux, the
// OpenAPI conformance test and, later, the authorisation test.
type Route struct {
	Method  string
	Path    string
	Summary string
	handler func(*Server, http.ResponseWriter, *http.Request)
}

// Pattern is the route as net/http's ServeMux spells it.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Routes returns the route table.
func Routes() []Route {
	return []Route{
		{"GET", "/healthz", "Liveness: the process is up.", (*Server).handleHealthz},
		{"GET", "/readyz", "Readiness: the store and the theater answer.", (*Server).handleReadyz},
		{"GET", "/metrics", "Prometheus metrics.", nil},
		{"GET", "/api/v1/openapi.json", "This API's OpenAPI 3.1 document.", (*Server).handleOpenAPI},
		{"GET", "/api/v1/version", "The server's version.", (*Server).handleVersion},
		{"GET", "/api/v1/theater", "All theater layers as a GeoJSON FeatureCollection.", (*Server).handleTheater},
		{"GET", "/api/v1/sectors", "The sectors along the border.", (*Server).handleSectorList},
		{"GET", "/api/v1/sectors/{id}", "One sector with its cameras, crossings, barriers and posts.", (*Server).handleSectorGet},
		{"GET", "/api/v1/cameras", "Thermal cameras, optionally of one sector.", (*Server).handleCameraList},
		{"GET", "/api/v1/crossings", "Official crossings with their current status.", (*Server).handleCrossingList},
		{"GET", "/api/v1/crossings/{id}/history", "A crossing's status history.", (*Server).handleCrossingHistory},
		{"POST", "/api/v1/crossings/{id}/status", "Record a crossing's new status.", (*Server).handleCrossingSetStatus},
		{"GET", "/api/v1/barriers", "Barrier segments with their current progress.", (*Server).handleBarrierList},
		{"GET", "/api/v1/barriers/{id}/history", "A barrier segment's progress history.", (*Server).handleBarrierHistory},
		{"POST", "/api/v1/barriers/{id}/progress", "Record a barrier segment's progress.", (*Server).handleBarrierSetProgress},
		{"POST", "/api/v1/observations", "Ingest a batch of sensor observations (JSON array or NDJSON, gzip accepted).", (*Server).handleObservations},
		{"POST", "/api/v1/heartbeats", "Ingest a batch of sensor heartbeats.", (*Server).handleHeartbeats},
		{"GET", "/api/v1/sensors", "Sensors with their health and last report.", (*Server).handleSensorList},
		{"GET", "/api/v1/sensors/{id}", "One sensor's health and last report.", (*Server).handleSensorGet},
		{"GET", "/api/v1/tracks", "The live picture: confirmed tracks, optionally of some sectors.", (*Server).handleTrackList},
		{"GET", "/api/v1/tracks/{id}", "One live track with its recent trail.", (*Server).handleTrackGet},
		{"GET", "/api/v1/alerts", "Alerts, newest first, filtered by state, severity, sector, rule, track, time or group.", (*Server).handleAlertList},
		{"GET", "/api/v1/alerts/stream", "Alert changes pushed live as server-sent events, with a per-console rate cap.", (*Server).handleAlertStream},
		{"GET", "/api/v1/alerts/{id}", "One alert with its evidence and its history.", (*Server).handleAlertGet},
		{"POST", "/api/v1/alerts/{id}/acknowledge", "Acknowledge an alert.", (*Server).handleAlertAck},
		{"POST", "/api/v1/alerts/{id}/assign", "Assign an alert to someone.", (*Server).handleAlertAssign},
		{"POST", "/api/v1/alerts/{id}/resolve", "Resolve an assigned alert.", (*Server).handleAlertResolve},
		{"POST", "/api/v1/alerts/{id}/dismiss", "Dismiss an alert with a reason.", (*Server).handleAlertDismiss},
		{"GET", "/api/v1/suppressions", "Alert suppressions in force.", (*Server).handleSuppressionList},
		{"POST", "/api/v1/suppressions", "Add an alert suppression with an expiry.", (*Server).handleSuppressionAdd},
		{"DELETE", "/api/v1/suppressions/{id}", "Remove an alert suppression.", (*Server).handleSuppressionRemove},
	}
}

// New builds the server.
func New(cfg Config) *Server {
	s := &Server{
		logger:   cfg.Logger,
		theater:  cfg.Theater,
		ingest:   cfg.Ingest,
		tracks:   cfg.Tracks,
		alerts:   cfg.Alerts,
		ready:    cfg.Ready,
		registry: cfg.Registry,
		version:  cfg.Version,
		mux:      http.NewServeMux(),
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
		if rt.handler == nil {
			s.mux.Handle(rt.Pattern(), metricsHandler)
			continue
		}
		h := rt.handler
		s.mux.HandleFunc(rt.Pattern(), func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	}
	s.mux.HandleFunc("/api/", s.handleUnrouted)
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
