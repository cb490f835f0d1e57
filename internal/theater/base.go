package theater

import (
	"strconv"

	"raqib/internal/geo"
)

// MaxBaseDistanceKm is how far into Iraq a base supporting the border may
// lie.
const MaxBaseDistanceKm = 400.0

// Base is a garrison or air base supporting the border from the Iraqi
// side.
type Base struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	NameAr string `yaml:"name_ar" json:"name_ar"`
	Force  Force  `yaml:"force" json:"force"`
	// Role says what the base provides, such as "air base" or "quick
	// reaction force".
	Role        string     `yaml:"role" json:"role"`
	Position    geo.LatLon `yaml:"position" json:"position"`
	Approximate bool       `yaml:"approximate,omitempty" json:"approximate,omitempty"`
	Source      string     `yaml:"source,omitempty" json:"source,omitempty"`
	Note        string     `yaml:"note,omitempty" json:"note,omitempty"`
	// AirSupport marks a base that flies air support.
	AirSupport bool `yaml:"air_support,omitempty" json:"air_support,omitempty"`
	// Supports lists the sectors the base reinforces and ReachMinutes how
	// long its forces (its aircraft, for an air base) take to reach them.
	Supports     []string `yaml:"supports" json:"supports"`
	ReachMinutes int      `yaml:"reach_minutes" json:"reach_minutes"`

	// Chainage and Offset place the base against the border: metres along
	// it and signed metres from it (> 0 inside Iraq). Filled in by Load.
	Chainage float64 `yaml:"-" json:"chainage_m"`
	Offset   float64 `yaml:"-" json:"offset_m"`
}

func checkBases(c *collector, t *Theater) {
	s := specBases
	for i, b := range t.Bases {
		c.requireID(s, i, b.ID)
		c.require(s, i, "name", b.Name)
		c.require(s, i, "role", b.Role)
		c.checkForce(s, i, "force", b.Force)
		if c.checkPosition(s, i, "position", b.Position) && t.Border != nil {
			c.checkSide(s, i, SideIraq, b.Offset, MaxBaseDistanceKm)
		}
		if len(b.Supports) == 0 {
			c.add(s.file, c.path(s, i, "supports"), "missing: want the sectors the base supports")
		}
		for j, id := range b.Supports {
			c.checkSectorRef(t, s, i, "supports["+strconv.Itoa(j)+"]", id)
		}
		if b.ReachMinutes <= 0 || b.ReachMinutes > 24*60 {
			c.add(s.file, c.path(s, i, "reach_minutes"), "%d: want 1 to %d minutes", b.ReachMinutes, 24*60)
		}
	}
}
