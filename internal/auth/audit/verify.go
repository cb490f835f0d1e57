package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// ProblemKind classifies what a verifier found.
type ProblemKind string

// The kinds of problem.
const (
	// Altered: an entry's stored hash does not match its content.
	Altered ProblemKind = "altered"
	// Removed: sequence numbers are missing, between entries, at the start,
	// or at the end below a signed checkpoint.
	Removed ProblemKind = "removed"
	// Inserted: a sequence number appears twice or out of order, an
	// entry's previous hash is not its predecessor's hash, or entries were
	// renumbered to make room.
	Inserted ProblemKind = "inserted"
	// BadCheckpoint: a checkpoint's signature does not verify, its note is
	// malformed or disagrees with its stored fields, or its hash is not the
	// chain's hash at its size.
	BadCheckpoint ProblemKind = "checkpoint"
)

// Problem is the first thing wrong with a trail.
type Problem struct {
	Kind    ProblemKind
	Seq     uint64 // the first entry concerned, or the checkpoint's size
	Message string // e.g. "entry 17: altered: stored hash 3fa1… does not match its content (9b0c…)"
}

func (p *Problem) Error() string { return p.Message }

// Report is the outcome of a verification.
type Report struct {
	Entries     uint64 // entries whose hash and link were checked
	First, Last uint64 // the first and last of them; 0 if none
	Head        Hash   // the hash of entry Last
	Checkpoints int    // checkpoints whose hash was found in the chain
	Unverified  int    // of those, checkpoints whose signature was not checked: no verifier was given
	Skipped     int    // checkpoints below the first entry of an export, which cannot be checked
	Problem     *Problem
}

// OK reports whether no problem was found.
func (r Report) OK() bool { return r.Problem == nil }

// Err returns nil for an intact trail, else a conflict error carrying the
// problem's message.
func (r Report) Err() error {
	if r.Problem == nil {
		return nil
	}
	return fmt.Errorf("audit trail: %w", errs.E(errs.Conflict, "%s", r.Problem.Message))
}

// Verify recomputes the whole trail in the store, in order and without
// loading it into memory, and checks every checkpoint: its signature
// against verifiers (nil: signatures are not checked and the checkpoints
// are counted as unverified) and its hash against the chain's. The report
// names the first problem; the error is only for failing to read.
func Verify(ctx context.Context, store Store, verifiers note.Verifiers) (Report, error) {
	v := newVerifier(verifiers, true)
	err := store.AuditCheckpoints(ctx, func(cp Checkpoint) error {
		v.addCheckpoint(&cp)
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("audit verify: checkpoints: %w", err)
	}
	err = store.ScanAudit(ctx, 0, func(e Entry) error {
		if !v.entry(&e) {
			return errStop
		}
		return nil
	})
	var bad *MalformedError
	switch {
	case errors.As(err, &bad):
		v.malformed(bad)
	case err != nil && !errors.Is(err, errStop):
		return Report{}, fmt.Errorf("audit verify: entries: %w", err)
	}
	return v.finish(), nil
}

// VerifyEntries checks entries given in memory, in the order given, with
// their checkpoints. If the first entry is entry 1 its previous hash must
// be zero; otherwise the chain is taken to start from the first entry's
// previous hash, as in an export of a time range, and checkpoints below
// it are skipped.
func VerifyEntries(entries []Entry, checkpoints []Checkpoint, verifiers note.Verifiers) Report {
	v := newVerifier(verifiers, false)
	for i := range checkpoints {
		v.addCheckpoint(&checkpoints[i])
	}
	for i := range entries {
		if !v.entry(&entries[i]) {
			break
		}
	}
	return v.finish()
}

// pendingCheckpoint is a checkpoint waiting for the chain to reach its
// size.
type pendingCheckpoint struct {
	size       uint64
	hash       Hash
	problem    string // what is wrong with the checkpoint itself
	unverified bool
}

// verifier checks a chain fed to it entry by entry.
type verifier struct {
	known     note.Verifiers
	fromStart bool // the chain must start at entry 1
	hasher    hasher
	pending   []pendingCheckpoint // by size
	started   bool
	report    Report
}

func newVerifier(known note.Verifiers, fromStart bool) *verifier {
	return &verifier{known: known, fromStart: fromStart}
}

func (v *verifier) fail(kind ProblemKind, seq uint64, format string, args ...any) {
	if v.report.Problem == nil {
		v.report.Problem = &Problem{Kind: kind, Seq: seq, Message: fmt.Sprintf(format, args...)}
	}
}

// span names a run of entries.
func span(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("entry %d", from)
	}
	return fmt.Sprintf("entries %d..%d", from, to)
}

