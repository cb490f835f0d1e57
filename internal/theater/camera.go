package theater

import (
	"math"

	"raqib/internal/geo"
)

// MaxCameraDistanceKm is how far into Iraq a border camera may stand.
const MaxCameraDistanceKm = 10.0

// Sane bounds for a camera's fields.
const (
	MinHFOVDeg    = 1.0
	MaxHFOVDeg    = 120.0
	MinMastM      = 2.0
	MaxMastM      = 60.0
	MinRangeM     = 300.0
	MaxRangeM     = 30000.0
	maxOnPostDist = 250.0 // metres between a post-mounted camera and its post
)

// Camera is a thermal camera on the Iraqi side, on a border post or a mast,
// facing the border.
type Camera struct {
	ID     string `yaml:"id" json:"id"`
	Sector string `yaml:"sector" json:"sector"`
	Model  string `yaml:"model" json:"model"`
	Mount  Mount  `yaml:"mount" json:"mount"`
	// Post is the post a camera with Mount "post" stands on.
	Post     string     `yaml:"post,omitempty" json:"post,omitempty"`
	Position geo.LatLon `yaml:"position" json:"position"`
	// MastM is the camera's height above ground in metres.
	MastM float64 `yaml:"mast_m" json:"mast_m"`
	// BearingDeg is the centre of the field of view, degrees clockwise
	// from true north; HFOVDeg its horizontal width.
	BearingDeg float64 `yaml:"bearing_deg" json:"bearing_deg"`
	HFOVDeg    float64 `yaml:"hfov_deg" json:"hfov_deg"`
	// RangeM is the detection range in metres by target class.
	RangeM map[TargetClass]float64 `yaml:"range_m" json:"range_m"`

	// Chainage and Offset place the camera against the border: metres
	// along it and signed metres from it (> 0 inside Iraq). Filled in by
	// Load.
	Chainage float64 `yaml:"-" json:"chainage_m"`
	Offset   float64 `yaml:"-" json:"offset_m"`

	// nearest is the nearest point of the border line, for checks.
	nearest geo.LatLon
}

// Range is the detection range in metres for a target class, 0 if the
// camera has none for it.
func (c *Camera) Range(class TargetClass) float64 { return c.RangeM[class] }

// Covers reports whether p lies inside the camera's field of view and
// within its detection range for the class. Terrain masking is not
// modelled.
func (c *Camera) Covers(p geo.LatLon, class TargetClass) bool {
	dist, azi, _ := geo.Inverse(c.Position, p)
	if dist > c.Range(class) {
		return false
	}
	if dist < 1 {
		return true
	}
	return angleBetween(azi, c.BearingDeg) <= c.HFOVDeg/2
}

// angleBetween is the absolute difference of two azimuths, 0 to 180.
func angleBetween(a, b float64) float64 {
	d := math.Abs(normDeg(a - b))
	if d > 180 {
		d = 360 - d
	}
	return d
}

func checkCameras(c *collector, t *Theater) {
	s := specCameras
	for i, cam := range t.Cameras {
		c.requireID(s, i, cam.ID)
		c.require(s, i, "model", cam.Model)
		c.checkSectorRef(t, s, i, "sector", cam.Sector)
		checkCameraOptics(c, s, i, cam)
		checkCameraMount(c, t, s, i, cam)
		if c.checkPosition(s, i, "position", cam.Position) && t.Border != nil {
			c.checkSide(s, i, SideIraq, cam.Offset, MaxCameraDistanceKm)
			c.checkInSector(t, s, i, cam.Sector, cam.Chainage)
			checkCameraFacing(c, s, i, cam)
		}
	}
	if c.broken[s.file] {
		return
	}
	if len(t.Cameras) == 0 {
		c.add(s.file, s.key, "no cameras")
	}
	for i, sec := range t.Sectors {
		if sec.ID != "" && len(t.SectorCameras(sec.ID)) == 0 {
			c.add(specSectors.file, c.path(specSectors, i, "id"), "no cameras serve sector %s", sec.ID)
		}
	}
}

