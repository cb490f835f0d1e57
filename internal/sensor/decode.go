package sensor

import (
	"bytes"
	"io"
	"sync"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// DecodeBatch reads a batch of observations from r and validates it
// against lim and the time window around now. contentType is
// "application/json" (a JSON array of observations) or
// "application/x-ndjson" (one observation per line, blank lines skipped),
// optionally with "; charset=utf-8"; contentEncoding is "" or "identity"
// for a plain body and "gzip" for a compressed one.
//
// Times more than lim.MaxFuture ahead of now or lim.MaxAge behind it are
// refused; a zero now skips that check. r is read at most to
// lim.MaxBytes + 1 bytes; pass the raw request body, the limit is applied
// here.
//
// The batch is accepted or refused whole. A body past lim.MaxBytes
// (compressed or decompressed) or holding more than lim.MaxObservations
// observations fails with errs.TooLarge; anything else wrong fails with a
// *BatchError (code errs.Invalid) listing every problem found, each naming
// the record and the field. On failure no observations are returned.
func DecodeBatch(r io.Reader, contentType, contentEncoding string, lim Limits, now time.Time) ([]Observation, error) {
	return decodeBatch(r, contentType, contentEncoding, lim, now, "observations", (*decoder).observation, func(d *decoder, out []Observation) {
		for _, t := range d.texts {
			out[t.idx].Clip = d.text(t)
		}
	})
}

// DecodeHeartbeats is DecodeBatch for heartbeats: a JSON array of them or
// NDJSON, plain or gzip, under the same limits (lim.MaxObservations bounds
// the heartbeats in the batch).
func DecodeHeartbeats(r io.Reader, contentType, contentEncoding string, lim Limits, now time.Time) ([]Heartbeat, error) {
	return decodeBatch(r, contentType, contentEncoding, lim, now, "heartbeats", (*decoder).heartbeat, func(d *decoder, out []Heartbeat) {
		for _, t := range d.texts {
			out[t.idx].Note = d.text(t)
		}
	})
}

// decodeBatch reads the body and splits it into records, each read by one
// and checked; finish sets the records' texts from the arena.
func decodeBatch[T any](r io.Reader, contentType, contentEncoding string, lim Limits, now time.Time,
	list string, one func(*decoder, *T) bool, finish func(*decoder, []T)) ([]T, error) {
	lim = lim.withDefaults()
	f, err := parseContentType(contentType)
	if err != nil {
		return nil, err
	}
	gz, err := parseContentEncoding(contentEncoding)
	if err != nil {
		return nil, err
	}
	d := getDecoder(lim, now, list)
	defer putDecoder(d)
	if err := d.readBody(r, gz); err != nil {
		return nil, err
	}
	var out []T
	if f == formatNDJSON {
		out, err = records(d, one, d.ndjson)
	} else {
		out, err = records(d, one, d.array)
	}
	if err != nil {
		return nil, err
	}
	if err := d.p.err(); err != nil {
		return nil, err
	}
	if len(d.texts) > 0 {
		d.all = string(d.arena)
		finish(d, out)
	}
	return out, nil
}

// decoder holds the state of one batch's decoding. Decoders are pooled;
// nothing it returns aliases its buffers.
type decoder struct {
	body bytes.Buffer
	s    scanner
	base int // offset of s.data in body
	p    problems
	c    checker
	lim  Limits

	intern map[string]string // sensor ids of the batch
	arena  []byte            // the batch's clips or notes, back to back
	texts  []textRef
	all    string // arena as one string, once the batch is complete

	// Slabs for the batch's positions, polars and velocities, so that each
	// costs no allocation of its own.
	positions  slab[geo.LatLon]
	polars     slab[Polar]
	velocities slab[Velocity]
}

// textRef places one record's text in the arena.
type textRef struct{ idx, off, n int }

func (d *decoder) text(t textRef) string { return d.all[t.off : t.off+t.n] }

var decoders = sync.Pool{New: func() any { return &decoder{intern: map[string]string{}} }}

func getDecoder(lim Limits, now time.Time, list string) *decoder {
	d := decoders.Get().(*decoder)
	d.lim = lim
	d.p = problems{list: list, max: lim.MaxProblems}
	d.c = checker{p: &d.p, now: now, lim: lim}
	return d
}

// maxPooledBody is the largest body buffer kept for reuse.
const maxPooledBody = 16 << 20

func putDecoder(d *decoder) {
	if d.body.Cap() > maxPooledBody {
		d.body = bytes.Buffer{}
	}
	d.body.Reset()
	clear(d.intern)
	d.s, d.base = scanner{scratch: d.s.scratch[:0]}, 0
	d.p, d.c = problems{}, checker{}
	d.arena, d.texts, d.all = d.arena[:0], d.texts[:0], ""
	d.positions, d.polars, d.velocities = slab[geo.LatLon]{}, slab[Polar]{}, slab[Velocity]{}
	decoders.Put(d)
}

// hint estimates how many more records the body holds, for sizing slabs.
func (d *decoder) hint() int {
	return min((d.body.Len()-d.base-d.s.pos)/minRecordJSON+1, d.lim.MaxObservations)
}

// minRecordJSON is about the smallest an observation can be in JSON.
const minRecordJSON = 96

// slab hands out pointers into arrays allocated a chunk at a time, so that
// a batch's positions, say, cost one allocation or a few, not one each.
type slab[T any] struct{ buf []T }

// next returns a pointer to a new zero T. When the current chunk is full
// it starts one of n elements.
func (s *slab[T]) next(n int) *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, max(n, 1))
	}
	s.buf = s.buf[:len(s.buf)+1]
	return &s.buf[len(s.buf)-1]
}