// addCheckpoint checks a checkpoint's note and queues it for the chain. A
// checkpoint of the entry just checked is checked at once.
func (v *verifier) addCheckpoint(cp *Checkpoint) {
	p := v.prepare(cp)
	r := &v.report
	switch {
	case v.started && p.size == r.Last:
		v.checkpointAt(p)
	case v.started && p.size < r.First:
		v.skip(p)
	case v.started && p.size < r.Last:
		v.fail(BadCheckpoint, p.size, "checkpoint at size %d: out of order: it follows entry %d", p.size, r.Last)
	default:
		i, _ := slices.BinarySearchFunc(v.pending, p.size, func(q pendingCheckpoint, size uint64) int {
			return compare(q.size, size+1) // after any of the same size
		})
		v.pending = slices.Insert(v.pending, i, p)
	}
}

func compare(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// prepare opens a checkpoint's note and checks that it agrees with the
// stored fields.
func (v *verifier) prepare(cp *Checkpoint) pendingCheckpoint {
	p := pendingCheckpoint{size: cp.Size, hash: cp.Hash}
	n, err := note.Open([]byte(cp.Note), v.known)
	var unverified *note.UnverifiedNoteError
	switch {
	case err == nil:
	case v.known == nil && errors.As(err, &unverified):
		n, p.unverified = unverified.Note, true
	default:
		p.problem = "signature does not verify: " + noteProblem(err)
		return p
	}
	body, err := parseCheckpointText(n.Text)
	if err != nil {
		p.problem = "signed note is malformed: " + errs.MessageOf(err)
		return p
	}
	if cp.Size == 0 {
		p.problem = "there is no entry 0"
		return p
	}
	if body.size != cp.Size || body.hash != cp.Hash || !body.time.Equal(cp.Time) {
		p.problem = fmt.Sprintf("stored fields (size %d, hash %s, time %s) differ from its signed note (size %d, hash %s, time %s)",
			cp.Size, cp.Hash.Short(), cp.Time.UTC().Format(timeFormat), body.size, body.hash.Short(), body.time.Format(timeFormat))
	}
	return p
}

const timeFormat = "2006-01-02T15:04:05.999999999Z07:00"

// noteProblem describes why note.Open refused a note.
func noteProblem(err error) string {
	var unverified *note.UnverifiedNoteError
	if errors.As(err, &unverified) {
		var keys []string
		for _, s := range unverified.Note.UnverifiedSigs {
			keys = append(keys, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
		}
		return "signed by no known key (signed by " + strings.Join(keys, ", ") + ")"
	}
	return err.Error()
}

// entry checks the next entry; it returns false once a problem is found.
func (v *verifier) entry(e *Entry) bool {
	r := &v.report
	if r.Problem != nil {
		return false
	}
	expectPrev := r.Head
	if !v.started {
		v.started = true
		if v.fromStart && e.Seq != 1 {
			if e.Seq == 0 {
				v.fail(Inserted, 0, "entry 0: inserted: sequence numbers start at 1")
			} else {
				v.fail(Removed, 1, "%s missing: removed (the trail starts at entry %d)", span(1, e.Seq-1), e.Seq)
			}
			return false
		}
		r.First = e.Seq
		if e.Seq != 1 {
			expectPrev = e.PrevHash // an export of a time range starts mid-chain
		}
		for len(v.pending) > 0 && v.pending[0].size < e.Seq {
			v.skip(v.pending[0])
			v.pending = v.pending[1:]
		}
	} else {
		switch {
		case e.Seq == r.Last:
			v.fail(Inserted, e.Seq, "entry %d: inserted: a second entry %d follows the first", e.Seq, e.Seq)
		case e.Seq < r.Last:
			v.fail(Inserted, e.Seq, "entry %d: inserted: out of order after entry %d", e.Seq, r.Last)
		case e.Seq > r.Last+1:
			v.fail(Removed, r.Last+1, "%s missing: removed (entry %d follows entry %d)", span(r.Last+1, e.Seq-1), e.Seq, r.Last)
		}
		if r.Problem != nil {
			return false
		}
	}
	if got := v.hasher.hash(e); got != e.Hash {
		v.contentMismatch(e, got)
		return false
	}
	if e.PrevHash != expectPrev {
		if e.Seq == 1 {
			v.fail(Inserted, 1, "entry 1: inserted: its previous hash %s is not zero", e.PrevHash.Short())
		} else {
			v.fail(Inserted, e.Seq, "entry %d: inserted: its previous hash %s is not entry %d's hash %s (or entry %d was rewritten with a new hash)",
				e.Seq, e.PrevHash.Short(), r.Last, expectPrev.Short(), r.Last)
		}
		return false
	}
	r.Entries++
	r.Last, r.Head = e.Seq, e.Hash
	for len(v.pending) > 0 && v.pending[0].size == e.Seq {
		p := v.pending[0]
		v.pending = v.pending[1:]
		v.checkpointAt(p)
	}
	return r.Problem == nil
}

// renumberWindow is how far a verifier looks for the sequence number an
// entry was sealed with, when its hash does not match.
const renumberWindow = 64

// contentMismatch reports an entry whose hash does not match its content:
// altered, unless the content matches under a nearby sequence number, which
// means entries were inserted or removed and the rest renumbered.
func (v *verifier) contentMismatch(e *Entry, got Hash) {
	seq := e.Seq
	for d := uint64(1); d <= renumberWindow; d++ {
		if seq > d {
			if v.sealedAs(e, seq-d) {
				v.fail(Inserted, seq-d, "%s inserted: the entry now numbered %d was sealed as entry %d and renumbered", span(seq-d, seq-1), seq, seq-d)
				return
			}
		}
		if seq+d > seq && v.sealedAs(e, seq+d) {
			v.fail(Removed, seq, "%s missing: removed (the entry now numbered %d was sealed as entry %d and renumbered)", span(seq, seq+d-1), seq, seq+d)
			return
		}
	}
	v.fail(Altered, seq, "entry %d: altered: stored hash %s does not match its content (%s)", seq, e.Hash.Short(), got.Short())
}

func (v *verifier) sealedAs(e *Entry, seq uint64) bool {
	c := *e
	c.Seq = seq
	return v.hasher.hash(&c) == e.Hash
}

// malformed reports a stored entry that could not be read.
func (v *verifier) malformed(m *MalformedError) {
	v.fail(Altered, m.Seq, "entry %d: altered: %s: %s", m.Seq, m.Field, m.Problem)
}

// checkpointAt checks a checkpoint whose size is the entry just checked.
func (v *verifier) checkpointAt(p pendingCheckpoint) {
	r := &v.report
	if p.problem != "" {
		v.fail(BadCheckpoint, p.size, "checkpoint at size %d: %s", p.size, p.problem)
		return
	}
	if p.hash != r.Head {
		v.fail(BadCheckpoint, p.size, "checkpoint at size %d: its hash %s is not entry %d's hash %s: the entries up to %d were rewritten, or the checkpoint is forged",
			p.size, p.hash.Short(), p.size, r.Head.Short(), p.size)
		return
	}
	r.Checkpoints++
	if p.unverified {
		r.Unverified++
	}
}

// skip passes over a checkpoint below the first entry: in an export of a
// time range it cannot be checked; in a chain from entry 1 it can only be
// the checkpoint of size 0, which is bad.
func (v *verifier) skip(p pendingCheckpoint) {
	if v.fromStart || v.report.First == 1 {
		v.checkpointAt(p)
		return
	}
	v.report.Skipped++
}

// finish reports the checkpoints beyond the last entry: entries removed
// from the end, up to the largest checkpoint that checks out, unless a bad
// checkpoint comes first.
func (v *verifier) finish() Report {
	r := &v.report
	if r.Problem != nil || len(v.pending) == 0 {
		return *r
	}
	var signed uint64
	for _, p := range v.pending {
		if p.problem != "" {
			if signed == 0 {
				v.fail(BadCheckpoint, p.size, "checkpoint at size %d: %s", p.size, p.problem)
				return *r
			}
			break
		}
		signed = p.size
	}
	if !v.started {
		v.fail(Removed, 1, "%s missing: removed (a checkpoint at size %d was signed; the trail is empty)", span(1, signed), signed)
	} else {
		v.fail(Removed, r.Last+1, "%s missing: removed (a checkpoint at size %d was signed; the trail ends at entry %d)",
			span(r.Last+1, signed), signed, r.Last)
	}
	return *r
}
