package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"raqib/internal/errs"
)

// TestHashEntryEncoding builds the hash of an entry byte by byte as the
// package comment and docs/audit.md describe it.
func TestHashEntryEncoding(t *testing.T) {
	e := Entry{
		Seq: 17, Time: time.Date(2026, 3, 1, 6, 0, 0, 123456789, time.UTC),
		Actor: "ahmed", Force: "border-guard", Action: "alert.dismiss", Object: "alert/42", Sector: "S06",
		Outcome: OutcomeOK, Detail: []byte(`{"reason":"livestock"}`), PrevHash: Hash{0: 0xaa, 31: 0x55},
	}
	var b []byte
	b = append(b, e.PrevHash[:]...)
	b = append(b, 1)
	b = binary.BigEndian.AppendUint64(b, 17)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	for _, s := range []string{"ahmed", "border-guard", "alert.dismiss", "alert/42", "S06", "ok", `{"reason":"livestock"}`} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	want := Hash(sha256.Sum256(b))
	if got := HashEntry(&e); got != want {
		t.Fatalf("HashEntry = %s, want %s", got, want)
	}
	// Pinned, so that a change of encoding cannot pass unnoticed.
	const pinned = "a57c3ae813267620609517ca6bbdd71ef25e7e5bdb5c2a6e1fca40dd4b3ff44d"
	if got := HashEntry(&e).String(); got != pinned {
		t.Fatalf("HashEntry = %s, pinned %s", got, pinned)
	}
}

// TestEncodingUnambiguous: moving bytes from one field to the next changes
// the hash.
func TestEncodingUnambiguous(t *testing.T) {
	a := Entry{Seq: 1, Time: t0, Actor: "ab", Force: "c", Action: "x.y", Outcome: OutcomeOK, Detail: []byte("{}")}
	b := a
	b.Actor, b.Force = "a", "bc"
	c := a
	c.Object, c.Sector = "s", ""
	d := a
	d.Object, d.Sector = "", "s"
	seen := map[Hash]string{}
	for name, e := range map[string]Entry{"a": a, "b": b, "c": c, "d": d} {
		h := HashEntry(&e)
		if other, ok := seen[h]; ok {
			t.Fatalf("entries %s and %s hash the same", name, other)
		}
		seen[h] = name
	}
}

func TestHashText(t *testing.T) {
	h := Hash{0: 0x3f, 1: 0xa1, 31: 0x01}
	b, err := json.Marshal(h)
	if err != nil || string(b) != `"3fa1`+string(bytes.Repeat([]byte("00"), 29))+`01"` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back Hash
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Fatalf("unmarshal: %v %v", back, err)
	}
	if h.Short() != "3fa10000…" {
		t.Fatalf("short %q", h.Short())
	}
	for _, bad := range []string{"", "3fa1", string(bytes.Repeat([]byte("zz"), 32))} {
		if _, err := ParseHash(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParseHash(%q): %v", bad, err)
		}
	}
}

func TestEntryJSON(t *testing.T) {
	e := Entry{Seq: 3, Time: t0, Actor: "a", Action: "x.y", Outcome: OutcomeRefused, Detail: []byte(`{"k":1}`)}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"seq":3,"time":"2026-03-01T06:00:00Z","actor":"a","force":"","action":"x.y","object":"","sector":"","outcome":"refused","detail":{"k":1},"prev_hash":"` +
		"0000000000000000000000000000000000000000000000000000000000000000" + `","hash":"0000000000000000000000000000000000000000000000000000000000000000"}`
	if string(b) != want {
		t.Fatalf("json\n got %s\nwant %s", b, want)
	}
}
