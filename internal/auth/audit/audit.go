// Package audit keeps Raqib's tamper-evident audit trail: every change of
// state (a login, a lockout, an alert acknowledged, assigned, dispatched or
// dismissed, a theater edit, a role grant, a threshold change, a custody
// entry) is appended as an Entry to one hash chain, and the head of the
// chain is signed from time to time as a checkpoint in the signed-note
// format of golang.org/x/mod/sumdb/note.
//
// # Chain
//
// Entries are numbered 1, 2, 3... without gaps. Each entry's hash is
//
//	Hash = SHA-256(PrevHash || encoding(entry))
//
// where PrevHash is the previous entry's Hash (32 zero bytes for entry 1)
// and encoding(entry) is, in order:
//
//	version  1 byte   0x01
//	seq      8 bytes  unsigned, big-endian
//	time     8 bytes  Unix nanoseconds UTC, two's complement, big-endian
//	actor    4-byte big-endian length, then the UTF-8 bytes
//	force    length-prefixed as actor
//	action   length-prefixed as actor
//	object   length-prefixed as actor
//	sector   length-prefixed as actor
//	outcome  length-prefixed as actor
//	detail   length-prefixed as actor: the canonical JSON of the detail
//
// Every variable field carries its length, so no two different entries
// share an encoding. The canonical detail is described at CanonicalDetail.
// The stored bytes are what is hashed: a verifier never re-encodes them.
//
// # What the chain shows
//
// Altering any stored field of an entry breaks its hash; removing an entry
// leaves a gap in the sequence or breaks the next entry's link; inserting
// one breaks a link or duplicates a sequence number. Anyone who can write
// the database can recompute a whole chain, so the chain alone proves
// nothing against the database's owner: signed checkpoints do. A
// checkpoint commits to the hash of entry N and so to entries 1..N, and
// only the holder of the signing key can make one. Entries after the last
// checkpoint can be removed from the end without trace; checkpoint often
// (Config.CheckpointEvery, Log.Checkpoint) and copy checkpoints off the
// machine to bound that window.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"raqib/internal/errs"
)

// Outcome says whether the action was carried out.
type Outcome string

// The outcomes.
const (
	OutcomeOK      Outcome = "ok"
	OutcomeRefused Outcome = "refused"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool { return o == OutcomeOK || o == OutcomeRefused }

// HashSize is the size of a chain hash in bytes.
const HashSize = sha256.Size

// Hash is a SHA-256 chain hash. It is written as lower-case hex in JSON.
type Hash [HashSize]byte

// String returns the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Short returns the first four bytes in hex followed by an ellipsis, for
// messages.
func (h Hash) Short() string { return hex.EncodeToString(h[:4]) + "…" }

// IsZero reports whether every byte is zero (the previous hash of entry 1).
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText writes the hash in hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash written in hex.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash reads 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, errs.E(errs.Invalid, "%d characters, want %d hex digits", len(s), 2*HashSize)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, errs.E(errs.Invalid, "not hex: %v", err)
	}
	return h, nil
}

// Entry is one record of the audit trail.
type Entry struct {
	Seq      uint64          `json:"seq"`       // 1, 2, 3... assigned by the store
	Time     time.Time       `json:"time"`      // UTC, nanoseconds; set by the Log's clock
	Actor    string          `json:"actor"`     // user name, or "system"
	Force    string          `json:"force"`     // the actor's force; may be empty
	Action   string          `json:"action"`    // dotted name, e.g. "alert.acknowledge"
	Object   string          `json:"object"`    // e.g. "alert/42"; may be empty
	Sector   string          `json:"sector"`    // may be empty
	Outcome  Outcome         `json:"outcome"`   // ok or refused
	Detail   json.RawMessage `json:"detail"`    // a JSON object, stored canonically
	PrevHash Hash            `json:"prev_hash"` // the previous entry's hash
	Hash     Hash            `json:"hash"`      // SHA-256(PrevHash || encoding)
}

// Checkpoint is a signed statement that the trail had Size entries and that
// entry Size had hash Hash, at Time. Note is the signed note; Size, Hash and
// Time repeat what it says, and a verifier checks that they agree.
type Checkpoint struct {
	Size uint64    `json:"size"`
	Hash Hash      `json:"hash"`
	Time time.Time `json:"time"`
	Note string    `json:"note"`
}

