package sensor

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// cameras returns n configured cameras with theater-style ids.
func cameras(n int) []Sensor {
	out := make([]Sensor, n)
	for i := range out {
		out[i] = Sensor{
			ID:          fmt.Sprintf("S%02d-C%03d", i/40+1, i%40+1),
			Kind:        KindThermalCamera,
			Position:    geo.LatLon{Lat: 33.4 + float64(i)*0.004, Lon: 38.8 + float64(i)*0.004},
			HasPosition: true,
		}
	}
	return out
}

// clock is an injected test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time                    { return c.t }
func (c *clock) advance(d time.Duration) time.Time { c.t = c.t.Add(d); return c.t }

func newTestRegistry(t *testing.T, c *clock, extra ...Sensor) *Registry {
	t.Helper()
	r, err := NewRegistry(append(cameras(3), extra...), RegistryOptions{Start: c.now(), MaxAuto: 4})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func changes(cs []HealthChange) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s->%s; ", c.Sensor, c.From, c.To)
	}
	return b.String()
}

func TestRegistryOfflineAndBack(t *testing.T) {
	c := &clock{t: testNow}
	r := newTestRegistry(t, c, Sensor{ID: "S01-R001", Kind: KindRadar, Interval: 10 * time.Second})
	if cs := r.Sweep(c.now()); len(cs) != 0 {
		t.Fatalf("changes at the start: %s", changes(cs))
	}
	// Cameras 1 and 2 report; camera 3 and the radar stay silent.
	c.advance(20 * time.Second)
	for _, id := range []string{"S01-C001", "S01-C002"} {
		if err := r.Observe(id, KindThermalCamera, c.now()); err != nil {
			t.Fatal(err)
		}
	}
	// The radar's interval is 10 s: silent for more than 30 s, it is offline.
	cs := r.Sweep(c.advance(11 * time.Second))
	if got := changes(cs); got != "S01-R001 ok->offline; " {
		t.Fatalf("after 31 s: %s", got)
	}
	if want := testNow.Add(30 * time.Second); !cs[0].At.Equal(want) || !strings.Contains(cs[0].Reason, "no report since the start (3 missed intervals of 10s)") {
		t.Errorf("change %+v", cs[0])
	}
	// At 90 s camera 3 has missed three 30 s intervals: not yet offline;
	// just after, it is.
	if cs := r.Sweep(c.advance(59 * time.Second)); len(cs) != 0 {
		t.Fatalf("at 90 s: %s", changes(cs))
	}
	cs = r.Sweep(c.advance(time.Millisecond))
	if got := changes(cs); got != "S01-C003 ok->offline; " {
		t.Fatalf("just after 90 s: %s", got)
	}
	// Cameras 1 and 2 go offline 90 s after their report.
	cs = r.Sweep(c.advance(25 * time.Second))
	if got := changes(cs); got != "S01-C001 ok->offline; S01-C002 ok->offline; " {
		t.Fatalf("at 115 s: %s", got)
	}
	if !strings.Contains(cs[0].Reason, "no report for 1m35s (3 missed intervals of 30s)") {
		t.Errorf("reason %q", cs[0].Reason)
	}
	// Camera 1 reports again and comes back.
	at := c.advance(time.Second)
	if err := r.Observe("S01-C001", KindThermalCamera, at); err != nil {
		t.Fatal(err)
	}
	cs = r.Sweep(c.advance(time.Second))
	if got := changes(cs); got != "S01-C001 offline->ok; " || !cs[0].At.Equal(at) {
		t.Fatalf("after a report: %s %+v", got, cs)
	}
	st, ok := r.Get("S01-C001")
	if !ok || st.Health != HealthOK || !st.Since.Equal(at) || !st.LastSeen.Equal(at) || st.Kind != KindThermalCamera || !st.HasPosition {
		t.Errorf("status %+v", st)
	}
	// A sweep with nothing new reports nothing.
	if cs := r.Sweep(c.advance(time.Second)); len(cs) != 0 {
		t.Errorf("repeated sweep: %s", changes(cs))
	}
}

