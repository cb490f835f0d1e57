package theater

import (
	"math"
	"time"

	"raqib/internal/geo"
)

// Validate prepares a theater assembled in code and checks it the way Load
// checks a theater read from files: it fills in the derived fields (each
// record's chainage, offset and sectors) and the lookup maps, and returns a
// *ValidationError listing every problem, or nil. Call it before sharing the
// theater; Load has already called it.
func (t *Theater) Validate() error {
	c := newCollector()
	t.validate(c)
	if len(c.list) > 0 {
		return &ValidationError{Problems: SortProblems(c.list)}
	}
	return nil
}

// validate derives and indexes, then runs every check.
func (t *Theater) validate(c *collector) {
	t.index()
	if t.Border == nil || t.Border.Index == nil {
		if !c.broken[borderKey] {
			c.add(ManifestFile, "border", "no border line")
		}
		t.Border = nil
	} else {
		t.derive()
	}
	checkIDs(c, t)
	checkSectors(c, t)
	checkCrossings(c, t)
	checkZones(c, t)
	checkBarriers(c, t)
	checkPosts(c, t)
	checkBases(c, t)
	checkCameras(c, t)
	checkFacilities(c, t)
}

// borderKey marks, in collector.broken, a border that failed to load.
const borderKey = "border"

// derive fills in the fields computed from the border, rounded to the
// centimetre so that exports do not depend on the last bits of the
// arithmetic.
func (t *Theater) derive() {
	var nearest geo.LatLon
	place := func(p geo.LatLon) (chainage, offset float64) {
		if p.Validate() != nil {
			nearest = geo.LatLon{}
			return math.NaN(), math.NaN()
		}
		l := t.Locate(p)
		nearest = l.Nearest
		return round(l.Chainage, 100), round(l.Distance, 100)
	}
	for _, x := range t.Crossings {
		x.Chainage, x.Offset = place(x.Position)
		if s := t.SectorAt(x.Chainage); s != nil {
			x.Sector = s.ID
		}
	}
	for _, z := range t.Zones {
		z.Sectors = t.sectorsOverlapping(z.FromKm, z.ToKm)
	}
	for _, b := range t.Barriers {
		b.Sectors = t.sectorsOverlapping(b.FromKm, b.ToKm)
	}
	for _, p := range t.Posts {
		p.Chainage, p.Offset = place(p.Position)
	}
	for _, b := range t.Bases {
		b.Chainage, b.Offset = place(b.Position)
	}
	for _, cam := range t.Cameras {
		cam.Chainage, cam.Offset = place(cam.Position)
		cam.nearest = nearest
	}
	for _, f := range t.Facilities {
		f.Chainage, f.Offset = place(f.Position)
	}
}

// checkIDs reports ids used twice, in one layer or across layers: every
// feature of the theater has its own id.
func checkIDs(c *collector, t *Theater) {
	type ref struct {
		spec listSpec
		i    int
	}
	seen := map[string]ref{}
	see := func(s listSpec, i int, id string) {
		if id == "" {
			return
		}
		if first, dup := seen[id]; dup {
			where := c.path(first.spec, first.i, "")
			if first.spec.file != s.file {
				where = first.spec.file + " " + where
			}
			c.add(s.file, c.path(s, i, "id"), "duplicate id %q, first used by %s", id, where)
			return
		}
		seen[id] = ref{s, i}
	}
	for i, v := range t.Sectors {
		see(specSectors, i, v.ID)
	}
	for i, v := range t.Crossings {
		see(specCrossings, i, v.ID)
	}
	for i, v := range t.Zones {
		see(specZones, i, v.ID)
	}
	for i, v := range t.Barriers {
		see(specBarriers, i, v.ID)
	}
	for i, v := range t.Posts {
		see(specPosts, i, v.ID)
	}
	for i, v := range t.Bases {
		see(specBases, i, v.ID)
	}
	for i, v := range t.Cameras {
		see(specCameras, i, v.ID)
	}
	for i, v := range t.Facilities {
		see(specFacilities, i, v.ID)
	}
}

// requireID reports a missing id.
func (c *collector) requireID(s listSpec, i int, id string) {
	c.require(s, i, "id", id)
}

// require reports a missing string field.
func (c *collector) require(s listSpec, i int, field, v string) {
	if v == "" {
		c.add(s.file, c.path(s, i, field), "missing")
	}
}

func (c *collector) checkForce(s listSpec, i int, field string, f Force) {
	if !f.Valid() {
		c.add(s.file, c.path(s, i, field), "%q is not a force (want one of %v)", f, Forces)
	}
}

func (c *collector) checkThreat(s listSpec, i int, field string, l ThreatLevel) {
	if !l.Valid() {
		c.add(s.file, c.path(s, i, field), "%q is not a threat level (want one of %v)", l, ThreatLevels)
	}
}

// checkRef reports a reference to a sector that does not exist.
func (c *collector) checkSectorRef(t *Theater, s listSpec, i int, field, id string) {
	switch {
	case id == "":
		c.add(s.file, c.path(s, i, field), "missing")
	case t.Sector(id) == nil:
		c.add(s.file, c.path(s, i, field), "unknown sector %q", id)
	}
}

// checkPosition reports a missing, non-finite or out-of-range position and
// says whether the position is usable.
func (c *collector) checkPosition(s listSpec, i int, field string, p geo.LatLon) bool {
	ok := true
	bad := func(sub string, v, limit float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			c.add(s.file, c.path(s, i, field+"."+sub), "%v is not a finite number", v)
			ok = false
		} else if v < -limit || v > limit {
			c.add(s.file, c.path(s, i, field+"."+sub), "%v is out of range [-%v, %v]", v, limit, limit)
			ok = false
		}
	}
	bad("lat", p.Lat, 90)
	bad("lon", p.Lon, 180)
	if !ok {
		return false
	}
	if p.Lat == 0 && p.Lon == 0 {
		c.add(s.file, c.path(s, i, field), "missing")
		return false
	}
	if err := p.Validate(); err != nil {
		c.add(s.file, c.path(s, i, field), "%v", err)
		return false
	}
	return true
}

// checkDate reports a date that is not YYYY-MM-DD; required says whether
// an empty one is a problem too.
func (c *collector) checkDate(s listSpec, i int, field, v string, required bool) {
	if v == "" {
		if required {
			c.add(s.file, c.path(s, i, field), "missing")
		}
		return
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		c.add(s.file, c.path(s, i, field), "%q is not a date (want YYYY-MM-DD)", v)
	}
}

// checkSide reports a point on the wrong side of the border or too far from
// it; maxKm <= 0 means no distance limit.
func (c *collector) checkSide(s listSpec, i int, want Side, offset, maxKm float64) {
	field := c.path(s, i, "position")
	side := sideOf(offset)
	if side != want {
		c.add(s.file, field, "on the %s side of the border, %.2f km from the line: want the %s side", sideName(side), math.Abs(offset)/1000, sideName(want))
		return
	}
	if maxKm > 0 && math.Abs(offset) > maxKm*1000 {
		c.add(s.file, field, "%.2f km from the border: want at most %v km", math.Abs(offset)/1000, maxKm)
	}
}

func sideName(s Side) string {
	if s == SideIraq {
		return "Iraqi"
	}
	return "Syrian"
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
