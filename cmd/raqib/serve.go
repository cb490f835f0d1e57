package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"raqib/internal/alert"
	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/auth/audit"
	"raqib/internal/errs"
	"raqib/internal/eventlog"
	"raqib/internal/ingest"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/store/postgres"
	"raqib/internal/store/sqlite"
	"raqib/internal/theater"
	"raqib/web"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Main is the server program: ParseFlags, Open, Run, Close. Tests start it
// on 127.0.0.1:0 and talk to it over HTTP.
type Main struct {
	Config Config
	Demo   bool
	// PasswordHash are the argon2id parameters of new password hashes;
	// zero takes the defaults. Tests lower them.
	PasswordHash auth.Params

	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Logger *slog.Logger

	db       store
	audit    *audit.Log
	auth     *auth.Service
	theater  *theater.Service
	evlog    *eventlog.Log
	ingest   *ingest.Service
	natsSub  func()
	rules    *rules.Config
	pipe     *livePipeline
	listener net.Listener
	server   *http.Server
	tlsCert  string // the served certificate's file when serving HTTPS

	// thresholds holds the live rule thresholds and their dual control.
	thresholds *sectorThresholds
}

// store is what the server and the admin commands use of a database:
// internal/store/sqlite and internal/store/postgres both provide it.
type store interface {
	theater.StateStore
	alert.Store
	audit.Store
	auth.Store
	Ping(context.Context) error
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// sqliteFile is the SQLite database's file in the data directory.
const sqliteFile = "raqib.db"

// openStore opens PostgreSQL when dbURL is set, else the SQLite database
// in the data directory, creating it when create is set.
func openStore(ctx context.Context, dbURL, dataDir string, create bool, logger *slog.Logger) (store, error) {
	if dbURL != "" {
		if err := validDBURL(dbURL); err != nil {
			return nil, err
		}
		db, err := postgres.Open(ctx, dbURL, logger)
		if err != nil {
			return nil, err // not a nil *postgres.DB in a non-nil store
		}
		return db, nil
	}
	path := filepath.Join(dataDir, sqliteFile)
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database in %s (start the server once, or give --data or --db): %w", dataDir, err)
		}
	}
	db, err := sqlite.Open(ctx, path, logger)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// NewMain returns a Main with the default config.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Config: DefaultConfig(), Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
}

