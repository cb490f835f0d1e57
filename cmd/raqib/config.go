package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the one typed configuration of the server. Flags override
// RAQIB_* environment variables, which override the defaults.
type Config struct {
	Addr            string        // listen address, RAQIB_ADDR
	DataDir         string        // data directory (database, event log), RAQIB_DATA_DIR
	DB              string        // a postgres:// URL selecting PostgreSQL; empty: SQLite in the data directory, RAQIB_DB
	TheaterDir      string        // a theater directory replacing the embedded one, RAQIB_THEATER
	RulesFile       string        // rules configuration YAML replacing the built-in one, RAQIB_RULES
	LogLevel        string        // debug, info, warn, error; RAQIB_LOG_LEVEL
	LogFormat       string        // text or json; RAQIB_LOG_FORMAT
	ShutdownTimeout time.Duration // grace period for open requests, RAQIB_SHUTDOWN_TIMEOUT

	NATSURL         string        // external NATS server or cluster for the event log, RAQIB_NATS_URL
	NATSListen      string        // open the embedded NATS client port here for sensor ingest over NATS, RAQIB_NATS_LISTEN
	LogMaxAge       time.Duration // event log retention by age, RAQIB_LOG_MAX_AGE
	LogMaxBytes     int64         // event log retention by size, RAQIB_LOG_MAX_BYTES (0: the default)
	LogMaxStore     int64         // the embedded server's store limit in bytes, RAQIB_LOG_MAX_STORE (0: 3/4 of free disk)
	CheckpointEvery time.Duration // how often the ingest state is checkpointed, RAQIB_CHECKPOINT_EVERY
	MemoryLimit     int64         // the Go runtime's soft memory limit in bytes, RAQIB_MEMORY_LIMIT (0: none; GOMEMLIMIT, when set, wins)

	TLSCert       string // serve HTTPS with this PEM certificate (chain), RAQIB_TLS_CERT
	TLSKey        string // and this PEM private key, RAQIB_TLS_KEY
	TLSSelfSigned bool   // serve HTTPS with a certificate generated once in the data directory, RAQIB_TLS_SELF_SIGNED
	TLSClientCA   string // sensors may authenticate with client certificates this PEM CA signed (mutual TLS), RAQIB_TLS_CLIENT_CA

	AuditKey string // the audit trail's signer key file (default: generated in <data>/audit), RAQIB_AUDIT_KEY
}