func TestRegistryHeartbeats(t *testing.T) {
	c := &clock{t: testNow}
	r := newTestRegistry(t, c)
	id := "S01-C001"
	hb := func(h Health, note string) {
		t.Helper()
		if err := r.Heartbeat(Heartbeat{Sensor: id, Time: c.now(), Health: h, Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	hb(HealthDegraded, "lens heater failed ")
	cs := r.Sweep(c.advance(time.Second))
	if got := changes(cs); got != "S01-C001 ok->degraded; " || cs[0].Reason != "heartbeat: degraded: lens heater failed" {
		t.Fatalf("degraded: %s %+v", got, cs)
	}
	// Observations do not clear a stated degradation.
	_ = r.Observe(id, KindThermalCamera, c.advance(time.Second))
	if cs := r.Sweep(c.now()); len(cs) != 0 {
		t.Fatalf("after an observation: %s", changes(cs))
	}
	hb(HealthTampered, "enclosure opened")
	if got := changes(r.Sweep(c.advance(time.Second))); got != "S01-C001 degraded->tampered; " {
		t.Fatalf("tampered: %s", got)
	}
	// An older heartbeat arriving late changes nothing.
	if err := r.Heartbeat(Heartbeat{Sensor: id, Time: c.now().Add(-time.Minute), Health: HealthOK}); err != nil {
		t.Fatal(err)
	}
	if cs := r.Sweep(c.now()); len(cs) != 0 {
		t.Fatalf("late heartbeat: %s", changes(cs))
	}
	// Silence makes it offline; a heartbeat brings it back to what the
	// heartbeat states.
	r.Sweep(c.advance(2 * time.Minute))
	hb(HealthDegraded, "")
	if got := changes(r.Sweep(c.advance(time.Second))); got != "S01-C001 offline->degraded; " {
		t.Fatalf("back: %s", got)
	}
	// A sensor that says it goes offline is offline until it reports.
	hb(HealthOffline, "maintenance")
	if got := changes(r.Sweep(c.advance(time.Second))); got != "S01-C001 degraded->offline; " {
		t.Fatalf("stated offline: %s", got)
	}
	_ = r.Observe(id, KindThermalCamera, c.advance(time.Second))
	cs = r.Sweep(c.now())
	if got := changes(cs); got != "S01-C001 offline->ok; " || !strings.Contains(cs[0].Reason, "after a heartbeat that said offline") {
		t.Fatalf("report after stated offline: %s %+v", got, cs)
	}
	if st, _ := r.Get(id); st.Note != "maintenance" {
		t.Errorf("note %q", st.Note)
	}
	if err := r.Heartbeat(Heartbeat{Sensor: id, Time: c.now(), Health: "fine"}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("bad health: %v", err)
	}
}

func TestRegistryAutoRegistration(t *testing.T) {
	c := &clock{t: testNow}
	r := newTestRegistry(t, c)
	if err := r.Observe("S99-C001", KindThermalCamera, c.now()); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "not a known camera") {
		t.Fatalf("unknown camera: %v", err)
	}
	if _, ok := r.Known("S99-C001"); ok {
		t.Fatal("unknown camera registered")
	}
	if err := r.Check("UNIT-7", KindUnitGPS); err != nil {
		t.Fatal(err)
	}
	if err := r.Observe("UNIT-7", KindUnitGPS, c.now()); err != nil {
		t.Fatal(err)
	}
	s, ok := r.Known("UNIT-7")
	if !ok || s.Kind != KindUnitGPS || !s.Auto || s.HasPosition || s.Interval != 30*time.Second {
		t.Fatalf("registered %+v", s)
	}
	for _, tc := range []struct {
		id   string
		kind Kind
		msg  string
	}{
		{"UNIT-7", KindRadar, "UNIT-7 is a unit_gps, not a radar"},
		{"S01-C001", KindRadar, "S01-C001 is a thermal_camera, not a radar"},
		{"bad id", KindRadar, "not allowed"},
		{"X1", "satellite", `kind "satellite" is not one of`},
	} {
		err1, err2 := r.Check(tc.id, tc.kind), r.Observe(tc.id, tc.kind, c.now())
		for _, err := range []error{err1, err2} {
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s %s: %v, want %q", tc.id, tc.kind, err, tc.msg)
			}
		}
	}
	// A heartbeat registers a sensor without a kind; its first
	// observation sets it, but it cannot become a camera.
	if err := r.Heartbeat(Heartbeat{Sensor: "GS-1", Time: c.now(), Health: HealthOK}); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Known("GS-1"); s.Kind != "" {
		t.Fatalf("kind %q", s.Kind)
	}
	if err := r.Observe("GS-1", KindThermalCamera, c.now()); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("heartbeat-registered sensor as a camera: %v", err)
	}
	if err := r.Observe("GS-1", KindGroundSensor, c.now()); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Known("GS-1"); s.Kind != KindGroundSensor {
		t.Fatalf("kind %q", s.Kind)
	}
	// The limit of 4 registered sensors.
	_ = r.Observe("UNIT-8", KindUnitGPS, c.now())
	_ = r.Observe("UNIT-9", KindUnitGPS, c.now())
	if err := r.Observe("UNIT-10", KindUnitGPS, c.now()); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("fifth registration: %v", err)
	}
	if err := r.Check("UNIT-10", KindUnitGPS); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("fifth registration check: %v", err)
	}
	if err := r.Observe("UNIT-9", KindUnitGPS, c.now()); err != nil {
		t.Fatalf("a registered sensor is still accepted: %v", err)
	}
	list := r.List()
	var ids []string
	for _, st := range list {
		ids = append(ids, st.ID)
	}
	if got := strings.Join(ids, " "); got != "GS-1 S01-C001 S01-C002 S01-C003 UNIT-7 UNIT-8 UNIT-9" {
		t.Errorf("list %s", got)
	}
	// Registered sensors go offline like configured ones.
	cs := r.Sweep(c.advance(2 * time.Minute))
	if len(cs) != 7 {
		t.Errorf("changes %s", changes(cs))
	}
}

