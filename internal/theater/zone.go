package theater

import "math"

// MaxZoneDepthKm bounds a zone's depth either side of the line.
const MaxZoneDepthKm = 50.0

// Zone is an unofficial crossing zone: a stretch of the border used for
// smuggling or infiltration, reaching DepthKm either side of the line.
type Zone struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	NameAr      string `yaml:"name_ar" json:"name_ar"`
	Description string `yaml:"description" json:"description"`
	// FromKm and ToKm bound the zone along the border, in kilometres.
	FromKm float64 `yaml:"from_km" json:"from_km"`
	ToKm   float64 `yaml:"to_km" json:"to_km"`
	// DepthKm is how far the zone reaches either side of the line.
	DepthKm float64    `yaml:"depth_km" json:"depth_km"`
	Status  ZoneStatus `yaml:"status" json:"status"`
	Source  string     `yaml:"source,omitempty" json:"source,omitempty"`
	Note    string     `yaml:"note,omitempty" json:"note,omitempty"`

	// Sectors lists the sectors the zone overlaps, in chainage order.
	// Filled in by Load.
	Sectors []string `yaml:"-" json:"sectors"`
}

func checkZones(c *collector, t *Theater) {
	s := specZones
	for i, z := range t.Zones {
		c.requireID(s, i, z.ID)
		c.require(s, i, "name", z.Name)
		c.require(s, i, "description", z.Description)
		c.checkKmRange(s, i, z.FromKm, z.ToKm, t.Border)
		if !finite(z.DepthKm) || z.DepthKm <= 0 || z.DepthKm > MaxZoneDepthKm {
			c.add(s.file, c.path(s, i, "depth_km"), "%v: want more than 0 and at most %v km", z.DepthKm, MaxZoneDepthKm)
		}
		if !z.Status.Valid() {
			c.add(s.file, c.path(s, i, "status"), "%q is not a zone status (want one of %v)", z.Status, ZoneStatuses)
		}
	}
}

// Contains reports whether a point with the given chainage and signed
// offset from the line (both metres, as from Theater.Locate) lies in the
// zone.
func (z *Zone) Contains(chainage, offset float64) bool {
	return chainage >= z.FromKm*1000 && chainage <= z.ToKm*1000 && math.Abs(offset) <= z.DepthKm*1000
}
