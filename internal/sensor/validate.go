package sensor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"raqib/internal/errs"
)

// fieldSet is a set of an observation's or a heartbeat's top-level fields.
type fieldSet uint32

const (
	fSensor fieldSet = 1 << iota
	fSeq
	fTime
	fKind
	fPosition
	fPolar
	fAccuracy
	fClass
	fConfidence
	fCount
	fSize
	fVelocity
	fClip
	fHealth
	fNote
)

// Validate checks observations built in code (by a simulator or another
// decoder) against the same rules the JSON decoders apply, with the time
// window relative to now (a zero now skips it). It returns nil or a
// *BatchError. Call SetDefaults first to fill the optional fields.
func Validate(obs []Observation, lim Limits, now time.Time) error {
	lim = lim.withDefaults()
	p := problems{list: "observations", max: lim.MaxProblems}
	c := checker{p: &p, now: now, lim: lim}
	for i := range obs {
		o := &obs[i]
		c.idx = i
		var missing fieldSet
		if o.Sensor == "" {
			missing |= fSensor
		}
		if o.Seq == 0 {
			missing |= fSeq
		}
		if o.Time.IsZero() {
			missing |= fTime
		}
		if o.Kind == "" {
			missing |= fKind
		}
		if o.AccuracyM == 0 {
			missing |= fAccuracy
		}
		if o.Class == "" {
			missing |= fClass
		}
		c.observation(o, missing, 0)
	}
	return p.err()
}

// ValidateHeartbeats is Validate for heartbeats.
func ValidateHeartbeats(hbs []Heartbeat, lim Limits, now time.Time) error {
	lim = lim.withDefaults()
	p := problems{list: "heartbeats", max: lim.MaxProblems}
	c := checker{p: &p, now: now, lim: lim}
	for i := range hbs {
		h := &hbs[i]
		c.idx = i
		var missing fieldSet
		if h.Sensor == "" {
			missing |= fSensor
		}
		if h.Time.IsZero() {
			missing |= fTime
		}
		if h.Health == "" {
			missing |= fHealth
		}
		c.heartbeat(h, missing, 0)
	}
	return p.err()
}

// SetDefaults fills the fields a sender may leave out: Count 1, and for
// the GPS kinds Class unknown and Confidence 1. It also puts Time in UTC.
func (o *Observation) SetDefaults() {
	if o.Count == 0 {
		o.Count = 1
	}
	if o.Kind.IsGPS() {
		if o.Class == "" {
			o.Class = ClassUnknown
		}
		if o.Confidence == 0 {
			o.Confidence = 1
		}
	}
	o.Time = o.Time.UTC()
}

// checker applies the value rules to one record at a time, reporting to p.
type checker struct {
	p    *problems
	idx  int
	line int
	now  time.Time
	lim  Limits
}

func (c *checker) add(field, format string, args ...any) {
	c.p.add(c.idx, c.line, field, format, args...)
}

// observation checks o. Fields in missing were absent and are reported as
// such when required; fields in skip already have a problem reported.
func (c *checker) observation(o *Observation, missing, skip fieldSet) {
	if c.required(fSensor, "sensor", missing, skip) {
		c.sensorID(o.Sensor)
	}
	if c.required(fSeq, "seq", missing, skip) && o.Seq == 0 {
		c.add("seq", "0 is out of range: want 1 or more")
	}
	if c.required(fTime, "time", missing, skip) {
		c.time(o.Time)
	}
	kindOK := false
	if c.required(fKind, "kind", missing, skip) {
		if kindOK = o.Kind.Valid(); !kindOK {
			c.add("kind", "%s is not one of %s", quote(string(o.Kind)), joinKinds())
		}
	}
	c.location(o, skip)
	if c.required(fAccuracy, "accuracy_m", missing, skip) && !(o.AccuracyM > 0 && o.AccuracyM <= MaxAccuracyM) {
		c.add("accuracy_m", "%v is out of range (0, %d]", o.AccuracyM, MaxAccuracyM)
	}
	c.class(o, kindOK, missing, skip)
	if skip&fConfidence == 0 {
		if missing&fConfidence != 0 {
			c.add("confidence", "missing")
		} else if !inRange(o.Confidence, 0, 1) {
			c.add("confidence", "%v is out of range [0, 1]", o.Confidence)
		}
	}
	if skip&fCount == 0 && (o.Count < 1 || o.Count > MaxCount) {
		c.add("count", "%d is out of range [1, %d]", o.Count, MaxCount)
	}
	if skip&fSize == 0 && !inRange(o.SizeM, 0, MaxSizeM) {
		c.add("size_m", "%v is out of range [0, %d]", o.SizeM, MaxSizeM)
	}
	if v := o.Velocity; v != nil && skip&fVelocity == 0 {
		c.speed("velocity.east_mps", v.EastMps)
		c.speed("velocity.north_mps", v.NorthMps)
	}
	if skip&fClip == 0 {
		c.text("clip", o.Clip, MaxClipLen)
	}
}

// required reports a missing required field and says whether the field's
// value is there to be checked.
func (c *checker) required(f fieldSet, name string, missing, skip fieldSet) bool {
	if skip&f != 0 {
		return false
	}
	if missing&f != 0 {
		c.add(name, "missing")
		return false
	}
	return true
}

