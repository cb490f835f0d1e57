package eventlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"raqib/internal/errs"
)

// serverName names the embedded server in its logs and its JetStream
// metadata; it must stay the same across restarts of one data directory.
const serverName = "raqib"

// recoveryReport is how often a long start (a store re-read after a crash
// takes seconds per GB, see docs/eventlog.md) is reported while it runs.
const recoveryReport = 10 * time.Second

// Users of the embedded server when it opens a client port. The event log's
// own in-process connection logs in as internalUser with a password made
// at each start; every other client is remoteUser (no credentials needed)
// and may not touch the log's subjects or JetStream's API: a sensor on the
// port can neither write around ingest's validation nor delete the stream.
const (
	internalUser = "raqib"
	remoteUser   = "remote"
)

// remotePermissions bound what clients on the port may do: anything but
// the log's subjects and the JetStream and system APIs.
var remotePermissions = &server.Permissions{
	Publish:   &server.SubjectPermission{Deny: []string{streamSubjects, "$JS.>", "$SYS.>"}},
	Subscribe: &server.SubjectPermission{Deny: []string{streamSubjects, "$JS.>", "$SYS.>"}},
}

// embedded is a started embedded server and how to connect to it.
type embedded struct {
	srv      *server.Server
	password string // internalUser's, when the server has users
}

// startEmbedded starts a NATS server with JetStream storing in cfg.Dir and
// returns it once it accepts connections.
func startEmbedded(ctx context.Context, cfg Config) (*embedded, error) {
	opts := &server.Options{
		ServerName:        serverName,
		JetStream:         true,
		StoreDir:          cfg.Dir,
		JetStreamMaxStore: cfg.MaxStore,
		MaxPayload:        embeddedMaxPayload,
		NoSigs:            true,
		DontListen:        cfg.ClientListen == "",
	}
	if cfg.SyncInterval == 0 {
		opts.SyncAlways = true
	} else {
		opts.SyncInterval = cfg.SyncInterval
	}
	e := &embedded{}
	if cfg.ClientListen != "" {
		host, port, err := splitListen(cfg.ClientListen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
		var secret [24]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return nil, fmt.Errorf("event log: make the internal password: %w", err)
		}
		e.password = hex.EncodeToString(secret[:])
		opts.Users = []*server.User{
			{Username: internalUser, Password: e.password},
			{Username: remoteUser, Permissions: remotePermissions},
		}
		opts.NoAuthUser = remoteUser
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("event log: configure embedded server: %w", err)
	}
	e.srv = srv
	srv.SetLoggerV2(&serverLogger{log: cfg.Logger.With("component", "nats")}, false, false, false)
	go srv.Start()

	// The start has no time limit of its own: after a crash the server
	// re-reads the whole store, and refusing to start would not make that
	// faster. ReadyForConnections has no context: poll it in short steps so
	// a cancelled Open stops waiting.
	start, reported := time.Now(), time.Now()
	for !srv.ReadyForConnections(100 * time.Millisecond) {
		if err := ctx.Err(); err != nil {
			shutdownEmbedded(srv)
			return nil, errs.E(errs.Unavailable, "event log unavailable: the embedded server did not start before the deadline (%v)", err)
		}
		if time.Since(reported) >= recoveryReport {
			reported = time.Now()
			cfg.Logger.With("component", "eventlog").Warn("event log store still starting (recovering the store)", "dir", cfg.Dir, "elapsed", time.Since(start).Round(time.Second))
		}
	}
	if !srv.JetStreamEnabled() {
		shutdownEmbedded(srv)
		return nil, errs.E(errs.Unavailable, "event log unavailable: JetStream did not start in %s (see the server's log)", cfg.Dir)
	}
	return e, nil
}

// connect opens the in-process connection to the embedded server.
func (e *embedded) connect(opts []nats.Option) (*nats.Conn, error) {
	opts = append(opts, nats.InProcessServer(e.srv))
	if e.password != "" {
		opts = append(opts, nats.UserInfo(internalUser, e.password))
	}
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("event log: in-process connection: %w", err)
	}
	return nc, nil
}

func shutdownEmbedded(srv *server.Server) {
	srv.Shutdown()
	srv.WaitForShutdown()
}

// serverLogger bridges the embedded server's logger to slog. Notices, debug
// and trace lines are dropped: the server is chatty at start and the event
// log reports what matters itself; warnings and errors pass through.
type serverLogger struct {
	log *slog.Logger
}

func (l *serverLogger) Noticef(string, ...any) {}
func (l *serverLogger) Debugf(string, ...any)  {}
func (l *serverLogger) Tracef(string, ...any)  {}

func (l *serverLogger) Warnf(format string, v ...any) {
	l.emit(slog.LevelWarn, format, v)
}

func (l *serverLogger) Errorf(format string, v ...any) {
	l.emit(slog.LevelError, format, v)
}

// Fatalf is logged as an error: the server shuts itself down after it, and
// the event log reports the server as unavailable.
func (l *serverLogger) Fatalf(format string, v ...any) {
	l.emit(slog.LevelError, format, v)
}

func (l *serverLogger) emit(level slog.Level, format string, v []any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, "nats server", "detail", fmt.Sprintf(format, v...))
}