// ParseFlags reads the command line and the environment into the config and
// validates it.
func (m *Main) ParseFlags(name string, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if err := m.Config.bindFlags(fs, m.Getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q: %w", name, fs.Arg(0), errUsage)
	}
	if err := m.Config.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// Open loads the theater, opens the store, seeds the theater's editable
// state and starts listening. It does not serve yet.
func (m *Main) Open(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = m.Config.newLogger(m.Stderr)
	}
	fsys, source := theaterFS(m.Config.TheaterDir)
	th, err := theater.Load(fsys)
	if err != nil {
		return fmt.Errorf("load theater from %s: %w", source, err)
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	m.db, err = openStore(ctx, m.Config.DB, m.Config.DataDir, true, m.Logger)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	signer, err := openAuditSigner(m.Config, m.Logger)
	if err != nil {
		return err
	}
	if m.audit, err = audit.New(m.db, signer, audit.Config{}, m.Logger); err != nil {
		return fmt.Errorf("open audit trail: %w", err)
	}
	if m.auth, err = auth.New(m.db, auditRecorder{m.audit}, auth.Config{Hash: m.PasswordHash, SectorForce: sectorForce(th)}, m.Logger); err != nil {
		return fmt.Errorf("open accounts: %w", err)
	}
	if err := m.bootstrap(ctx); err != nil {
		return err
	}
	m.theater = theater.NewService(th, m.db, m.Logger)
	m.theater.Audit = auditRecorder{m.audit}
	if err := m.theater.Seed(ctx); err != nil {
		return fmt.Errorf("seed theater state: %w", err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := m.openIngest(ctx, th, registry); err != nil {
		return err
	}
	if m.rules, err = loadRules(m.Config.RulesFile, th); err != nil {
		return err
	}
	if m.thresholds, err = m.openThresholds(ctx, th); err != nil {
		return err
	}
	if err := m.openPipeline(ctx, th, registry); err != nil {
		return err
	}
	tlsConfig, certFile, err := serverTLS(m.Config, time.Now())
	if err != nil {
		return err
	}
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	if tlsConfig != nil {
		m.listener = tls.NewListener(m.listener, tlsConfig)
		m.tlsCert = certFile
	}
	handler := api.New(api.Config{
		Logger:  m.Logger,
		Theater: m.theater,
		Ingest:  m.ingest,
		Tracks:  m.pipe.p,
		Alerts:  m.pipe.alerts,
		Feed:    m.pipe.hub,
		Auth:    api.ServiceAuthenticator{Service: m.auth},
		// The audit trail as the API reads it: the store behind it.
		AuditTrail: m.db,
		Ready:      map[string]api.Pinger{"store": m.db, "event_log": m.evlog},
		Registry:   registry,
		Version:    buildVersion(),
		Replay:     newLogReplayer(m.evlog, th, m.rules, m.pipe.live, m.Logger),
		Web:        web.Dist(),
		Thresholds: m.thresholds,
	})
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.Logger.Info("theater loaded", "source", source, "sectors", len(th.Sectors), "cameras", len(th.Cameras),
		"border_km", fmt.Sprintf("%.1f", th.Border.Length()/1000))
	return nil
}

// URL is the address the server listens on.
func (m *Main) URL() string {
	if m.tlsCert != "" {
		return "https://" + m.listener.Addr().String()
	}
	return "http://" + m.listener.Addr().String()
}

// Run serves until ctx is cancelled, then shuts down gracefully.
func (m *Main) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.listener) }()
	bgCtx, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	bgDone := make(chan error, 1)
	go func() {
		bgDone <- m.ingest.Run(bgCtx, m.checkpointPath(), m.Config.CheckpointEvery, 5*time.Second)
	}()
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- m.pipe.run(bgCtx) }()
	feedDone := make(chan error, 1)
	go func() { feedDone <- m.pipe.hub.Run(bgCtx) }()
	defer func() {
		stopBg()
		if err := <-feedDone; err != nil {
			m.Logger.Error("live feed stopped", "err", err)
		}
		if err := <-pipeDone; err != nil {
			m.Logger.Error("pipeline stopped", "err", err)
		}
		if err := <-bgDone; err != nil {
			m.Logger.Error("last checkpoint failed", "err", err)
		}
	}()
	m.Logger.Info("serving", "url", m.URL())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.Config.ShutdownTimeout)
	defer cancel()
	if m.natsSub != nil {
		m.natsSub()
	}
	if err := m.server.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Sign the trail's head so that nothing appended before the stop can
	// later be removed unnoticed.
	if _, err := m.audit.Checkpoint(sctx); err != nil && !errs.Is(err, errs.Conflict) {
		m.Logger.Error("audit checkpoint at shutdown failed", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Close releases what Open acquired.
func (m *Main) Close() error {
	var errs []error
	if m.listener != nil && m.server == nil {
		errs = append(errs, m.listener.Close())
	}
	if m.pipe != nil {
		m.pipe.p.Close()
	}
	if m.evlog != nil {
		errs = append(errs, m.evlog.Close())
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	return errors.Join(errs...)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	m := NewMain(stdout, stderr)
	m.Demo = demo
	name := "serve"
	if demo {
		name = "demo"
		m.Config.DataDir = filepath.Join("data", "demo")
		m.Config.TLSSelfSigned = true
	}
	if err := m.ParseFlags(name, args); err != nil {
		return err
	}
	if limit := m.Config.MemoryLimit; limit > 0 && m.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	if demo {
		token, err := m.setupDemoAccounts(ctx, stdout)
		if err != nil {
			return err
		}
		startDemoSimulator(ctx, m, token, stdout, stderr)
		fmt.Fprintf(stdout, "\nRaqib demo: the Iraq–Syria theater is served at %s\n"+
			"  operating picture:  %s/  (open it in a browser and sign in with an account above)\n"+
			"  theater (GeoJSON):  %s/api/v1/theater\n  sectors:            %s/api/v1/sectors\n"+
			"  sensors (live):     %s/api/v1/sensors\n  API document:       %s/api/v1/openapi.json\n"+
			"The simulator feeds the %s scenario at realistic intensity in real time.\nPress Ctrl-C to stop.\n\n",
			m.URL(), m.URL(), m.URL(), m.URL(), m.URL(), m.URL(), demoScenario(m.Getenv))
		if m.tlsCert != "" {
			fmt.Fprintf(stdout, "The demo's certificate is self-signed (%s): accept it once in the browser,\n"+
				"or start with --tls-self-signed=false for plain HTTP on this machine.\n\n", m.tlsCert)
		}
	}
	return m.Run(ctx)
}

// loadRules reads a rules configuration file, or returns the built-in
// rules when there is none.
func loadRules(path string, th *theater.Theater) (*rules.Config, error) {
	if path == "" {
		return rules.DefaultConfig(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	cfg, err := rules.ParseConfig(path, data, th)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return cfg, nil
}

// theaterFS returns the theater directory given, or the embedded theater.
func theaterFS(dir string) (fs.FS, string) {
	if dir == "" {
		return theater.Embedded(), "embedded"
	}
	return theater.Dir(dir), dir
}

func (m *Main) checkpointPath() string { return filepath.Join(m.Config.DataDir, "ingest.ckpt") }

// openIngest opens the event log, builds the sensor registry from the
// theater's cameras, and restores the ingest state from its checkpoint and
// the log's tail.
func (m *Main) openIngest(ctx context.Context, th *theater.Theater, reg *prometheus.Registry) error {
	var err error
	m.evlog, err = eventlog.Open(ctx, eventlog.Config{
		Dir:          filepath.Join(m.Config.DataDir, "eventlog"),
		URL:          m.Config.NATSURL,
		ClientListen: m.Config.NATSListen,
		MaxAge:       m.Config.LogMaxAge,
		MaxBytes:     m.Config.LogMaxBytes,
		MaxStore:     m.Config.LogMaxStore,
		Logger:       m.Logger,
	})
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	sensors := make([]sensor.Sensor, 0, len(th.Cameras))
	for _, c := range th.Cameras {
		sensors = append(sensors, sensor.Sensor{ID: c.ID, Kind: sensor.KindThermalCamera, Position: c.Position, HasPosition: true})
	}
	registry, err := sensor.NewRegistry(sensors, sensor.RegistryOptions{Start: time.Now()})
	if err != nil {
		return fmt.Errorf("sensor registry: %w", err)
	}
	m.ingest = ingest.New(ingest.Config{
		Log: logAdapter{m.evlog}, Registry: registry, Logger: m.Logger,
		Metrics: ingest.NewMetrics(reg), Limits: sensor.DefaultLimits,
	})
	if _, err := m.ingest.Restore(ctx, m.checkpointPath()); err != nil {
		return err
	}
	if m.Config.NATSListen != "" {
		stop, err := serveNATSIngest(m.evlog.Conn(), m.ingest, m.Logger)
		if err != nil {
			return fmt.Errorf("NATS ingest: %w", err)
		}
		m.natsSub = stop
		m.Logger.Info("NATS ingest listening", "url", m.evlog.ClientURL(), "subject", natsIngestSubject)
	}
	return nil
}

// demoScenario is the scenario the demo simulates: RAQIB_DEMO_SCENARIO or
// an infiltration wave in Anbar.
func demoScenario(getenv func(string) string) string {
	return envOr(getenv, "RAQIB_DEMO_SCENARIO", "infiltration-anbar")
}

// demoWindow is how long each of the demo simulator's runs lasts: a
// scenario spreads its waves over its run, so a short run keeps hostile
// movement on the picture within minutes of the start.
const demoWindow = 30 * time.Minute

// startDemoSimulator feeds the demo server from the simulator, in real
// time, over the same HTTP ingest sensors use, until ctx ends: one run of
// demoWindow after another, each with a new seed, its sequence numbers
// above every earlier run's (a sensor's repeated sequence number is a
// retry to the server).
func startDemoSimulator(ctx context.Context, m *Main, token string, stdout, stderr io.Writer) {
	addr := m.listener.Addr().String()
	go func() {
		for seed := uint64(1); ctx.Err() == nil; seed++ {
			start := time.Now().UTC()
			args := []string{"--scenario", demoScenario(m.Getenv), "--intensity", "realistic", "--start", "now",
				"--duration", demoWindow.String(), "--speed", "1", "--addr", addr, "--token", token,
				"--seed", strconv.FormatUint(seed, 10), "--seq-base", strconv.FormatInt(start.Unix()*1_000_000, 10)}
			if m.tlsCert != "" {
				args = append(args, "--ca", m.tlsCert)
			}
			if err := runSim(ctx, args, stdout, stderr); err != nil && ctx.Err() == nil {
				m.Logger.Error("demo simulator stopped", "err", err)
				return
			}
		}
	}()
}