// DefaultMemoryLimit keeps the server's resident memory under 1 GiB at
// surge load: the garbage collector works harder as the heap nears it.
const DefaultMemoryLimit = 900 << 20

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "data",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 10 * time.Second,
		LogMaxAge:       30 * 24 * time.Hour,
		CheckpointEvery: 30 * time.Second,
		MemoryLimit:     DefaultMemoryLimit,
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
	d := *c // the defaults are what the caller set, DefaultConfig or the demo's
	durations := map[string]*time.Duration{
		"RAQIB_SHUTDOWN_TIMEOUT": &d.ShutdownTimeout,
		"RAQIB_LOG_MAX_AGE":      &d.LogMaxAge,
		"RAQIB_CHECKPOINT_EVERY": &d.CheckpointEvery,
	}
	for key, dst := range durations {
		if v := getenv(key); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not a duration (e.g. 10s)", key, v)
			}
			*dst = t
		}
	}
	sizes := map[string]*int64{"RAQIB_LOG_MAX_BYTES": &d.LogMaxBytes, "RAQIB_LOG_MAX_STORE": &d.LogMaxStore, "RAQIB_MEMORY_LIMIT": &d.MemoryLimit}
	for key, dst := range sizes {
		if v := getenv(key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s: %q is not a whole number of bytes", key, v)
			}
			*dst = n
		}
	}
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "RAQIB_ADDR", d.Addr), "listen address (RAQIB_ADDR)")
	fs.StringVar(&c.DataDir, "data", envOr(getenv, "RAQIB_DATA_DIR", d.DataDir), "data directory (RAQIB_DATA_DIR)")
	fs.StringVar(&c.DB, "db", envOr(getenv, "RAQIB_DB", d.DB), "PostgreSQL `URL` (postgres://user:password@host/db) holding the state; empty: SQLite in the data directory (RAQIB_DB)")
	fs.StringVar(&c.TheaterDir, "theater", envOr(getenv, "RAQIB_THEATER", ""), "theater directory replacing the embedded Iraq–Syria theater (RAQIB_THEATER)")
	fs.StringVar(&c.RulesFile, "rules", envOr(getenv, "RAQIB_RULES", ""), "rules configuration YAML replacing the built-in one (RAQIB_RULES)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(getenv, "RAQIB_LOG_LEVEL", d.LogLevel), "log level: debug, info, warn, error (RAQIB_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", envOr(getenv, "RAQIB_LOG_FORMAT", d.LogFormat), "log format: text or json (RAQIB_LOG_FORMAT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "grace period for open requests on shutdown (RAQIB_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.NATSURL, "nats-url", envOr(getenv, "RAQIB_NATS_URL", ""), "external NATS server or cluster for the event log; empty embeds one (RAQIB_NATS_URL)")
	fs.StringVar(&c.NATSListen, "nats-listen", envOr(getenv, "RAQIB_NATS_LISTEN", ""), "open the embedded NATS client port at host:port so sensors may publish to raqib.obs.<sensor> (RAQIB_NATS_LISTEN)")
	fs.DurationVar(&c.LogMaxAge, "log-max-age", d.LogMaxAge, "event log retention by age (RAQIB_LOG_MAX_AGE)")
	fs.Int64Var(&c.LogMaxBytes, "log-max-bytes", d.LogMaxBytes, "event log retention by size in bytes; 0 takes the default (RAQIB_LOG_MAX_BYTES)")
	fs.Int64Var(&c.LogMaxStore, "log-max-store", d.LogMaxStore, "embedded JetStream store limit in bytes; 0: three quarters of the free disk (RAQIB_LOG_MAX_STORE)")
	fs.Int64Var(&c.MemoryLimit, "memory-limit", d.MemoryLimit, "soft memory limit in bytes for the Go runtime; 0: none; GOMEMLIMIT, when set, wins (RAQIB_MEMORY_LIMIT)")
	fs.DurationVar(&c.CheckpointEvery, "checkpoint-every", d.CheckpointEvery, "how often the ingest state is checkpointed (RAQIB_CHECKPOINT_EVERY)")
	fs.StringVar(&c.AuditKey, "audit-key", envOr(getenv, "RAQIB_AUDIT_KEY", d.AuditKey), "the audit trail's Ed25519 signer key `file`; default: one generated in <data>/audit (RAQIB_AUDIT_KEY)")
	fs.StringVar(&c.TLSCert, "tls-cert", envOr(getenv, "RAQIB_TLS_CERT", ""), "serve HTTPS with this PEM certificate `file` (RAQIB_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", envOr(getenv, "RAQIB_TLS_KEY", ""), "the PEM private key `file` of --tls-cert (RAQIB_TLS_KEY)")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", envOr(getenv, "RAQIB_TLS_CLIENT_CA", d.TLSClientCA), "with HTTPS: sensors may sign in with a client certificate this PEM CA `file` signed, its common name the sensor id (RAQIB_TLS_CLIENT_CA)")
	selfSigned := d.TLSSelfSigned
	if v := getenv("RAQIB_TLS_SELF_SIGNED"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("RAQIB_TLS_SELF_SIGNED: %q is not true or false", v)
		}
		selfSigned = b
	}
	fs.BoolVar(&c.TLSSelfSigned, "tls-self-signed", selfSigned, "serve HTTPS with a self-signed certificate generated once in <data>/tls (RAQIB_TLS_SELF_SIGNED)")
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
	if err := validDBURL(c.DB); err != nil {
		problems = append(problems, err)
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
	if c.LogMaxAge <= 0 {
		problems = append(problems, fmt.Errorf("log-max-age: %v must be positive", c.LogMaxAge))
	}
	if c.LogMaxBytes < 0 || c.LogMaxStore < 0 {
		problems = append(problems, fmt.Errorf("log-max-bytes, log-max-store: must not be negative"))
	}
	if c.MemoryLimit != 0 && c.MemoryLimit < 64<<20 {
		problems = append(problems, fmt.Errorf("memory-limit: %d bytes is below 64 MiB (0 sets none)", c.MemoryLimit))
	}
	if c.CheckpointEvery < time.Second {
		problems = append(problems, fmt.Errorf("checkpoint-every: %v is shorter than 1s", c.CheckpointEvery))
	}
	if c.NATSURL != "" && c.NATSListen != "" {
		problems = append(problems, errors.New("nats-listen: only the embedded server opens a client port; with nats-url, sensors publish to that cluster"))
	}
	if c.NATSListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			problems = append(problems, fmt.Errorf("nats-listen: %q is not host:port", c.NATSListen))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, errors.New("tls-cert, tls-key: give both or neither"))
	}
	if c.TLSClientCA != "" && c.TLSCert == "" && !c.TLSSelfSigned {
		problems = append(problems, errors.New("tls-client-ca: client certificates need HTTPS: give tls-cert and tls-key, or tls-self-signed"))
	}
	if c.TLSCert != "" && c.TLSSelfSigned {
		problems = append(problems, errors.New("tls-self-signed: not with tls-cert; choose one certificate"))
	}
	if c.TheaterDir != "" {
		if st, err := os.Stat(c.TheaterDir); err != nil || !st.IsDir() {
			problems = append(problems, fmt.Errorf("theater: %q is not a directory", c.TheaterDir))
		}
	}
	return errors.Join(problems...)
}

// validDBURL accepts an empty database URL (SQLite) or a postgres:// one.
// The message never repeats the URL: it may hold a password.
func validDBURL(db string) error {
	if db == "" {
		return nil
	}
	u, err := url.Parse(db)
	if err != nil {
		return errors.New("db: the URL cannot be parsed")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("db: scheme %q is not postgres://; leave it empty for SQLite in the data directory", u.Scheme)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("db: the URL names no host")
	}
	return nil
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
