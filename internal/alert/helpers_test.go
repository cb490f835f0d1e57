package alert_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// opCtx carries a supervisor of every sector, allowed every action the
// service checks.
var opCtx = auth.WithPrincipal(context.Background(), auth.Principal{User: "op1", Force: auth.ForceArmy,
	Roles: []auth.Role{auth.RoleSupervisor}, Sectors: auth.AllSectors(), Via: auth.ViaSession})

// t0 is 06:00 UTC, 09:00 local on the border: daylight.
var t0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

// qaim is a place on the border near Al-Qaim.
var qaim = geo.LatLon{Lat: 34.38, Lon: 40.95}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func newService(t testing.TB, cfg alert.Config) (*alert.Service, *memStore, *clock) {
	t.Helper()
	st := newMemStore()
	clk := &clock{t: t0}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	s, err := alert.NewService(st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, st, clk
}

// ev is an event of a person at pos.
func ev(track string, rule rules.Rule, phase rules.Phase, sev rules.Severity, at time.Time, pos geo.LatLon) rules.Event {
	return rules.Event{
		Rule: rule, Phase: phase, Severity: sev, Track: track, Time: at, Pos: pos,
		Sector: "S06", Chainage: 1000, Distance: -800, Class: fusion.ClassPerson, Count: 1,
		Evidence: []fusion.ObsRef{{Sensor: "R1", Seq: uint64(at.UnixNano()), Time: at}},
		Summary:  "person " + string(phase),
	}
}

// begin is a high-severity approach starting at t0 plus offset.
func begin(track string, offset time.Duration) rules.Event {
	return ev(track, rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, t0.Add(offset), qaim)
}

func handle(t testing.TB, s *alert.Service, events ...rules.Event) []alert.Change {
	t.Helper()
	ch, err := s.Handle(opCtx, events, 1)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// raiseOne raises one alert and returns it.
func raiseOne(t testing.TB, s *alert.Service, track string) alert.Alert {
	t.Helper()
	ch := handle(t, s, begin(track, 0))
	if len(ch) != 1 || ch[0].Kind != alert.KindRaised {
		t.Fatalf("raise %s: %+v", track, ch)
	}
	return ch[0].Alert
}

func wantCode(t testing.TB, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: code %q (%v), want %q", what, errs.CodeOf(err), err, code)
	}
}

// drain returns what a subscription has queued.
func drain(sub *alert.Subscription) []alert.Change {
	var out []alert.Change
	for {
		select {
		case ch, ok := <-sub.C():
			if !ok {
				return out
			}
			out = append(out, ch)
		default:
			return out
		}
	}
}
