// Package gen builds the generated layers of a theater, its border posts
// and thermal cameras, from the border line and the sectors. The output is
// deterministic: the same inputs give the same bytes, and ids are scoped by
// sector ("S03-C017", "S03-P02") so that a change in one sector leaves the
// others' ids alone.
package gen

import (
	"raqib/internal/theater"
)

// Model is a thermal camera model.
type Model struct {
	Name    string
	HFOVDeg float64
	// PersonM and VehicleM are detection ranges in metres.
	PersonM  float64
	VehicleM float64
}

// Plan holds the parameters the layout is derived from.
type Plan struct {
	// Cameras is the total number of cameras to place.
	Cameras int
	// Weight scales a sector's share of cameras per kilometre by its
	// threat level, so high-threat sectors are watched more densely.
	Weight map[theater.ThreatLevel]float64
	// Overlap is how much longer than the spacing each camera's view of the
	// line is, so neighbours' views overlap (1.2 = 20%).
	Overlap float64
	// Reach is the largest share of a camera's person range it may stand
	// back from the line, so it still sees well into Syria.
	Reach float64
	// MinSetbackM and MaxSetbackM bound how far behind the line a camera
	// stands.
	MinSetbackM float64
	MaxSetbackM float64
	// PostSpacingKm is the rough distance between border posts.
	PostSpacingKm float64
	// Models by name; ModelFor picks one for a sector.
	Models map[string]Model
}

// The camera models. Ranges are for a cooled thermal imager in clear
// desert air at its narrowest useful zoom, by target class (Johnson
// detection criteria); the names describe the class of instrument.
var (
	ModelLR = Model{Name: "MWIR-640 LR", HFOVDeg: 20, PersonM: 6000, VehicleM: 12000}
	ModelMR = Model{Name: "MWIR-640 MR", HFOVDeg: 28, PersonM: 4500, VehicleM: 10000}
	ModelSR = Model{Name: "MWIR-384 SR", HFOVDeg: 40, PersonM: 3000, VehicleM: 8000}
)

// DefaultPlan is the plan of the embedded Iraq–Syria theater: 960 cameras.
func DefaultPlan() Plan {
	return Plan{
		Cameras: 960,
		Weight: map[theater.ThreatLevel]float64{
			theater.ThreatLow:      0.7,
			theater.ThreatElevated: 1.0,
			theater.ThreatHigh:     1.4,
			theater.ThreatCritical: 1.8,
		},
		Overlap:       1.2,
		Reach:         0.65,
		MinSetbackM:   800,
		MaxSetbackM:   4000,
		PostSpacingKm: 12,
		Models: map[string]Model{
			ModelLR.Name: ModelLR,
			ModelMR.Name: ModelMR,
			ModelSR.Name: ModelSR,
		},
	}
}

// ModelFor picks a sector's camera model: the wide short-range model in
// river valleys and mountains, where farmland, buildings and slopes cut
// sight lines short; the long-range one on open ground facing a high
// threat; the medium-range one elsewhere.
func ModelFor(s *theater.Sector) Model {
	switch {
	case s.Terrain == theater.TerrainRiverValley || s.Terrain == theater.TerrainMountain:
		return ModelSR
	case s.Threat.Rank() >= theater.ThreatHigh.Rank():
		return ModelLR
	default:
		return ModelMR
	}
}

// MastFor is a camera's height above ground: taller masts where vegetation
// or buildings block the view, alternating by a few metres along the line.
func MastFor(s *theater.Sector, i int) float64 {
	base := map[theater.Terrain]float64{
		theater.TerrainDesert:      12,
		theater.TerrainPlain:       12,
		theater.TerrainRiverValley: 18,
		theater.TerrainMountain:    9,
	}[s.Terrain]
	if base == 0 {
		base = 12
	}
	return base + 3*float64(i%2)
}
