package fusion

import (
	"math"
	"testing"
	"time"
)

// TestTrackQuality: confident or moving detections keep a track's quality
// high; a run of weak, motionless ones (thermal clutter) brings it down
// within a few measurements, and LastStrong stays at the last strong one.
func TestTrackQuality(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	var tr track
	at := func(i int) int64 { return t0.Add(time.Duration(i) * time.Second).UnixNano() }
	strong := Measurement{Sensor: "C1", Class: ClassPerson, Confidence: 0.8, Count: 1}
	moving := Measurement{Sensor: "C1", Class: ClassUnknown, Confidence: 0.25, Count: 1, Vel: &Velocity{East: 1}}
	weak := Measurement{Sensor: "C1", Class: ClassPerson, Confidence: 0.3, Count: 1}
	for i := range 20 {
		m := strong
		if i%2 == 1 {
			m = moving
		}
		m.Seq = uint64(i + 1)
		tr.record(&m, at(i))
	}
	if tr.quality != 1 {
		t.Fatalf("quality %v after strong and moving detections, want 1", tr.quality)
	}
	for i := 20; i < 28; i++ {
		m := weak
		m.Seq = uint64(i + 1)
		tr.record(&m, at(i))
	}
	want := math.Pow(1-qualityWeight, 8)
	if math.Abs(tr.quality-want) > 1e-9 {
		t.Errorf("quality %v after eight weak detections, want %v", tr.quality, want)
	}
	if tr.lastStrong != at(19) {
		t.Errorf("last strong %v, want %v", time.Unix(0, tr.lastStrong), time.Unix(0, at(19)))
	}
	var fresh track
	w := weak
	fresh.record(&w, at(0))
	if fresh.quality != 0 || fresh.lastStrong != 0 {
		t.Errorf("a track born of a weak detection: quality %v, last strong %d", fresh.quality, fresh.lastStrong)
	}
}
