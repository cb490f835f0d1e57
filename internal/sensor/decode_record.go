package sensor

import (
	"math/bits"
	"time"
	"unicode/utf8"

	"raqib/internal/geo"
)

// vst is the outcome of reading one field's value.
type vst uint8

const (
	vOK     vst = iota
	vAbsent     // null: treated as if the field were left out
	vBad        // a problem was reported; skip the field's other checks
	vSyntax     // a syntax error: the record cannot be read further
)

// fieldNames names the fieldSet bits, in bit order.
var fieldNames = [...]string{
	"sensor", "seq", "time", "kind", "position", "polar", "accuracy_m", "class",
	"confidence", "count", "size_m", "velocity", "clip", "health", "note",
}

func (f fieldSet) name() string { return fieldNames[bits.TrailingZeros32(uint32(f))] }

// obsField maps a top-level field name of an observation to its bit; 0 for
// an unknown name.
func obsField(key []byte) fieldSet {
	switch string(key) {
	case "sensor":
		return fSensor
	case "seq":
		return fSeq
	case "time":
		return fTime
	case "kind":
		return fKind
	case "position":
		return fPosition
	case "polar":
		return fPolar
	case "accuracy_m":
		return fAccuracy
	case "class":
		return fClass
	case "confidence":
		return fConfidence
	case "count":
		return fCount
	case "size_m":
		return fSize
	case "velocity":
		return fVelocity
	case "clip":
		return fClip
	}
	return 0
}

func hbField(key []byte) fieldSet {
	switch string(key) {
	case "sensor":
		return fSensor
	case "time":
		return fTime
	case "health":
		return fHealth
	case "note":
		return fNote
	}
	return 0
}

// allFields marks every field bad, for a record that is not an object.
const allFields = ^fieldSet(0)

// requiredObs are the fields an observation must have; class and
// confidence may be left out of GPS reports.
const requiredObs = fSensor | fSeq | fTime | fKind | fAccuracy | fClass | fConfidence

// object reads a JSON object field by field: lookup maps a name to its
// bit, name maps it back, value reads the value of a known field. It
// reports unknown and duplicate fields under prefix (the path of the
// object in its record, "" for the record itself), and returns the fields
// seen with a value, those that had a problem, and false on a syntax
// error. A value that is not an object is reported as a problem, and all
// fields are then taken as bad.
func (d *decoder) object(prefix string, lookup func([]byte) fieldSet, name func(fieldSet) string, value func(fieldSet) vst) (seen, bad fieldSet, ok bool) {
	s := &d.s
	if s.peek() != '{' {
		found := s.typeName()
		if found == "" {
			return 0, allFields, s.fail("want a value, found %s", s.found())
		}
		d.c.add(prefix, "want a JSON object, found %s", found)
		return 0, allFields, s.skip(0)
	}
	s.pos++
	if s.consume('}') {
		return 0, 0, true
	}
	for {
		if s.peek() != '"' {
			return seen, bad, s.fail("want a field name, found %s", s.found())
		}
		key, ok := s.str()
		if !ok {
			return seen, bad, false
		}
		if !s.consume(':') {
			return seen, bad, s.fail("want ':' after a field name, found %s", s.found())
		}
		f := lookup(key)
		st := vBad
		switch {
		case f == 0:
			d.c.add(prefix, "unknown field %s", quote(string(key)))
			ok = s.skip(0)
		case (seen|bad)&f != 0:
			d.c.add(join(prefix, name(f)), "duplicate field")
			ok = s.skip(0)
		default:
			st = value(f)
			ok = st != vSyntax
		}
		if !ok {
			return seen, bad, false
		}
		switch st {
		case vOK:
			seen |= f
		case vBad:
			bad |= f
		}
		if s.consume('}') {
			return seen, bad, true
		}
		if !s.consume(',') {
			return seen, bad, s.fail("want ',' or '}' after a field, found %s", s.found())
		}
	}
}

// observation reads one observation into o and checks it. It returns false
// on a syntax error.
func (d *decoder) observation(o *Observation) bool {
	seen, bad, ok := d.object("", obsField, fieldSet.name, func(f fieldSet) vst { return d.obsValue(o, f) })
	if !ok || bad == allFields {
		return ok
	}
	missing := requiredObs &^ (seen | bad)
	switch {
	case seen&fKind == 0:
		// Whether class and confidence are required, and which classes
		// are allowed, depends on the kind.
		missing &^= fClass | fConfidence
		bad |= (fClass | fConfidence) &^ seen
	case o.Kind.IsGPS():
		if missing&fClass != 0 {
			o.Class = ClassUnknown
		}
		if missing&fConfidence != 0 {
			o.Confidence = 1
		}
		missing &^= fClass | fConfidence
	}
	if (seen|bad)&fCount == 0 {
		o.Count = 1
	}
	// The decoder has checked the sensor id and the clip in full.
	d.c.observation(o, missing, bad|seen&(fSensor|fClip))
	return true
}

