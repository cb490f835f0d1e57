package theater

import (
	"math"
	"slices"
	"strconv"
)

// Terrain is the ground of a sector; the camera plan depends on it.
type Terrain string

// The terrains.
const (
	TerrainDesert      Terrain = "desert"
	TerrainRiverValley Terrain = "river_valley"
	TerrainPlain       Terrain = "plain"
	TerrainMountain    Terrain = "mountain"
)

// Terrains lists every terrain.
var Terrains = []Terrain{TerrainDesert, TerrainRiverValley, TerrainPlain, TerrainMountain}

// Valid reports whether t is a known terrain.
func (t Terrain) Valid() bool { return slices.Contains(Terrains, t) }

// Sector is a stretch of the border, by chainage, held by one force under
// one command. Sectors are contiguous and span the whole border.
type Sector struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	NameAr string `yaml:"name_ar" json:"name_ar"`
	// FromKm and ToKm bound the sector along the border, in kilometres
	// from its first vertex.
	FromKm   float64     `yaml:"from_km" json:"from_km"`
	ToKm     float64     `yaml:"to_km" json:"to_km"`
	Province string      `yaml:"province" json:"province"`
	Command  string      `yaml:"command" json:"command"`
	Force    Force       `yaml:"force" json:"force"`
	Threat   ThreatLevel `yaml:"threat" json:"threat"`
	Terrain  Terrain     `yaml:"terrain" json:"terrain"`
	Note     string      `yaml:"note,omitempty" json:"note,omitempty"`
}

// From is the sector's start chainage in metres.
func (s *Sector) From() float64 { return s.FromKm * 1000 }

// To is the sector's end chainage in metres.
func (s *Sector) To() float64 { return s.ToKm * 1000 }

// LengthKm is the sector's length along the border in kilometres.
func (s *Sector) LengthKm() float64 { return s.ToKm - s.FromKm }

// Contains reports whether the chainage (metres) lies in [From, To).
func (s *Sector) Contains(chainage float64) bool {
	return chainage >= s.From() && chainage < s.To()
}

// spanTolerance is how far the last sector's end may be from the border's
// length, in kilometres, so that a slightly revised border line does not
// invalidate the sectors.
const spanTolerance = 1.0

// checkSectors checks each sector's fields and that the sectors, in
// chainage order, are contiguous and span the border.
func checkSectors(c *collector, t *Theater) {
	s := specSectors
	if len(t.Sectors) == 0 {
		c.add(s.file, s.key, "no sectors")
		return
	}
	for i, sec := range t.Sectors {
		c.requireID(s, i, sec.ID)
		c.require(s, i, "name", sec.Name)
		c.require(s, i, "name_ar", sec.NameAr)
		c.require(s, i, "command", sec.Command)
		c.checkForce(s, i, "force", sec.Force)
		c.checkThreat(s, i, "threat", sec.Threat)
		if !sec.Terrain.Valid() {
			c.add(s.file, c.path(s, i, "terrain"), "%q is not a terrain (want one of %v)", sec.Terrain, Terrains)
		}
		c.checkKmRange(s, i, sec.FromKm, sec.ToKm, t.Border)
	}
	checkSectorChain(c, t)
}

// checkSectorChain reports overlaps, gaps and a start or end that misses
// the border's ends.
func checkSectorChain(c *collector, t *Theater) {
	s := specSectors
	order := make([]int, len(t.Sectors))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmpFloat(t.Sectors[a].FromKm, t.Sectors[b].FromKm)
	})
	first := t.Sectors[order[0]]
	if first.FromKm != 0 {
		c.add(s.file, c.path(s, order[0], "from_km"), "%s, the first sector, starts at %s km: want 0", first.ID, fmtKm(first.FromKm))
	}
	for k := 1; k < len(order); k++ {
		i, j := order[k-1], order[k]
		prev, next := t.Sectors[i], t.Sectors[j]
		switch {
		case prev.ToKm > next.FromKm:
			c.add(s.file, c.path(s, i, "to_km"), "%s overlaps %s %s",
				fmtKm(prev.ToKm), c.path(s, j, "from_km"), fmtKm(next.FromKm))
		case prev.ToKm < next.FromKm:
			c.add(s.file, c.path(s, j, "from_km"), "%s leaves a gap after %s %s",
				fmtKm(next.FromKm), c.path(s, i, "to_km"), fmtKm(prev.ToKm))
		}
	}
	last := order[len(order)-1]
	if t.Border != nil {
		total := t.Border.LengthKm()
		if to := t.Sectors[last].ToKm; math.Abs(to-total) > spanTolerance {
			c.add(s.file, c.path(s, last, "to_km"), "%s, the last sector, ends at %s km: want the border's length, %s km",
				t.Sectors[last].ID, fmtKm(to), fmtKm(total))
		}
	}
}

// checkKmRange checks a chainage range in kilometres: finite, from < to,
// and on the border.
func (c *collector) checkKmRange(s listSpec, i int, from, to float64, b *Border) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"from_km", from}, {"to_km", to}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			c.add(s.file, c.path(s, i, f.name), "%v: want a chainage of 0 km or more", f.v)
			return
		}
		if b != nil && f.v > b.LengthKm()+spanTolerance {
			c.add(s.file, c.path(s, i, f.name), "%s km is past the border's end at %s km", fmtKm(f.v), fmtKm(b.LengthKm()))
		}
	}
	if from >= to {
		c.add(s.file, c.path(s, i, "to_km"), "%s: want more than from_km %s", fmtKm(to), fmtKm(from))
	}
}

// sectorsOverlapping lists, in chainage order, the ids of the sectors that
// share part of the chainage range [from, to) in kilometres.
func (t *Theater) sectorsOverlapping(fromKm, toKm float64) []string {
	var ids []string
	for _, s := range t.byChainage {
		if s.FromKm < toKm && fromKm < s.ToKm {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func fmtKm(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
