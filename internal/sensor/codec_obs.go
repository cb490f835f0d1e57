package sensor

import (
	"encoding/binary"
	"sync"
	"time"

	"raqib/internal/geo"
)

// Bits of an observation record's two flag bytes. The first holds the kind
// (bits 0-2, its index in Kinds), the class (bits 3-4, its index in
// Classes) and three presence bits; the second the presence of the
// optional numbers that differ from their defaults.
const (
	flagPolar    = 1 << 5
	flagVelocity = 1 << 6
	flagClip     = 1 << 7

	optConfidence = 1 << 0 // confidence is not 1
	optCount      = 1 << 1 // count is not 1
	optSize       = 1 << 2 // size_m is not 0
)

var sensorTables = sync.Pool{New: func() any { return &sensorTable{index: make(map[string]uint64)} }}

// AppendEncoded appends obs to dst as one block of the binary encoding and
// returns the extended buffer. Observations are expected to be valid, as
// DecodeBatch returns them. What the encoding keeps: times to the
// nanosecond (within the years 1678 to 2262); positions to 1e-7 degree
// (about 1 cm); accuracy, confidence, size, velocity, bearing and range as
// float32 (about 7 significant digits); everything else exactly.
func AppendEncoded(dst []byte, obs []Observation) []byte {
	t := sensorTables.Get().(*sensorTable)
	defer func() {
		clear(t.index)
		clear(t.ids)
		t.ids = t.ids[:0]
		sensorTables.Put(t)
	}()
	for i := range obs {
		t.add(obs[i].Sensor)
	}
	unit := timeUnit(len(obs), func(i int) time.Time { return obs[i].Time })
	dst = appendHeader(dst, typeObservations, len(obs), unit, t)
	lastSeq := make([]uint64, len(t.ids))
	var prevTime, prevLat, prevLon int64
	for i := range obs {
		o := &obs[i]
		si := t.index[o.Sensor]
		dst = binary.AppendUvarint(dst, si)
		dst = append(dst, obsFlags(o))
		dst = append(dst, obsOpts(o))
		dst = binary.AppendVarint(dst, int64(o.Seq-lastSeq[si]))
		lastSeq[si] = o.Seq
		ts := o.Time.UnixNano() / timeUnits[unit]
		dst = binary.AppendVarint(dst, ts-prevTime)
		prevTime = ts
		if o.Polar != nil {
			dst = appendF32(dst, o.Polar.BearingDeg)
			dst = appendF32(dst, o.Polar.RangeM)
		} else if o.Position != nil {
			lat, lon := fixed7(o.Position.Lat), fixed7(o.Position.Lon)
			dst = binary.AppendVarint(dst, lat-prevLat)
			dst = binary.AppendVarint(dst, lon-prevLon)
			prevLat, prevLon = lat, lon
		} else {
			// Neither is set, so o is not valid: repeat the previous
			// position.
			dst = append(dst, 0, 0)
		}
		dst = appendObsRest(dst, o)
	}
	return dst
}

func obsFlags(o *Observation) byte {
	f := byte(index(Kinds, o.Kind)) | byte(index(Classes, o.Class))<<3
	if o.Polar != nil {
		f |= flagPolar
	}
	if o.Velocity != nil {
		f |= flagVelocity
	}
	if o.Clip != "" {
		f |= flagClip
	}
	return f
}

func obsOpts(o *Observation) byte {
	var f byte
	if o.Confidence != 1 {
		f |= optConfidence
	}
	if o.Count != 1 {
		f |= optCount
	}
	if o.SizeM != 0 {
		f |= optSize
	}
	return f
}

// appendObsRest appends the numbers after the location.
func appendObsRest(dst []byte, o *Observation) []byte {
	dst = appendF32(dst, o.AccuracyM)
	if o.Confidence != 1 {
		dst = appendF32(dst, o.Confidence)
	}
	if o.Count != 1 {
		dst = binary.AppendUvarint(dst, uint64(max(o.Count, 0)))
	}
	if o.SizeM != 0 {
		dst = appendF32(dst, o.SizeM)
	}
	if v := o.Velocity; v != nil {
		dst = appendF32(dst, v.EastMps)
		dst = appendF32(dst, v.NorthMps)
	}
	if o.Clip != "" {
		dst = binary.AppendUvarint(dst, uint64(len(o.Clip)))
		dst = append(dst, o.Clip...)
	}
	return dst
}

