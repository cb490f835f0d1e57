package sensor

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"raqib/internal/errs"
)

// The binary encoding of the event log (docs/observations.md has the
// layout). A message holds one or more blocks, each of one record type;
// AppendEncoded and AppendEncodedHeartbeats append one block, so blocks
// encoded separately can be concatenated into one message unchanged.
// Every block starts with:
//
//	byte     version (1)
//	byte     record type (1 observations, 2 heartbeats)
//	uvarint  record count
//	byte     time unit (0 ns, 1 µs, 2 ms, 3 s)
//	uvarint  sensor count, then each sensor id as uvarint length + bytes
//
// followed by the records, which refer to sensors by their index in that
// table and carry times as deltas from the previous record's, in the unit.
const (
	codecVersion = 1

	typeObservations = 1
	typeHeartbeats   = 2
)

// Smallest record sizes, to bound a block's record count by its bytes
// before anything is allocated: an observation is at least a sensor index,
// two flag bytes, a seq, a time, two coordinates and an accuracy; a
// heartbeat a sensor index, a time and its health byte.
const (
	minObsRecord = 1 + 2 + 1 + 1 + 2 + 4
	minHBRecord  = 1 + 1 + 1
)

// timeUnits are the block time units, by their code.
var timeUnits = [...]int64{1, 1e3, 1e6, 1e9}

// timeUnit returns the code of the coarsest unit that divides every
// time, so that whole-millisecond times cost fewer bytes.
func timeUnit(n int, at func(int) time.Time) byte {
	u := byte(len(timeUnits) - 1)
	for i := range n {
		ns := at(i).UnixNano()
		for u > 0 && ns%timeUnits[u] != 0 {
			u--
		}
		if u == 0 {
			break
		}
	}
	return u
}

// sensorTable gives each distinct sensor id of a block its index.
type sensorTable struct {
	index map[string]uint64
	ids   []string
}

func (t *sensorTable) add(id string) {
	if _, ok := t.index[id]; !ok {
		t.index[id] = uint64(len(t.ids))
		t.ids = append(t.ids, id)
	}
}

// appendHeader appends a block's header and sensor table.
func appendHeader(dst []byte, typ byte, count int, unit byte, t *sensorTable) []byte {
	dst = append(dst, codecVersion, typ)
	dst = binary.AppendUvarint(dst, uint64(count))
	dst = append(dst, unit)
	dst = binary.AppendUvarint(dst, uint64(len(t.ids)))
	for _, id := range t.ids {
		dst = binary.AppendUvarint(dst, uint64(len(id)))
		dst = append(dst, id...)
	}
	return dst
}

// f32 rounds a value to float32, keeping a positive value positive so
// that a rule like "accuracy_m > 0" still holds once decoded.
func f32(v float64) float32 {
	f := float32(v)
	if f == 0 && v > 0 {
		return math.SmallestNonzeroFloat32
	}
	return f
}

func appendF32(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(f32(v)))
}

// fixed7 is a coordinate in units of 1e-7 degree.
func fixed7(deg float64) int64 { return int64(math.Round(deg * 1e7)) }

// blockReader reads blocks from an encoded message. Errors are sticky:
// after the first, every read returns zero and err says what went wrong.
type blockReader struct {
	data []byte
	str  string // data as one string: decoded texts are substrings of it
	pos  int
	err  error

	block int // index of the block being read
	rec   int // index of the record in its block, -1 in the header
}

func newBlockReader(data []byte, lim Limits) (*blockReader, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, errs.E(errs.TooLarge, "encoded message of %d bytes is larger than %d bytes", len(data), lim.MaxBytes)
	}
	if len(data) == 0 {
		return nil, errs.E(errs.Invalid, "encoded message is empty")
	}
	return &blockReader{data: data, str: string(data), rec: -1}, nil
}

// fail records a corruption and returns false.
func (r *blockReader) fail(format string, args ...any) bool {
	if r.err == nil {
		where := fmt.Sprintf("block %d header", r.block)
		if r.rec >= 0 {
			where = fmt.Sprintf("block %d record %d", r.block, r.rec)
		}
		r.err = errs.E(errs.Invalid, "encoded message: %s, byte %d: %s", where, r.pos, fmt.Sprintf(format, args...))
	}
	return false
}

func (r *blockReader) byte(what string) byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= len(r.data) {
		r.fail("truncated before the %s", what)
		return 0
	}
	r.pos++
	return r.data[r.pos-1]
}

func (r *blockReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data[r.pos:])
	if n <= 0 {
		r.fail("bad or truncated %s", what)
		return 0
	}
	r.pos += n
	return v
}

func (r *blockReader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data[r.pos:])
	if n <= 0 {
		r.fail("bad or truncated %s", what)
		return 0
	}
	r.pos += n
	return v
}

func (r *blockReader) f32(what string) float64 {
	if r.err != nil {
		return 0
	}
	if len(r.data)-r.pos < 4 {
		r.fail("truncated before the %s", what)
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(r.data[r.pos:]))
	r.pos += 4
	return float64(v)
}

