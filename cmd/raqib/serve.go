package main

import (
	"context"
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
	"time"

	"raqib/internal/api"
	"raqib/internal/store/sqlite"
	"raqib/internal/theater"
)

// Main is the server program: ParseFlags, Open, Run, Close. Tests start it
// on 127.0.0.1:0 and talk to it over HTTP.
type Main struct {
	Config Config
	Demo   bool

	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Logger *slog.Logger

	db       *sqlite.DB
	theater  *theater.Service
	listener net.Listener
	server   *http.Server
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
	m.db, err = sqlite.Open(ctx, filepath.Join(m.Config.DataDir, "raqib.db"), m.Logger)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	m.theater = theater.NewService(th, m.db, m.Logger)
	if err := m.theater.Seed(ctx); err != nil {
		return fmt.Errorf("seed theater state: %w", err)
	}
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	handler := api.New(api.Config{
		Logger:  m.Logger,
		Theater: m.theater,
		Ready:   map[string]api.Pinger{"store": m.db},
		Version: buildVersion(),
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
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Run serves until ctx is cancelled, then shuts down gracefully.
func (m *Main) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.listener) }()
	m.Logger.Info("serving", "url", m.URL())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.Config.ShutdownTimeout)
	defer cancel()
	if err := m.server.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
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
	}
	if err := m.ParseFlags(name, args); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	if demo {
		fmt.Fprintf(stdout, "\nRaqib demo: the Iraq–Syria theater is served at %s\n"+
			"  theater (GeoJSON):  %s/api/v1/theater\n  sectors:            %s/api/v1/sectors\n"+
			"  API document:       %s/api/v1/openapi.json\nPress Ctrl-C to stop.\n\n",
			m.URL(), m.URL(), m.URL(), m.URL())
	}
	return m.Run(ctx)
}

// theaterFS returns the theater directory given, or the embedded theater.
func theaterFS(dir string) (fs.FS, string) {
	if dir == "" {
		return theater.Embedded(), "embedded"
	}
	return os.DirFS(dir), dir
}