// obsValue reads the value of field f into o.
func (d *decoder) obsValue(o *Observation, f fieldSet) vst {
	switch f {
	case fSensor:
		return d.sensorValue(&o.Sensor)
	case fSeq:
		return d.uintValue("seq", &o.Seq)
	case fTime:
		return d.timeValue(o)
	case fKind:
		return d.enumValue("kind", func(b []byte) bool { o.Kind = kindOf(b); return o.Kind != "" }, joinKinds)
	case fClass:
		return d.enumValue("class", func(b []byte) bool { o.Class = classOf(b); return o.Class != "" }, joinClasses)
	case fAccuracy:
		return d.floatValue("accuracy_m", "", &o.AccuracyM)
	case fConfidence:
		return d.floatValue("confidence", "", &o.Confidence)
	case fSize:
		return d.floatValue("size_m", "", &o.SizeM)
	case fCount:
		var n uint64
		st := d.uintValue("count", &n)
		if st == vOK && n > MaxCount {
			d.c.add("count", "%d is out of range [1, %d]", n, MaxCount)
			return vBad
		}
		o.Count = int(n)
		return st
	case fClip:
		return d.textValue("clip", MaxClipLen)
	}
	var v [2]float64
	switch f {
	case fPosition:
		st := d.pairValue("position", "lat", "lon", &v)
		if st == vOK {
			o.Position = d.positions.next(d.positions.grown(d.hint()))
			*o.Position = geo.LatLon{Lat: v[0], Lon: v[1]}
		}
		return st
	case fPolar:
		st := d.pairValue("polar", "bearing_deg", "range_m", &v)
		if st == vOK {
			o.Polar = d.polars.next(d.polars.grown(d.hint()))
			*o.Polar = Polar{BearingDeg: v[0], RangeM: v[1]}
		}
		return st
	default: // fVelocity
		st := d.pairValue("velocity", "east_mps", "north_mps", &v)
		if st == vOK {
			o.Velocity = d.velocities.next(d.velocities.grown(d.hint()))
			*o.Velocity = Velocity{EastMps: v[0], NorthMps: v[1]}
		}
		return st
	}
}

// heartbeat reads one heartbeat into h and checks it.
func (d *decoder) heartbeat(h *Heartbeat) bool {
	seen, bad, ok := d.object("", hbField, fieldSet.name, func(f fieldSet) vst {
		switch f {
		case fSensor:
			return d.sensorValue(&h.Sensor)
		case fTime:
			t, st := d.timeOf()
			h.Time = t
			return st
		case fHealth:
			return d.enumValue("health", func(b []byte) bool { h.Health = healthOf(b); return h.Health != "" }, joinHealths)
		default: // fNote
			return d.textValue("note", MaxNoteLen)
		}
	})
	if !ok || bad == allFields {
		return ok
	}
	d.c.heartbeat(h, (fSensor|fTime|fHealth)&^(seen|bad), bad|seen&(fSensor|fNote))
	return true
}

func kindOf(b []byte) Kind {
	switch string(b) {
	case "thermal_camera":
		return KindThermalCamera
	case "radar":
		return KindRadar
	case "ground_sensor":
		return KindGroundSensor
	case "patrol_gps":
		return KindPatrolGPS
	case "unit_gps":
		return KindUnitGPS
	}
	return ""
}

func classOf(b []byte) Class {
	switch string(b) {
	case "person":
		return ClassPerson
	case "vehicle":
		return ClassVehicle
	case "animal":
		return ClassAnimal
	case "unknown":
		return ClassUnknown
	}
	return ""
}

func healthOf(b []byte) Health {
	switch string(b) {
	case "ok":
		return HealthOK
	case "degraded":
		return HealthDegraded
	case "offline":
		return HealthOffline
	case "tampered":
		return HealthTampered
	}
	return ""
}

// strValue reads a string value of the field. The bytes are valid until
// the next string is read.
func (d *decoder) strValue(field string) ([]byte, vst) {
	s := &d.s
	switch s.peek() {
	case '"':
		b, ok := s.str()
		if !ok {
			return nil, vSyntax
		}
		return b, vOK
	case 'n':
		if s.null() {
			return nil, vAbsent
		}
	}
	return nil, d.wrongType(field, "", "a string")
}

// wrongType reports a value of the wrong type and skips it.
func (d *decoder) wrongType(field, sub, want string) vst {
	found := d.s.typeName()
	if found == "" {
		d.s.fail("want a value, found %s", d.s.found())
		return vSyntax
	}
	d.c.add(join(field, sub), "want %s, found %s", want, found)
	if !d.s.skip(0) {
		return vSyntax
	}
	return vBad
}