func TestNewRegistryRefuses(t *testing.T) {
	for _, tc := range []struct {
		sensors []Sensor
		msg     string
	}{
		{[]Sensor{{ID: "", Kind: KindRadar}}, "sensors[0].id: empty"},
		{[]Sensor{{ID: "A", Kind: KindRadar}, {ID: "A", Kind: KindRadar}}, "sensors[1].id: A is listed twice"},
		{[]Sensor{{ID: "A", Kind: "x"}}, `sensors[0].kind: "x" is not one of`},
	} {
		if _, err := NewRegistry(tc.sensors, RegistryOptions{}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: %v, want %q", tc.sensors, err, tc.msg)
		}
	}
	r, err := NewRegistry(cameras(960), RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Without a start, the first sweep starts the clock.
	if cs := r.Sweep(testNow); len(cs) != 0 {
		t.Fatalf("first sweep: %d changes", len(cs))
	}
	if cs := r.Sweep(testNow.Add(91 * time.Second)); len(cs) != 960 {
		t.Fatalf("after 91 s of silence: %d changes", len(cs))
	}
	if st, _ := r.Get("S24-C040"); st.Health != HealthOffline || !st.Since.Equal(testNow.Add(90*time.Second)) || !st.LastSeen.IsZero() {
		t.Errorf("status %+v", st)
	}
}

// TestRegistryConcurrent runs reporters, sweeps and readers together, for
// the race detector, and checks that no report is lost: each sensor's last
// seen is its latest report.
func TestRegistryConcurrent(t *testing.T) {
	r, err := NewRegistry(cameras(960), RegistryOptions{Start: testNow})
	if err != nil {
		t.Fatal(err)
	}
	const workers, reports = 4, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range reports {
				id := fmt.Sprintf("S%02d-C%03d", (i%960)/40+1, i%40+1)
				at := testNow.Add(time.Duration(i*workers+w) * time.Millisecond)
				if err := r.Observe(id, KindThermalCamera, at); err != nil {
					t.Error(err)
					return
				}
				if i%100 == 0 {
					_ = r.Heartbeat(Heartbeat{Sensor: fmt.Sprintf("PTL-%d", w), Time: at, Health: HealthDegraded})
					_ = r.Observe(fmt.Sprintf("UNIT-%d", w), KindUnitGPS, at)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			r.Sweep(testNow.Add(time.Duration(i) * time.Second))
			_ = r.List()
		}
	})
	wg.Wait()
	st, _ := r.Get("S01-C001")
	// Sensor 0 is reported at i = 0, 960, 1920 by every worker; the latest
	// is i = 1920 from worker 3.
	if want := testNow.Add(time.Duration(1920*workers+3) * time.Millisecond); !st.LastSeen.Equal(want) {
		t.Errorf("last seen %v, want %v", st.LastSeen, want)
	}
}
