package sim

import "testing"

// TestSeqBase: SeqBase moves every sequence number, of cameras and of
// patrols' GPS alike, and the truth's detection records with them;
// nothing else changes.
func TestSeqBase(t *testing.T) {
	opts := Options{Scenario: "infiltration-anbar", Seed: 3, Start: testStart, Duration: 30e9, Background: 0.02}
	a := runToBuffers(t, opts)
	opts.SeqBase = 1_000_000
	b := runToBuffers(t, opts)
	oa, ob := decodeLines[Observation](t, a.obs.Bytes()), decodeLines[Observation](t, b.obs.Bytes())
	if len(oa) == 0 || len(oa) != len(ob) {
		t.Fatalf("%d and %d observations", len(oa), len(ob))
	}
	kinds := map[Kind]bool{}
	for i := range oa {
		if ob[i].Seq != oa[i].Seq+1_000_000 {
			t.Fatalf("observation %d: seq %d with the base, %d without", i, ob[i].Seq, oa[i].Seq)
		}
		ob[i].Seq = oa[i].Seq
		va, vb := oa[i].Velocity, ob[i].Velocity
		oa[i].Velocity, ob[i].Velocity = nil, nil
		if ob[i] != oa[i] || (va == nil) != (vb == nil) || va != nil && *va != *vb {
			t.Fatalf("observation %d differs beyond its seq:\n%+v\n%+v", i, oa[i], ob[i])
		}
		kinds[oa[i].Kind] = true
	}
	if !kinds[KindThermalCamera] || !kinds[KindPatrolGPS] {
		t.Errorf("kinds seen: %v", kinds)
	}
	for _, r := range decodeLines[TruthRecord](t, b.truth.Bytes()) {
		if r.Type == TruthDetection && r.Seq <= 1_000_000 {
			t.Fatalf("truth detection of seq %d without the base", r.Seq)
		}
	}
}