// text reads a length-prefixed string of at most maxBytes bytes, checking
// the length before taking anything. whatLength names the length in a
// message.
func (r *blockReader) text(what, whatLength string, maxBytes int) string {
	n := r.uvarint(whatLength)
	if r.err != nil {
		return ""
	}
	if n > uint64(maxBytes) {
		r.fail("%s length %d is more than %d", what, n, maxBytes)
		return ""
	}
	if uint64(len(r.data)-r.pos) < n {
		r.fail("truncated %s", what)
		return ""
	}
	s := r.str[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s
}

// header reads a block's header and sensor table. It checks the record
// count against what is left of the limit (left) and of the data, before
// anything is allocated.
func (r *blockReader) header(wantType byte, minRecord, left int) (count int, unit int64, sensors []string) {
	r.rec = -1
	if v := r.byte("version"); r.err == nil && v != codecVersion {
		r.fail("version %d is not supported (want %d)", v, codecVersion)
	}
	typ := r.byte("record type")
	if r.err == nil && typ != wantType {
		r.fail("record type %d, want %d (%s)", typ, wantType, typeName(wantType))
	}
	n := r.uvarint("record count")
	u := r.byte("time unit")
	if r.err == nil && int(u) >= len(timeUnits) {
		r.fail("time unit %d is not one of 0 to %d", u, len(timeUnits)-1)
	}
	if r.err != nil {
		return 0, 0, nil
	}
	if n > uint64(left) {
		r.err = errs.E(errs.TooLarge, "encoded message holds more than %d records", left)
		return 0, 0, nil
	}
	if n*uint64(minRecord) > uint64(len(r.data)-r.pos) {
		r.fail("%d records cannot fit in the %d bytes left", n, len(r.data)-r.pos)
		return 0, 0, nil
	}
	ns := r.uvarint("sensor count")
	if r.err == nil && (ns > n || (n > 0 && ns == 0)) {
		r.fail("%d sensors for %d records", ns, n)
	}
	if r.err != nil {
		return 0, 0, nil
	}
	sensors = make([]string, ns)
	for i := range sensors {
		id := r.text("sensor id", "sensor id length", MaxSensorIDLen)
		if r.err == nil && !validID([]byte(id)) {
			r.fail("sensor id %s: %s", quote(id), checkSensorID(id))
		}
		sensors[i] = id
	}
	return int(n), timeUnits[u], sensors
}

func typeName(t byte) string {
	if t == typeHeartbeats {
		return "heartbeats"
	}
	return "observations"
}

// sensorIndex reads a record's sensor index.
func (r *blockReader) sensorIndex(sensors []string) int {
	i := r.uvarint("sensor index")
	if r.err == nil && i >= uint64(len(sensors)) {
		r.fail("sensor index %d is not below %d", i, len(sensors))
		return 0
	}
	return int(i)
}

// check applies the value rules (without the time window) to a decoded
// record, turning the first problem into a corruption error.
func (r *blockReader) check(p *problems) {
	if r.err == nil && p.count() > 0 {
		pr := p.stored[0]
		r.fail("%s: %s", pr.Field, pr.Message)
	}
}

// AppendEncodedHeartbeats appends hbs to dst as one block of the binary
// encoding. Times keep full nanosecond precision; they must lie within
// the years 1678 to 2262.
func AppendEncodedHeartbeats(dst []byte, hbs []Heartbeat) []byte {
	t := sensorTable{index: make(map[string]uint64)}
	for i := range hbs {
		t.add(hbs[i].Sensor)
	}
	unit := timeUnit(len(hbs), func(i int) time.Time { return hbs[i].Time })
	dst = appendHeader(dst, typeHeartbeats, len(hbs), unit, &t)
	var prev int64
	for i := range hbs {
		h := &hbs[i]
		dst = binary.AppendUvarint(dst, t.index[h.Sensor])
		ts := h.Time.UnixNano() / timeUnits[unit]
		dst = binary.AppendVarint(dst, ts-prev)
		prev = ts
		head := byte(healthCode(h.Health))
		if h.Note != "" {
			head |= 1 << 2
		}
		dst = append(dst, head)
		if h.Note != "" {
			dst = binary.AppendUvarint(dst, uint64(len(h.Note)))
			dst = append(dst, h.Note...)
		}
	}
	return dst
}

// DecodeEncodedHeartbeats decodes a message of heartbeat blocks, checking
// every length and count against lim (MaxBytes, MaxObservations) before
// allocating and every heartbeat against the value rules. Corrupt input
// fails with errs.Invalid. The heartbeats' strings share one copy of data.
func DecodeEncodedHeartbeats(data []byte, lim Limits) ([]Heartbeat, error) {
	lim = lim.withDefaults()
	r, err := newBlockReader(data, lim)
	if err != nil {
		return nil, err
	}
	var out []Heartbeat
	p := problems{list: "heartbeats", max: 1}
	c := checker{p: &p, lim: lim}
	for r.block = 0; r.pos < len(data) && r.err == nil; r.block++ {
		n, unit, sensors := r.header(typeHeartbeats, minHBRecord, lim.MaxObservations-len(out))
		base := len(out)
		out = append(out, make([]Heartbeat, n)...)
		var prev int64
		for r.rec = 0; r.rec < n && r.err == nil; r.rec++ {
			h := &out[base+r.rec]
			h.Sensor = sensors[r.sensorIndex(sensors)]
			prev += r.varint("time")
			h.Time = time.Unix(0, prev*unit).UTC()
			head := r.byte("health")
			if r.err == nil && (head&^7 != 0 || int(head&3) >= len(Healths)) {
				r.fail("bad health byte %#02x", head)
			}
			h.Health = Healths[head&3]
			if head&(1<<2) != 0 {
				h.Note = r.text("note", "note length", 4*MaxNoteLen)
			}
			c.idx = base + r.rec
			c.heartbeat(h, 0, fSensor|fTime)
			r.check(&p)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if out == nil {
		out = []Heartbeat{}
	}
	return out, nil
}

func healthCode(h Health) int {
	for i, v := range Healths {
		if v == h {
			return i
		}
	}
	return 0
}