// checkCameraOptics checks mast height, bearing, field of view and ranges.
func checkCameraOptics(c *collector, s listSpec, i int, cam *Camera) {
	if !finite(cam.MastM) || cam.MastM < MinMastM || cam.MastM > MaxMastM {
		c.add(s.file, c.path(s, i, "mast_m"), "%v: want %v to %v m", cam.MastM, MinMastM, MaxMastM)
	}
	if !finite(cam.BearingDeg) || cam.BearingDeg < 0 || cam.BearingDeg >= 360 {
		c.add(s.file, c.path(s, i, "bearing_deg"), "%v: want 0 to less than 360 degrees", cam.BearingDeg)
	}
	if !finite(cam.HFOVDeg) || cam.HFOVDeg < MinHFOVDeg || cam.HFOVDeg > MaxHFOVDeg {
		c.add(s.file, c.path(s, i, "hfov_deg"), "%v: want %v to %v degrees", cam.HFOVDeg, MinHFOVDeg, MaxHFOVDeg)
	}
	for class, r := range cam.RangeM {
		field := "range_m." + string(class)
		if !class.Valid() {
			c.add(s.file, c.path(s, i, field), "%q is not a target class (want one of %v)", class, TargetClasses)
			continue
		}
		if !finite(r) || r < MinRangeM || r > MaxRangeM {
			c.add(s.file, c.path(s, i, field), "%v: want %v to %v m", r, MinRangeM, MaxRangeM)
		}
	}
	for _, class := range TargetClasses {
		if _, ok := cam.RangeM[class]; !ok {
			c.add(s.file, c.path(s, i, "range_m."+string(class)), "missing")
		}
	}
	if p, v := cam.RangeM[TargetPerson], cam.RangeM[TargetVehicle]; p > 0 && v > 0 && v < p {
		c.add(s.file, c.path(s, i, "range_m.vehicle"), "%v is less than the person range %v: a vehicle is seen farther", v, p)
	}
}

// checkCameraMount checks the mount and, for a post-mounted camera, that
// it stands on its post.
func checkCameraMount(c *collector, t *Theater, s listSpec, i int, cam *Camera) {
	switch cam.Mount {
	case MountMast:
		if cam.Post != "" {
			c.add(s.file, c.path(s, i, "post"), "set on a mast-mounted camera")
		}
	case MountPost:
		p := t.Post(cam.Post)
		switch {
		case cam.Post == "":
			c.add(s.file, c.path(s, i, "post"), "missing for a post-mounted camera")
		case p == nil:
			c.add(s.file, c.path(s, i, "post"), "unknown post %q", cam.Post)
		case p.Position.Validate() == nil && cam.Position.Validate() == nil:
			if d := geo.Distance(p.Position, cam.Position); d > maxOnPostDist {
				c.add(s.file, c.path(s, i, "position"), "%.0f m from post %s: want at most %v m", d, p.ID, maxOnPostDist)
			}
		}
	default:
		c.add(s.file, c.path(s, i, "mount"), "%q is not a mount (want one of %v)", cam.Mount, Mounts)
	}
}

// checkCameraFacing reports a camera whose field of view points away from
// the border: more than 90 degrees off the direction to the nearest point
// of the line.
func checkCameraFacing(c *collector, s listSpec, i int, cam *Camera) {
	if !finite(cam.BearingDeg) {
		return
	}
	near := cam.nearest
	if geo.Distance(cam.Position, near) < 1 {
		return
	}
	_, azi, _ := geo.Inverse(cam.Position, near)
	if d := angleBetween(azi, cam.BearingDeg); d > 90 {
		c.add(s.file, c.path(s, i, "bearing_deg"), "%v faces %.0f degrees away from the border (nearest point at azimuth %.0f)", cam.BearingDeg, d, azi)
	}
}