// grown is the size of a next chunk when the number of records to come is
// only estimated: twice the last, from 16, but no more than the estimate.
func (s *slab[T]) grown(estimate int) int {
	return min(max(2*cap(s.buf), 16), estimate)
}

// frame is how records are found in a body: one calls read for each.
type frame func(read func(idx, line int) bool) error

// records reads the body's records with fr, each into a new element of
// the result with one.
func records[T any](d *decoder, one func(*decoder, *T) bool, fr frame) ([]T, error) {
	out := make([]T, 0, min(d.body.Len()/minRecordJSON+1, d.lim.MaxObservations))
	err := fr(func(idx, line int) bool {
		if len(out) < cap(out) {
			out = out[:len(out)+1] // the new element is still zero
		} else {
			var zero T
			out = append(out, zero)
		}
		d.c.idx, d.c.line = idx, line
		return one(d, &out[idx])
	})
	return out, err
}

// array reads a JSON array of records. A syntax error ends it.
func (d *decoder) array(read func(idx, line int) bool) error {
	data := d.body.Bytes()
	d.s.data, d.s.pos, d.base = data, 0, 0
	s := &d.s
	switch {
	case !s.more():
		d.p.add(-1, 0, "", "empty body: want a JSON array of %s", d.p.list)
		return nil
	case s.peek() != '[':
		found := s.typeName()
		if found == "" {
			found = s.found()
		}
		d.p.add(-1, 0, "", "want a JSON array of %s, found %s", d.p.list, found)
		return nil
	}
	s.pos++
	idx := -1
	if !s.consume(']') {
		for idx = 0; ; idx++ {
			if idx >= d.lim.MaxObservations {
				return d.tooMany()
			}
			if !read(idx, 0) {
				break
			}
			if s.consume(']') {
				idx = -1
				break
			}
			if !s.consume(',') {
				s.fail("want ',' or ']' after %s[%d], found %s", d.p.list, idx, s.found())
				idx = -1
				break
			}
		}
	}
	if s.err == "" && s.more() {
		s.fail("unexpected %s after the array", s.found())
	}
	if s.err != "" {
		line, col := lineCol(data, s.errPos)
		d.p.add(idx, line, "", "syntax error at column %d: %s", col, s.err)
	}
	return nil
}

// ndjson reads one record per line, skipping blank lines. A syntax error
// ends its line's record only.
func (d *decoder) ndjson(read func(idx, line int) bool) error {
	data := d.body.Bytes()
	s := &d.s
	idx := 0
	for line, start := 1, 0; start < len(data); line++ {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		s.data, s.pos, s.err = data[start:end], 0, ""
		d.base, start = start, end+1
		if !s.more() {
			continue
		}
		if idx >= d.lim.MaxObservations {
			return d.tooMany()
		}
		if read(idx, line) && s.more() {
			s.fail("unexpected %s after the record", s.found())
		}
		if s.err != "" {
			d.p.add(idx, line, "", "syntax error at column %d: %s", s.errPos+1, s.err)
		}
		idx++
	}
	if idx == 0 {
		d.p.add(-1, 0, "", "empty body: want one JSON object per line")
	}
	return nil
}

func (d *decoder) tooMany() error {
	return errs.E(errs.TooLarge, "the batch holds more than %d %s", d.lim.MaxObservations, d.p.list)
}

// format is the framing of a body.
type format int

const (
	formatJSON format = iota + 1
	formatNDJSON
)

// parseContentType accepts the JSON and NDJSON media types, with an
// optional UTF-8 charset.
func parseContentType(ct string) (format, error) {
	mt, params, _ := bytes.Cut([]byte(ct), []byte(";"))
	mt = bytes.ToLower(bytes.TrimSpace(mt))
	var f format
	switch string(mt) {
	case "application/json":
		f = formatJSON
	case "application/x-ndjson", "application/ndjson":
		f = formatNDJSON
	case "":
		return 0, errs.E(errs.Invalid, "content type is missing: want application/json or application/x-ndjson")
	default:
		return 0, errs.E(errs.Invalid, "content type %s is not supported: want application/json or application/x-ndjson", quote(ct))
	}
	for p := range bytes.SplitSeq(params, []byte(";")) {
		k, v, _ := bytes.Cut(p, []byte("="))
		k, v = bytes.TrimSpace(k), bytes.Trim(bytes.TrimSpace(v), `"`)
		if len(k) == 0 {
			continue
		}
		if !bytes.EqualFold(k, []byte("charset")) || !(bytes.EqualFold(v, []byte("utf-8")) || bytes.EqualFold(v, []byte("utf8"))) {
			return 0, errs.E(errs.Invalid, "content type %s is not supported: the only parameter allowed is charset=utf-8", quote(ct))
		}
	}
	return f, nil
}

// parseContentEncoding reports whether the body is gzip.
func parseContentEncoding(ce string) (bool, error) {
	switch string(bytes.ToLower(bytes.TrimSpace([]byte(ce)))) {
	case "", "identity":
		return false, nil
	case "gzip", "x-gzip":
		return true, nil
	}
	return false, errs.E(errs.Invalid, "content encoding %s is not supported: want gzip or none", quote(ce))
}
