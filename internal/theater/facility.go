package theater

import (
	"slices"
	"strconv"

	"raqib/internal/geo"
)

// MaxFacilityDistanceKm is how far into Syria a facility may lie and still
// belong to the theater.
const MaxFacilityDistanceKm = 400.0

// FacilityStatus is the state of a camp or prison.
type FacilityStatus string

// The facility states.
const (
	FacilityOperational FacilityStatus = "operational"
	FacilityContested   FacilityStatus = "contested"
	FacilityEvacuated   FacilityStatus = "evacuated"
	FacilityClosed      FacilityStatus = "closed"
)

// FacilityStatuses lists every facility status.
var FacilityStatuses = []FacilityStatus{FacilityOperational, FacilityContested, FacilityEvacuated, FacilityClosed}

// Valid reports whether s is a known facility status.
func (s FacilityStatus) Valid() bool { return slices.Contains(FacilityStatuses, s) }

// Facility is a camp or prison across the border holding ISIS detainees or
// their families. It raises the threat of the sectors it faces.
type Facility struct {
	ID          string       `yaml:"id" json:"id"`
	Name        string       `yaml:"name" json:"name"`
	NameAr      string       `yaml:"name_ar" json:"name_ar"`
	Kind        FacilityKind `yaml:"kind" json:"kind"`
	Position    geo.LatLon   `yaml:"position" json:"position"`
	Approximate bool         `yaml:"approximate,omitempty" json:"approximate,omitempty"`
	Source      string       `yaml:"source,omitempty" json:"source,omitempty"`
	Note        string       `yaml:"note,omitempty" json:"note,omitempty"`
	// ControlledBy names the party holding the facility; the last History
	// entry agrees with it.
	ControlledBy string         `yaml:"controlled_by" json:"controlled_by"`
	Status       FacilityStatus `yaml:"status" json:"status"`
	// Population is the approximate number of people held, 0 if unknown.
	Population int `yaml:"population,omitempty" json:"population,omitempty"`
	// Faces lists the sectors whose threat the facility raises.
	Faces   []string       `yaml:"faces" json:"faces"`
	History []ControlEntry `yaml:"history" json:"history"`

	// Chainage and Offset place the facility against the border: metres
	// along it and signed metres from it (< 0 inside Syria). Filled in by
	// Load.
	Chainage float64 `yaml:"-" json:"chainage_m"`
	Offset   float64 `yaml:"-" json:"offset_m"`
}

// ControlEntry is one dated change of who controls a facility.
type ControlEntry struct {
	Date         string `yaml:"date" json:"date"`
	ControlledBy string `yaml:"controlled_by" json:"controlled_by"`
	Note         string `yaml:"note,omitempty" json:"note,omitempty"`
}

func checkFacilities(c *collector, t *Theater) {
	s := specFacilities
	for i, f := range t.Facilities {
		c.requireID(s, i, f.ID)
		c.require(s, i, "name", f.Name)
		c.require(s, i, "name_ar", f.NameAr)
		c.require(s, i, "controlled_by", f.ControlledBy)
		if !f.Kind.Valid() {
			c.add(s.file, c.path(s, i, "kind"), "%q is not a facility kind (want one of %v)", f.Kind, FacilityKinds)
		}
		if !f.Status.Valid() {
			c.add(s.file, c.path(s, i, "status"), "%q is not a facility status (want one of %v)", f.Status, FacilityStatuses)
		}
		if f.Population < 0 {
			c.add(s.file, c.path(s, i, "population"), "%d: want 0 or more", f.Population)
		}
		if c.checkPosition(s, i, "position", f.Position) && t.Border != nil {
			c.checkSide(s, i, SideSyria, f.Offset, MaxFacilityDistanceKm)
		}
		if len(f.Faces) == 0 {
			c.add(s.file, c.path(s, i, "faces"), "missing: want the sectors the facility faces")
		}
		for j, id := range f.Faces {
			c.checkSectorRef(t, s, i, "faces["+strconv.Itoa(j)+"]", id)
		}
		checkControlHistory(c, s, i, f)
	}
}

func checkControlHistory(c *collector, s listSpec, i int, f *Facility) {
	prev := ""
	for j, h := range f.History {
		field := "history[" + strconv.Itoa(j) + "]"
		c.checkDate(s, i, field+".date", h.Date, true)
		c.require(s, i, field+".controlled_by", h.ControlledBy)
		if h.Date != "" && h.Date < prev {
			c.add(s.file, c.path(s, i, field+".date"), "%s is before the entry above it (%s): want oldest first", h.Date, prev)
		}
		prev = max(prev, h.Date)
	}
	if n := len(f.History); n > 0 && f.History[n-1].ControlledBy != f.ControlledBy {
		c.add(s.file, c.path(s, i, "controlled_by"), "%q differs from the last history entry's %q", f.ControlledBy, f.History[n-1].ControlledBy)
	}
}
