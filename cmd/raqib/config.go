package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// Config is the one typed configuration of the server. Flags override
// RAQIB_* environment variables, which override the defaults.
type Config struct {
	Addr            string        // listen address, RAQIB_ADDR
	DataDir         string        // data directory (database, event log), RAQIB_DATA_DIR
	TheaterDir      string        // a theater directory replacing the embedded one, RAQIB_THEATER
	LogLevel        string        // debug, info, warn, error; RAQIB_LOG_LEVEL
	LogFormat       string        // text or json; RAQIB_LOG_FORMAT
	ShutdownTimeout time.Duration // grace period for open requests, RAQIB_SHUTDOWN_TIMEOUT
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "data",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 10 * time.Second,
	}
}

// envOr returns the environment variable's value, or def when unset.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// bindFlags registers the config's flags on fs, with defaults taken from the
// environment.
func (c *Config) bindFlags(fs *flag.FlagSet, getenv func(string) string) error {
	d := DefaultConfig()
	timeout := d.ShutdownTimeout
	if v := getenv("RAQIB_SHUTDOWN_TIMEOUT"); v != "" {
		t, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("RAQIB_SHUTDOWN_TIMEOUT: %q is not a duration (e.g. 10s)", v)
		}
		timeout = t
	}
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "RAQIB_ADDR", d.Addr), "listen address (RAQIB_ADDR)")
	fs.StringVar(&c.DataDir, "data", envOr(getenv, "RAQIB_DATA_DIR", d.DataDir), "data directory (RAQIB_DATA_DIR)")
	fs.StringVar(&c.TheaterDir, "theater", envOr(getenv, "RAQIB_THEATER", ""), "theater directory replacing the embedded Iraq–Syria theater (RAQIB_THEATER)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(getenv, "RAQIB_LOG_LEVEL", d.LogLevel), "log level: debug, info, warn, error (RAQIB_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", envOr(getenv, "RAQIB_LOG_FORMAT", d.LogFormat), "log format: text or json (RAQIB_LOG_FORMAT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", timeout, "grace period for open requests on shutdown (RAQIB_SHUTDOWN_TIMEOUT)")
	return nil
}

// Validate reports every bad setting.
func (c Config) Validate() error {
	var problems []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Errorf("addr: %q is not host:port", c.Addr))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		problems = append(problems, errors.New("data: the data directory is empty"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		problems = append(problems, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, fmt.Errorf("shutdown-timeout: %v must be positive", c.ShutdownTimeout))
	}
	if c.TheaterDir != "" {
		if st, err := os.Stat(c.TheaterDir); err != nil || !st.IsDir() {
			problems = append(problems, fmt.Errorf("theater: %q is not a directory", c.TheaterDir))
		}
	}
	return errors.Join(problems...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger builds the process's logger from the config.
func (c Config) newLogger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
