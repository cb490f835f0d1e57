package theater

import "raqib/internal/geo"

// MaxPostDistanceKm is how far into Iraq a border post may stand.
const MaxPostDistanceKm = 20.0

// sectorSlackKm is how far outside its sector's chainage range a post or
// camera may stand: one near a sector's end may sit just past it where the
// line bends.
const sectorSlackKm = 3.0

// Post is a border post (fort) on the Iraqi side of the line.
type Post struct {
	ID       string     `yaml:"id" json:"id"`
	Name     string     `yaml:"name" json:"name"`
	NameAr   string     `yaml:"name_ar" json:"name_ar"`
	Sector   string     `yaml:"sector" json:"sector"`
	Force    Force      `yaml:"force" json:"force"`
	Position geo.LatLon `yaml:"position" json:"position"`

	// Chainage and Offset place the post against the border: metres along
	// it and signed metres from it (> 0 inside Iraq). Filled in by Load.
	Chainage float64 `yaml:"-" json:"chainage_m"`
	Offset   float64 `yaml:"-" json:"offset_m"`
}

func checkPosts(c *collector, t *Theater) {
	s := specPosts
	for i, p := range t.Posts {
		c.requireID(s, i, p.ID)
		c.require(s, i, "name", p.Name)
		c.checkSectorRef(t, s, i, "sector", p.Sector)
		c.checkForce(s, i, "force", p.Force)
		if c.checkPosition(s, i, "position", p.Position) && t.Border != nil {
			c.checkSide(s, i, SideIraq, p.Offset, MaxPostDistanceKm)
			c.checkInSector(t, s, i, p.Sector, p.Chainage)
		}
	}
}

// checkInSector reports a record whose chainage lies outside the sector it
// names, beyond sectorSlackKm.
func (c *collector) checkInSector(t *Theater, s listSpec, i int, sectorID string, chainage float64) {
	sec := t.Sector(sectorID)
	if sec == nil || !finite(chainage) {
		return
	}
	km := chainage / 1000
	if km < sec.FromKm-sectorSlackKm || km > sec.ToKm+sectorSlackKm {
		c.add(s.file, c.path(s, i, "sector"), "%s covers %s–%s km but the position faces km %.1f",
			sec.ID, fmtKm(sec.FromKm), fmtKm(sec.ToKm), km)
	}
}
