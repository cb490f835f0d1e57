package api_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/eventlog"
	"raqib/internal/fusion"
	"raqib/internal/ingest"
	"raqib/internal/pipeline"
	"raqib/internal/sensor"
	"raqib/internal/store/sqlite"
	"raqib/internal/theater"
)

var (
	loadOnce sync.Once
	loaded   *theater.Theater
	loadErr  error
)

func embeddedTheater(t testing.TB) *theater.Theater {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = theater.Load(theater.Embedded()) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

// cheap are password hash parameters that keep the tests fast.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is the injectable clock of the auth services and the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cred is what a request presents: an API token, or a session cookie with
// its CSRF token; the zero cred presents nothing.
type cred struct {
	token  string
	cookie string
	csrf   string
}

func (c cred) set(req *http.Request) {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.cookie})
	}
	if c.csrf != "" {
		req.Header.Set(api.CSRFHeader, c.csrf)
	}
}

type fixture struct {
	srv    *httptest.Server
	db     *sqlite.DB
	svc    *theater.Service
	log    *eventlog.Log
	ingest *ingest.Service
	alerts *alert.Service // nil unless withAlerts
	auth   *auth.Service
	clock  *clock
	// admin is an administrator's API token (all sectors), which do sends.
	admin cred
	// raised counts the alerts raised by raise.
	raised int
}

// options add the optional services to a fixture.
type options struct {
	alerts bool               // the alert service
	tracks api.Tracks         // the live picture
	auth   func(*auth.Config) // changes to the auth configuration
	// keepalive is how often streams send a keepalive and check their
	// credentials.
	keepalive time.Duration
	replay    api.Replayer // rebuilds past pictures
	web       fs.FS        // the front end's files
}

func newFixture(t testing.TB) *fixture { return newFixtureWith(t, options{}) }