// Store keeps the trail. Implementations: raqib/internal/store/sqlite.
type Store interface {
	// AppendAudit appends e in one transaction: it reads the last entry,
	// sets e.Seq to its sequence number plus one (1 for an empty trail) and
	// e.PrevHash to its hash (zero for an empty trail), calls seal(&e) to
	// fill in the rest (time and hash), inserts e, and commits durably
	// before returning the stored entry. Two appends never get the same
	// sequence number or previous hash. An error from seal aborts the
	// append and is returned.
	AppendAudit(ctx context.Context, e Entry, seal func(*Entry) error) (Entry, error)
	// ScanAudit calls fn for every entry with a sequence number above
	// after, in sequence order, until fn returns an error, which ScanAudit
	// returns. fn may call the store. A stored row that cannot be read as
	// an entry ends the scan with a *MalformedError.
	ScanAudit(ctx context.Context, after uint64, fn func(Entry) error) error
	// AuditRange is ScanAudit over the entries whose time is in
	// [from, to); a zero bound is open.
	AuditRange(ctx context.Context, from, to time.Time, fn func(Entry) error) error
	// AuditTail returns the last entry; ok is false for an empty trail.
	AuditTail(ctx context.Context) (e Entry, ok bool, err error)
	// AddAuditCheckpoint stores a checkpoint; a second checkpoint of the
	// same size is a conflict.
	AddAuditCheckpoint(ctx context.Context, cp Checkpoint) error
	// AuditCheckpoints calls fn for every checkpoint in order of size,
	// until fn returns an error, which it returns. fn may call the store.
	AuditCheckpoints(ctx context.Context, fn func(Checkpoint) error) error
}

// MalformedError reports a stored entry that cannot be read as an entry: a
// column of the wrong type or size. Verify reports it as an altered entry.
type MalformedError struct {
	Seq     uint64
	Field   string
	Problem string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("audit entry %d: %s: %s", e.Seq, e.Field, e.Problem)
}

// encodingVersion is the first byte of every entry's encoding.
const encodingVersion = 1

// AppendEncoding appends the canonical encoding of e, described in the
// package comment, to dst. PrevHash and Hash are not part of it.
func AppendEncoding(dst []byte, e *Entry) []byte {
	dst = append(dst, encodingVersion)
	dst = binary.BigEndian.AppendUint64(dst, e.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixNano()))
	for _, s := range [...]string{e.Actor, e.Force, e.Action, e.Object, e.Sector, string(e.Outcome)} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Detail)))
	return append(dst, e.Detail...)
}

// HashEntry returns SHA-256(e.PrevHash || encoding(e)), the hash e must
// carry.
func HashEntry(e *Entry) Hash {
	var h hasher
	return h.hash(e)
}

// hasher computes entry hashes reusing its buffer and state.
type hasher struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

func (h *hasher) hash(e *Entry) Hash {
	if h.h == nil {
		h.h = sha256.New()
	}
	h.h.Reset()
	h.h.Write(e.PrevHash[:])
	h.buf = AppendEncoding(h.buf[:0], e)
	h.h.Write(h.buf)
	h.sum = h.h.Sum(h.sum[:0])
	return Hash(h.sum)
}

// Field limits, in bytes.
const (
	MaxActor  = 128
	MaxForce  = 64
	MaxAction = 64
	MaxObject = 256
	MaxSector = 64
)

var actionPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// checkText refuses a field that is too long, not UTF-8 or holds control
// characters.
func checkText(field, s string, max int, required bool) error {
	switch {
	case s == "" && required:
		return errs.E(errs.Invalid, "%s: required", field)
	case len(s) > max:
		return errs.E(errs.Invalid, "%s: %d bytes, longer than %d", field, len(s), max)
	case !utf8.ValidString(s):
		return errs.E(errs.Invalid, "%s: not valid UTF-8", field)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errs.E(errs.Invalid, "%s: holds a control character", field)
	}
	return nil
}

// validate checks the fields a caller fills in; the error names the field.
func (e *Entry) validate() error {
	if err := checkText("actor", e.Actor, MaxActor, true); err != nil {
		return err
	}
	if err := checkText("force", e.Force, MaxForce, false); err != nil {
		return err
	}
	if err := checkText("action", e.Action, MaxAction, true); err != nil {
		return err
	}
	if !actionPattern.MatchString(e.Action) {
		return errs.E(errs.Invalid, "action: %q is not a dotted lower-case name like alert.acknowledge", e.Action)
	}
	if err := checkText("object", e.Object, MaxObject, false); err != nil {
		return err
	}
	if err := checkText("sector", e.Sector, MaxSector, false); err != nil {
		return err
	}
	if !e.Outcome.Valid() {
		return errs.E(errs.Invalid, "outcome: %q is not %q or %q", e.Outcome, OutcomeOK, OutcomeRefused)
	}
	return nil
}
