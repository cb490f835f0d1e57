package eventlog

import (
	"bytes"
	"errors"
	"testing"

	"raqib/internal/errs"
)

type rec struct {
	kind    RecordKind
	payload []byte
}

func encode(recs ...rec) []byte {
	buf := appendHeader(nil, len(recs))
	for _, r := range recs {
		buf = appendRecord(buf, r.kind, r.payload)
	}
	return buf
}

func decodeAll(data []byte) ([]rec, error) {
	var out []rec
	err := decodeContainer(data, func(_ int, kind RecordKind, payload []byte) error {
		out = append(out, rec{kind, payload})
		return nil
	})
	return out, err
}

func TestContainerRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		recs []rec
	}{
		{"one", []rec{{1, []byte("a")}}},
		{"empty payload", []rec{{2, nil}}},
		{"several kinds", []rec{{1, []byte("x")}, {255, []byte("yy")}, {7, nil}}},
		{"long length", []rec{{1, bytes.Repeat([]byte{9}, 300)}, {1, bytes.Repeat([]byte{8}, 70000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encode(tt.recs...)
			got, err := decodeAll(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.recs) {
				t.Fatalf("decoded %d records, want %d", len(got), len(tt.recs))
			}
			for i := range got {
				if got[i].kind != tt.recs[i].kind || !bytes.Equal(got[i].payload, tt.recs[i].payload) {
					t.Errorf("record %d = %v, want %v", i, got[i], tt.recs[i])
				}
			}
			if n, err := containerCount(data); err != nil || n != len(tt.recs) {
				t.Errorf("containerCount = %d, %v", n, err)
			}
		})
	}
}

func TestContainerRejects(t *testing.T) {
	good := encode(rec{1, []byte("abc")}, rec{2, []byte("de")})
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{2}, good[1:]...)},
		{"no count", []byte{containerVersion}},
		{"zero records", []byte{containerVersion, 0}},
		{"count beyond the bytes", []byte{containerVersion, 100, 1, 0}},
		{"count beyond the limit", append([]byte{containerVersion, 0x81, 0x80, 0x04}, make([]byte, 1<<18)...)},
		{"kind 0", encode(rec{0, []byte("a")})},
		{"length beyond the bytes", []byte{containerVersion, 1, 1, 10, 'a'}},
		{"huge length", []byte{containerVersion, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'}},
		{"bad length varint", []byte{containerVersion, 1, 1, 0xff, 0xff}},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", append(good, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := decodeContainer(tt.data, func(int, RecordKind, []byte) error { calls++; return nil })
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("decode = %v, want invalid", err)
			}
			if calls != 0 {
				t.Errorf("fn called %d times for a malformed container", calls)
			}
		})
	}
}

func TestContainerStopsOnCallbackError(t *testing.T) {
	data := encode(rec{1, []byte("a")}, rec{1, []byte("b")}, rec{1, []byte("c")})
	stop := errors.New("stop here")
	calls := 0
	err := decodeContainer(data, func(i int, _ RecordKind, _ []byte) error {
		calls++
		if i == 1 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Errorf("decode = %v after %d calls, want the callback's error after 2", err, calls)
	}
}

// FuzzDecode checks that no input makes the decoder panic or return an
// error other than Invalid, and that what it accepts encodes back to a
// container holding the same records. Its seeds are in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := decodeAll(data)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("decode error %v is not invalid", err)
			}
			return
		}
		// Uvarints may arrive in a longer form than the encoder writes, so
		// compare records, not bytes.
		back, err := decodeAll(encode(recs...))
		if err != nil || len(back) != len(recs) {
			t.Fatalf("re-encoding %d records: %d back, %v", len(recs), len(back), err)
		}
		for i := range recs {
			if back[i].kind != recs[i].kind || !bytes.Equal(back[i].payload, recs[i].payload) {
				t.Fatalf("record %d changed on re-encoding", i)
			}
		}
	})
}