// index returns v's index in list, 0 if it is not there.
func index[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 0
}

// DecodeEncoded decodes a message of observation blocks, as AppendEncoded
// writes them. It checks every length and count against lim (MaxBytes,
// MaxObservations for the message as a whole) before allocating, and every
// observation against the value rules (not the time window, which a replay
// of old data would fail). Corrupt input fails with errs.Invalid, a message
// past the limits with errs.TooLarge. The observations' strings share one
// copy of data.
func DecodeEncoded(data []byte, lim Limits) ([]Observation, error) {
	lim = lim.withDefaults()
	r, err := newBlockReader(data, lim)
	if err != nil {
		return nil, err
	}
	var out []Observation
	p := problems{list: "observations", max: 1}
	c := checker{p: &p, lim: lim}
	for r.block = 0; r.pos < len(data) && r.err == nil; r.block++ {
		n, unit, sensors := r.header(typeObservations, minObsRecord, lim.MaxObservations-len(out))
		base := len(out)
		out = append(out, make([]Observation, n)...)
		b := obsBlock{r: r, unit: unit, sensors: sensors, lastSeq: make([]uint64, len(sensors))}
		for r.rec = 0; r.rec < n && r.err == nil; r.rec++ {
			o := &out[base+r.rec]
			b.record(o, n-r.rec)
			c.idx = base + r.rec
			c.observation(o, 0, fSensor)
			r.check(&p)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if out == nil {
		out = []Observation{}
	}
	return out, nil
}

// obsBlock is the state of one block's decoding: the previous values the
// deltas are relative to, and slabs for the pointed-to parts.
type obsBlock struct {
	r       *blockReader
	unit    int64
	sensors []string
	lastSeq []uint64

	prevTime, prevLat, prevLon int64

	positions  slab[geo.LatLon]
	polars     slab[Polar]
	velocities slab[Velocity]
}

// record decodes one observation; left counts the records still to come,
// this one included, and sizes the slabs.
func (b *obsBlock) record(o *Observation, left int) {
	r := b.r
	si := r.sensorIndex(b.sensors)
	flags := r.byte("flags")
	opts := r.byte("options")
	if r.err != nil {
		return
	}
	k := int(flags & 7)
	if k >= len(Kinds) || opts&^7 != 0 {
		r.fail("bad flags %#02x %#02x", flags, opts)
		return
	}
	o.Kind, o.Class = Kinds[k], Classes[flags>>3&3]
	o.Sensor = b.sensors[si]
	b.lastSeq[si] += uint64(r.varint("seq"))
	o.Seq = b.lastSeq[si]
	b.prevTime += r.varint("time")
	o.Time = time.Unix(0, b.prevTime*b.unit).UTC()
	if flags&flagPolar != 0 {
		o.Polar = b.polars.next(left)
		o.Polar.BearingDeg = r.f32("bearing")
		o.Polar.RangeM = r.f32("range")
	} else {
		b.prevLat += r.varint("latitude")
		b.prevLon += r.varint("longitude")
		o.Position = b.positions.next(left)
		*o.Position = geo.LatLon{Lat: float64(b.prevLat) / 1e7, Lon: float64(b.prevLon) / 1e7}
	}
	o.AccuracyM = r.f32("accuracy")
	o.Confidence, o.Count = 1, 1
	if opts&optConfidence != 0 {
		o.Confidence = r.f32("confidence")
	}
	if opts&optCount != 0 {
		n := r.uvarint("count")
		o.Count = int(min(n, MaxCount+1))
	}
	if opts&optSize != 0 {
		o.SizeM = r.f32("size")
	}
	if flags&flagVelocity != 0 {
		o.Velocity = b.velocities.next(left)
		o.Velocity.EastMps = r.f32("east velocity")
		o.Velocity.NorthMps = r.f32("north velocity")
	}
	if flags&flagClip != 0 {
		o.Clip = r.text("clip", "clip length", 4*MaxClipLen)
	}
}
