package theater

import (
	"math"
	"strconv"

	"raqib/internal/geo"
)

// MaxCrossingDistanceKm is how far an official crossing may lie from the
// border line.
const MaxCrossingDistanceKm = 2.0

// Crossing is an official border crossing and its Syrian counterpart.
type Crossing struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	NameAr string `yaml:"name_ar" json:"name_ar"`
	// Pair is the crossing's Syrian counterpart.
	Pair     string     `yaml:"pair" json:"pair"`
	PairAr   string     `yaml:"pair_ar" json:"pair_ar"`
	Position geo.LatLon `yaml:"position" json:"position"`
	// Approximate marks a position that is not surveyed; Source and Note say
	// where it comes from and how it was adjusted.
	Approximate bool           `yaml:"approximate,omitempty" json:"approximate,omitempty"`
	Source      string         `yaml:"source,omitempty" json:"source,omitempty"`
	Note        string         `yaml:"note,omitempty" json:"note,omitempty"`
	Status      CrossingStatus `yaml:"status" json:"status"`
	// History lists the crossing's status changes, oldest first; the last
	// entry's status is Status.
	History []StatusEntry `yaml:"history" json:"history"`

	// Chainage, Offset and Sector place the crossing on the border: metres
	// along it, signed metres from it (> 0 inside Iraq) and the sector it
	// lies in. Filled in by Load.
	Chainage float64 `yaml:"-" json:"chainage_m"`
	Offset   float64 `yaml:"-" json:"offset_m"`
	Sector   string  `yaml:"-" json:"sector"`
}

// StatusEntry is one dated change of a crossing's status.
type StatusEntry struct {
	// Date is YYYY-MM-DD.
	Date   string         `yaml:"date" json:"date"`
	Status CrossingStatus `yaml:"status" json:"status"`
	Note   string         `yaml:"note,omitempty" json:"note,omitempty"`
}

func checkCrossings(c *collector, t *Theater) {
	s := specCrossings
	for i, x := range t.Crossings {
		c.requireID(s, i, x.ID)
		c.require(s, i, "name", x.Name)
		c.require(s, i, "name_ar", x.NameAr)
		c.require(s, i, "pair", x.Pair)
		if !x.Status.Valid() {
			c.add(s.file, c.path(s, i, "status"), "%q is not a crossing status (want one of %v)", x.Status, CrossingStatuses)
		}
		if c.checkPosition(s, i, "position", x.Position) && t.Border != nil {
			if d := math.Abs(x.Offset); d > MaxCrossingDistanceKm*1000 {
				c.add(s.file, c.path(s, i, "position"), "%.2f km from the border: want at most %v km", d/1000, MaxCrossingDistanceKm)
			}
		}
		checkCrossingHistory(c, s, i, x)
	}
}

// checkCrossingHistory checks each entry, their order, and that the last
// one agrees with the current status.
func checkCrossingHistory(c *collector, s listSpec, i int, x *Crossing) {
	if len(x.History) == 0 {
		c.add(s.file, c.path(s, i, "history"), "missing: want at least the entry for the current status")
		return
	}
	prev := ""
	for j, h := range x.History {
		field := "history[" + strconv.Itoa(j) + "]"
		c.checkDate(s, i, field+".date", h.Date, true)
		if !h.Status.Valid() {
			c.add(s.file, c.path(s, i, field+".status"), "%q is not a crossing status (want one of %v)", h.Status, CrossingStatuses)
		}
		if h.Date != "" && h.Date < prev {
			c.add(s.file, c.path(s, i, field+".date"), "%s is before the entry above it (%s): want oldest first", h.Date, prev)
		}
		prev = max(prev, h.Date)
	}
	if last := x.History[len(x.History)-1]; last.Status != x.Status {
		c.add(s.file, c.path(s, i, "status"), "%q differs from the last history entry's %q", x.Status, last.Status)
	}
}