func join(field, sub string) string {
	switch {
	case sub == "":
		return field
	case field == "":
		return sub
	}
	return field + "." + sub
}

// numValue reads a number value's text.
func (d *decoder) numValue(field, sub string) ([]byte, vst) {
	s := &d.s
	switch c := s.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		tok, ok := s.number()
		if !ok {
			return nil, vSyntax
		}
		return tok, vOK
	case c == 'n':
		if s.null() {
			return nil, vAbsent
		}
	}
	return nil, d.wrongType(field, sub, "a number")
}

func (d *decoder) floatValue(field, sub string, dst *float64) vst {
	tok, st := d.numValue(field, sub)
	if st != vOK {
		return st
	}
	v, ok := parseFloat(tok)
	if !ok {
		d.c.add(join(field, sub), "%s is out of range", tok)
		return vBad
	}
	*dst = v
	return vOK
}

func (d *decoder) uintValue(field string, dst *uint64) vst {
	tok, st := d.numValue(field, "")
	if st != vOK {
		return st
	}
	v, msg := parseUint(tok)
	if msg != "" {
		d.c.add(field, "%s: want an integer of 1 or more", msg)
		return vBad
	}
	*dst = v
	return vOK
}

// enumValue reads a string and sets it with set, which reports whether it
// is one of the names that list gives.
func (d *decoder) enumValue(field string, set func([]byte) bool, list func() string) vst {
	b, st := d.strValue(field)
	if st != vOK {
		return st
	}
	if !set(b) {
		d.c.add(field, "%s is not one of %s", quote(string(b)), list())
		return vBad
	}
	return vOK
}

// sensorValue reads a sensor id, interned so that a batch holds one copy
// of each id.
func (d *decoder) sensorValue(dst *string) vst {
	b, st := d.strValue("sensor")
	if st != vOK {
		return st
	}
	if !validID(b) {
		d.c.add("sensor", "%s", checkSensorID(string(b)))
		return vBad
	}
	if id, ok := d.intern[string(b)]; ok {
		*dst = id
		return vOK
	}
	id := string(b)
	d.intern[id] = id
	*dst = id
	return vOK
}

func validID(b []byte) bool {
	if len(b) == 0 || len(b) > MaxSensorIDLen {
		return false
	}
	for _, c := range b {
		if !idChar[c] {
			return false
		}
	}
	return true
}

func (d *decoder) timeValue(o *Observation) vst {
	t, st := d.timeOf()
	o.Time = t
	return st
}

func (d *decoder) timeOf() (t time.Time, st vst) {
	b, st := d.strValue("time")
	if st != vOK {
		return t, st
	}
	t, msg := parseTime(b)
	if msg != "" {
		d.c.add("time", "%s", msg)
		return t, vBad
	}
	return t, vOK
}

// textValue reads a free-text field into the batch's text arena; the
// record's field is set from it when the batch is complete.
func (d *decoder) textValue(field string, limit int) vst {
	b, st := d.strValue(field)
	if st != vOK {
		return st
	}
	if !utf8.Valid(b) {
		d.c.add(field, "not valid UTF-8")
		return vBad
	}
	if n := utf8.RuneCount(b); n > limit {
		d.c.add(field, "has %d characters: want at most %d", n, limit)
		return vBad
	}
	if len(b) > 0 {
		d.texts = append(d.texts, textRef{idx: d.c.idx, off: len(d.arena), n: len(b)})
		d.arena = append(d.arena, b...)
	}
	return vOK
}

// pairValue reads an object of two required numbers named a and b.
func (d *decoder) pairValue(field, a, b string, v *[2]float64) vst {
	s := &d.s
	switch s.peek() {
	case '{':
	case 'n':
		if s.null() {
			return vAbsent
		}
		fallthrough
	default:
		return d.wrongType(field, "", "an object")
	}
	names := [2]string{a, b}
	lookup := func(key []byte) fieldSet {
		switch string(key) {
		case a:
			return 1
		case b:
			return 2
		}
		return 0
	}
	name := func(f fieldSet) string { return names[f>>1] }
	seen, bad, ok := d.object(field, lookup, name, func(f fieldSet) vst {
		return d.floatValue(field, names[f>>1], &v[f>>1])
	})
	if !ok {
		return vSyntax
	}
	for i, n := range names {
		if f := fieldSet(1 << i); (seen|bad)&f == 0 {
			d.c.add(join(field, n), "missing")
			bad |= f
		}
	}
	if bad != 0 {
		return vBad
	}
	return vOK
}