// location checks that exactly one of position and polar is set, and its
// values.
func (c *checker) location(o *Observation, skip fieldSet) {
	switch {
	case o.Position != nil && o.Polar != nil:
		c.add("", "position and polar are both set")
	case o.Position != nil:
		if skip&fPosition == 0 {
			c.coordinate("position.lat", o.Position.Lat, 90)
			c.coordinate("position.lon", o.Position.Lon, 180)
		}
	case o.Polar != nil:
		if skip&fPolar == 0 {
			if !inRange(o.Polar.BearingDeg, 0, 360) {
				c.add("polar.bearing_deg", "%v is out of range [0, 360]", o.Polar.BearingDeg)
			}
			if r := o.Polar.RangeM; !(r > 0 && r <= MaxRangeM) {
				c.add("polar.range_m", "%v is out of range (0, %d]", r, MaxRangeM)
			}
		}
	case skip&(fPosition|fPolar) == 0:
		c.add("", "one of position and polar is required")
	}
}

// class checks the class against the kind: detections must state one,
// GPS reports may only say unknown.
func (c *checker) class(o *Observation, kindOK bool, missing, skip fieldSet) {
	if skip&fClass != 0 {
		return
	}
	if missing&fClass != 0 {
		c.add("class", "missing: a %s detection must state one of %s", o.Kind, joinClasses())
		return
	}
	switch {
	case !o.Class.Valid():
		c.add("class", "%s is not one of %s", quote(string(o.Class)), joinClasses())
	case kindOK && o.Kind.IsGPS() && o.Class != ClassUnknown:
		c.add("class", "%q is not allowed for a %s report: want \"unknown\" or leave it out", o.Class, o.Kind)
	}
}

func (c *checker) coordinate(field string, v, limit float64) {
	if !inRange(v, -limit, limit) {
		c.add(field, "%v is out of range [%v, %v]", v, -limit, limit)
	}
}

func (c *checker) speed(field string, v float64) {
	if !inRange(v, -MaxSpeedMps, MaxSpeedMps) {
		c.add(field, "%v m/s is out of range [-%d, %d]", v, MaxSpeedMps, MaxSpeedMps)
	}
}

// sensorID checks a present sensor id.
func (c *checker) sensorID(id string) {
	if msg := checkSensorID(id); msg != "" {
		c.add("sensor", "%s", msg)
	}
}

// checkSensorID returns what is wrong with id, or "".
// CheckID reports whether id is a valid sensor id, naming what is wrong.
func CheckID(id string) error {
	if msg := checkSensorID(id); msg != "" {
		return errs.E(errs.Invalid, "sensor id %s", msg)
	}
	return nil
}

func checkSensorID(id string) string {
	if id == "" {
		return "empty: want 1 to 64 characters of A-Z a-z 0-9 . _ : -"
	}
	if len(id) > MaxSensorIDLen {
		return fmt.Sprintf("%s has %d characters: want at most %d", quote(id), len(id), MaxSensorIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !idChar[id[i]] {
			r, _ := utf8.DecodeRuneInString(id[i:])
			return fmt.Sprintf("%s has the character %q, which is not allowed: want A-Z a-z 0-9 . _ : -", quote(id), r)
		}
	}
	return ""
}

// idChar marks the bytes allowed in a sensor id.
var idChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	t['.'], t['_'], t[':'], t['-'] = true, true, true, true
	return t
}()

// text checks a free-text field: valid UTF-8 of at most limit characters.
func (c *checker) text(field, s string, limit int) {
	if msg := checkText(s, limit); msg != "" {
		c.add(field, "%s", msg)
	}
}

func checkText(s string, limit int) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Sprintf("has %d characters: want at most %d", n, limit)
	}
	return ""
}

// time checks a present time against the window around now.
func (c *checker) time(t time.Time) {
	if c.now.IsZero() {
		return
	}
	if ahead := t.Sub(c.now); ahead > c.lim.MaxFuture {
		c.add("time", "%s is %s in the future: at most %s ahead of the server clock is allowed",
			t.Format(time.RFC3339Nano), fmtDuration(ahead), fmtDuration(c.lim.MaxFuture))
	}
	if age := c.now.Sub(t); age > c.lim.MaxAge {
		c.add("time", "%s is %s old: the maximum age is %s",
			t.Format(time.RFC3339Nano), fmtDuration(age), fmtDuration(c.lim.MaxAge))
	}
}

// heartbeat checks h like observation checks an observation.
func (c *checker) heartbeat(h *Heartbeat, missing, skip fieldSet) {
	if c.required(fSensor, "sensor", missing, skip) {
		c.sensorID(h.Sensor)
	}
	if c.required(fTime, "time", missing, skip) {
		c.time(h.Time)
	}
	if c.required(fHealth, "health", missing, skip) && !h.Health.Valid() {
		c.add("health", "%s is not one of %s", quote(string(h.Health)), joinHealths())
	}
	if skip&fNote == 0 {
		c.text("note", h.Note, MaxNoteLen)
	}
}

// inRange reports whether lo <= v <= hi; false for NaN.
func inRange(v, lo, hi float64) bool { return v >= lo && v <= hi }

// fmtDuration writes whole days as "7 days" and anything else rounded to
// the second, or to the millisecond below a minute.
func fmtDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + " days"
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// quote quotes s for a message, cut to 40 bytes.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}

func joinKinds() string   { return joinNames(Kinds) }
func joinClasses() string { return joinNames(Classes) }
func joinHealths() string { return joinNames(Healths) }

func joinNames[T ~string](names []T) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}
