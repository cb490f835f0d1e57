package pipeline

import (
	"testing"
	"time"
	"unsafe"

	"raqib/internal/fusion"
	"raqib/internal/geo"
)

// The picture keeps the latest trail points of each track, oldest first,
// one per time, and forgets deleted and merged tracks.
func TestPictureTrail(t *testing.T) {
	pc := newPicture(3)
	t0 := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	up := func(kind fusion.UpdateKind, id string, sec int, sensors ...string) fusion.Update {
		return fusion.Update{Kind: kind, Track: fusion.Track{ID: id, Time: t0.Add(time.Duration(sec) * time.Second),
			Pos: geo.LatLon{Lat: 34, Lon: 41 + float64(sec)/1000}, Sensors: sensors}}
	}
	for sec := range 5 {
		pc.apply([]fusion.Update{up(fusion.UpdateMeasured, "T1", sec, "S01-C001")})
	}
	// The same time again adds no point.
	pc.apply([]fusion.Update{up(fusion.UpdateCoasting, "T1", 4, "S01-C001", "S01-C002")})
	tr, trail, ok := pc.get("T1")
	if !ok {
		t.Fatal("T1 not in the picture")
	}
	if len(trail) != 3 {
		t.Fatalf("trail holds %d points, want 3", len(trail))
	}
	for i, p := range trail {
		if want := t0.Add(time.Duration(2+i) * time.Second); !p.Time.Equal(want) {
			t.Errorf("trail[%d] at %v, want %v", i, p.Time, want)
		}
	}
	if len(tr.Sensors) != 2 || tr.Sensors[1] != "S01-C002" {
		t.Errorf("sensors %v, want the latest update's", tr.Sensors)
	}
	// The trail handed out is a copy.
	trail[0].Lat = 0
	if _, again, _ := pc.get("T1"); again[0].Lat == 0 {
		t.Error("changing a returned trail changed the picture")
	}
	pc.apply([]fusion.Update{up(fusion.UpdateMeasured, "T2", 1), up(fusion.UpdateDeleted, "T1", 6)})
	if _, _, ok := pc.get("T1"); ok {
		t.Error("deleted T1 is still in the picture")
	}
	if l := pc.list(); len(l) != 1 || l[0].ID != "T2" {
		t.Errorf("list %v, want T2 alone", l)
	}
}

// The pipeline keeps its own copy of each sensor id, so a track's ids do
// not hold the decoded record they came from.
func TestSensorNameIsOwnCopy(t *testing.T) {
	p := &Pipeline{names: map[string]string{}}
	record := []byte(`..."S06-C027"...`)
	id := string(record[4:12])
	got := p.sensorName(id)
	if got != id {
		t.Fatalf("sensorName(%q) = %q", id, got)
	}
	if unsafe.StringData(got) == unsafe.StringData(id) {
		t.Error("sensorName returned the caller's memory")
	}
	if again := p.sensorName(string(record[4:12])); unsafe.StringData(again) != unsafe.StringData(got) {
		t.Error("the same id was copied twice")
	}
}