func newFixtureWith(t testing.TB, opt options) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "raqib.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := theater.NewService(embeddedTheater(t), db, nil)
	theaterClock := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { theaterClock = theaterClock.Add(time.Second); return theaterClock }
	if err := svc.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	log, err := eventlog.Open(ctx, eventlog.Config{Dir: filepath.Join(t.TempDir(), "eventlog"), MaxStore: 1 << 30, MaxBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	var sensors []sensor.Sensor
	for _, c := range embeddedTheater(t).Cameras {
		sensors = append(sensors, sensor.Sensor{ID: c.ID, Kind: sensor.KindThermalCamera, Position: c.Position, HasPosition: true})
	}
	reg, err := sensor.NewRegistry(sensors, sensor.RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ing := ingest.New(ingest.Config{Log: testLog{log}, Registry: reg, Limits: sensor.DefaultLimits})

	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	acfg := auth.Config{Hash: cheap, Now: clk.Now}
	if opt.auth != nil {
		opt.auth(&acfg)
	}
	authSvc, err := auth.New(db, nil, acfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var alerts *alert.Service
	if opt.alerts {
		if alerts, err = alert.NewService(db, alert.Config{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	cfg := api.Config{Theater: svc, Ingest: ing, Ready: map[string]api.Pinger{"store": db, "event_log": log}, Version: "test",
		Auth: api.ServiceAuthenticator{Service: authSvc}, Now: clk.Now, Tracks: opt.tracks, StreamKeepalive: opt.keepalive,
		Replay: opt.replay, Web: opt.web}
	if alerts != nil {
		cfg.Alerts = alerts
	}
	srv := httptest.NewServer(api.New(cfg))
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, db: db, svc: svc, log: log, ingest: ing, alerts: alerts, auth: authSvc, clock: clk}
	f.addUser(t, "admin", auth.ForceJOC, "", auth.Privileges{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})
	f.admin = cred{token: f.issueToken(t, "admin", auth.TokenScope{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})}
	return f
}

// cli is a context acting as the command line, which passes every rule.
func cli() context.Context {
	return auth.WithPrincipal(context.Background(), auth.CLIPrincipal("test"))
}

// system is a context acting as the pipeline.
func system() context.Context {
	return auth.WithPrincipal(context.Background(), auth.SystemPrincipal("test"))
}

// initialPassword is every test user's one-time password.
const initialPassword = "one-time password 0"

// addUser adds a user with the privileges, granted without dual control.
// With a password, the user's one-time password is changed to it, so the
// user signs in without having to change it; without, the user keeps the
// one-time password initialPassword and must change it.
func (f *fixture) addUser(t testing.TB, name string, force auth.Force, password string, priv auth.Privileges) {
	t.Helper()
	if _, err := f.auth.Accounts.AddUser(cli(), auth.NewUser{Name: name, Force: force, Password: initialPassword}); err != nil {
		t.Fatal(err)
	}
	if len(priv.Roles) > 0 || !priv.Sectors.Empty() || priv.Clearance != auth.ClearanceNone {
		if err := f.auth.Requests.ApplyAsSystem(cli(), auth.KindGrant, map[string]any{
			"user": name, "roles": priv.Roles, "sectors": priv.Sectors, "clearance": priv.Clearance}); err != nil {
			t.Fatal(err)
		}
	}
	if password == "" {
		return
	}
	u, err := f.db.User(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.PrincipalOf(u, auth.ViaSession))
	if err := f.auth.Accounts.ChangePassword(ctx, initialPassword, password); err != nil {
		t.Fatal(err)
	}
}

// issueToken issues an API token for owner from the command line.
func (f *fixture) issueToken(t testing.TB, owner string, scope auth.TokenScope) string {
	t.Helper()
	tok, _, err := f.auth.Tokens.Issue(cli(), owner, "test", scope, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// loginResponse is the body of a successful sign-in.
type loginResponse struct {
	User       string   `json:"user"`
	Force      string   `json:"force"`
	Roles      []string `json:"roles"`
	Sectors    any      `json:"sectors"`
	CSRF       string   `json:"csrf"`
	MustChange bool     `json:"must_change"`
	Via        string   `json:"via"`
	Actions    []string `json:"actions"`
}

// login signs in through the API and returns the session's credentials.
func (f *fixture) login(t testing.TB, user, password string) cred {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	resp := f.request(t, cred{}, "POST", "/api/v1/session", string(body))
	data := readAll(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("sign in %s: %d %s", user, resp.StatusCode, truncate(data))
	}
	var c cred
	for _, ck := range resp.Cookies() {
		if ck.Name == api.SessionCookie {
			c.cookie = ck.Value
		}
	}
	lr := decode[loginResponse](t, data)
	c.csrf = lr.CSRF
	if c.cookie == "" || c.csrf == "" {
		t.Fatalf("sign in %s: cookie %q, csrf %q", user, c.cookie, c.csrf)
	}
	return c
}

// request sends a request with the credentials; the caller reads and
// closes the body.
func (f *fixture) request(t testing.TB, c cred, method, path, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c.set(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// do sends a request as the fixture's administrator.
func (f *fixture) do(t testing.TB, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	return f.doAs(t, f.admin, method, path, body)
}

// doAs sends a request with the credentials.
func (f *fixture) doAs(t testing.TB, c cred, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	resp := f.request(t, c, method, path, body)
	data := readAll(t, resp)
	return resp.StatusCode, resp.Header, data
}

func decode[T any](t testing.TB, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", truncate(data), err)
	}
	return v
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// testLog adapts the event log to ingest.Log, as cmd/raqib does.
type testLog struct{ l *eventlog.Log }

func (a testLog) Append(ctx context.Context, kind uint8, payload []byte) (ingest.Position, error) {
	p, err := a.l.Append(ctx, eventlog.RecordKind(kind), payload)
	return ingest.Position{StreamSeq: p.StreamSeq, Index: p.Index}, err
}

func (a testLog) ReplayFrom(ctx context.Context, after ingest.Position, fn func(uint8, []byte, ingest.Position, time.Time) error) error {
	return a.l.ReplayFrom(ctx, eventlog.Position{StreamSeq: after.StreamSeq, Index: after.Index}, func(r eventlog.Record) error {
		return fn(uint8(r.Kind), r.Payload, ingest.Position{StreamSeq: r.Position.StreamSeq, Index: r.Position.Index}, r.Stored)
	})
}

// tracks is a live picture of fixed tracks.
type tracks []fusion.Track

func (ts tracks) Tracks() []fusion.Track { return ts }

func (ts tracks) Track(id string) (fusion.Track, []pipeline.TrailPoint, bool) {
	for _, t := range ts {
		if t.ID == id {
			return t, []pipeline.TrailPoint{{Time: t.Time, Lat: t.Pos.Lat, Lon: t.Pos.Lon}}, true
		}
	}
	return fusion.Track{}, nil, false
}
