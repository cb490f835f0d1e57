package theater

// Barrier is a stretch of berm, trench, wall or fence along the border, by
// chainage.
type Barrier struct {
	ID   string      `yaml:"id" json:"id"`
	Name string      `yaml:"name" json:"name"`
	Kind BarrierKind `yaml:"kind" json:"kind"`
	// FromKm and ToKm bound the segment along the border, in kilometres.
	FromKm float64       `yaml:"from_km" json:"from_km"`
	ToKm   float64       `yaml:"to_km" json:"to_km"`
	Status BarrierStatus `yaml:"status" json:"status"`
	// Started is when work began; Completed when it ended (complete
	// segments); Expected when it is due to end (planned and under
	// construction). All YYYY-MM-DD.
	Started     string  `yaml:"started,omitempty" json:"started,omitempty"`
	Completed   string  `yaml:"completed,omitempty" json:"completed,omitempty"`
	Expected    string  `yaml:"expected,omitempty" json:"expected,omitempty"`
	ProgressPct float64 `yaml:"progress_pct" json:"progress_pct"`
	Source      string  `yaml:"source,omitempty" json:"source,omitempty"`
	Note        string  `yaml:"note,omitempty" json:"note,omitempty"`

	// Sectors lists the sectors the segment overlaps, in chainage order.
	// Filled in by Load.
	Sectors []string `yaml:"-" json:"sectors"`
}

// LengthKm is the segment's length along the border in kilometres.
func (b *Barrier) LengthKm() float64 { return b.ToKm - b.FromKm }

func checkBarriers(c *collector, t *Theater) {
	s := specBarriers
	for i, b := range t.Barriers {
		c.requireID(s, i, b.ID)
		c.require(s, i, "name", b.Name)
		if !b.Kind.Valid() {
			c.add(s.file, c.path(s, i, "kind"), "%q is not a barrier kind (want one of %v)", b.Kind, BarrierKinds)
		}
		c.checkKmRange(s, i, b.FromKm, b.ToKm, t.Border)
		c.checkDate(s, i, "started", b.Started, b.Status != BarrierPlanned)
		c.checkDate(s, i, "completed", b.Completed, b.Status == BarrierComplete)
		c.checkDate(s, i, "expected", b.Expected, b.Status != BarrierComplete && b.Status.Valid())
		checkBarrierProgress(c, s, i, b)
	}
}

// checkBarrierProgress checks the status against the progress and dates.
func checkBarrierProgress(c *collector, s listSpec, i int, b *Barrier) {
	p := b.ProgressPct
	if !finite(p) || p < 0 || p > 100 {
		c.add(s.file, c.path(s, i, "progress_pct"), "%v: want 0 to 100", p)
		return
	}
	switch b.Status {
	case BarrierPlanned:
		if p != 0 {
			c.add(s.file, c.path(s, i, "progress_pct"), "%v for a planned segment: want 0", p)
		}
	case BarrierUnderConstruction:
		if p <= 0 || p >= 100 {
			c.add(s.file, c.path(s, i, "progress_pct"), "%v for a segment under construction: want more than 0 and less than 100", p)
		}
	case BarrierComplete:
		if p != 100 {
			c.add(s.file, c.path(s, i, "progress_pct"), "%v for a complete segment: want 100", p)
		}
		if b.Expected != "" {
			c.add(s.file, c.path(s, i, "expected"), "set for a complete segment: use completed")
		}
	default:
		c.add(s.file, c.path(s, i, "status"), "%q is not a barrier status (want one of %v)", b.Status, BarrierStatuses)
	}
	if b.Completed != "" && b.Status != BarrierComplete {
		c.add(s.file, c.path(s, i, "completed"), "set for a segment that is %s", b.Status)
	}
	if b.Started != "" && b.Completed != "" && b.Completed < b.Started {
		c.add(s.file, c.path(s, i, "completed"), "%s is before started %s", b.Completed, b.Started)
	}
}
