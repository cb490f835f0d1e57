package audit

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// A checkpoint's signed text has four lines, in the manner of the
// transparency-log checkpoints of c2sp.org/tlog-checkpoint:
//
//	raqib.audit                                   the origin (Config.Origin)
//	256                                           the size: the number of entries
//	w7Tk9lT0Vx1kZLKbuo5NY1ZVbC7q1p7RE2F9JxNV1Ww=  the hash of entry <size>, standard base64
//	time 2026-03-01T06:00:00.123456789Z           when it was signed, RFC 3339 UTC
//
// followed by the note's blank line and signature lines
// ("— <key name> <base64 signature>").

// checkpointText returns the text to sign for a checkpoint.
func checkpointText(origin string, size uint64, h Hash, at time.Time) string {
	var b strings.Builder
	b.WriteString(origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatUint(size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
	b.WriteString("\ntime ")
	b.WriteString(at.UTC().Format(time.RFC3339Nano))
	b.WriteByte('\n')
	return b.String()
}

// checkpointBody is what a checkpoint's text says.
type checkpointBody struct {
	origin string
	size   uint64
	hash   Hash
	time   time.Time
}

// parseCheckpointText reads a checkpoint's signed text strictly: every
// field must be written the one way checkpointText writes it.
func parseCheckpointText(text string) (checkpointBody, error) {
	var c checkpointBody
	if len(text) > maxCheckpointText {
		return c, errs.E(errs.TooLarge, "checkpoint text: %d bytes, longer than %d", len(text), maxCheckpointText)
	}
	body, ok := strings.CutSuffix(text, "\n")
	if !ok {
		return c, errs.E(errs.Invalid, "checkpoint text: does not end with a newline")
	}
	lines := strings.Split(body, "\n")
	if len(lines) != 4 {
		return c, errs.E(errs.Invalid, "checkpoint text: %d lines, want 4 (origin, size, hash, time)", len(lines))
	}
	if err := checkOrigin(lines[0]); err != nil {
		return c, err
	}
	c.origin = lines[0]
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return c, errs.E(errs.Invalid, "checkpoint size: %q is not a decimal number", lines[1])
	}
	c.size = size
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != HashSize || base64.StdEncoding.EncodeToString(raw) != lines[2] {
		return c, errs.E(errs.Invalid, "checkpoint hash: %q is not %d bytes in standard base64", lines[2], HashSize)
	}
	copy(c.hash[:], raw)
	stamp, ok := strings.CutPrefix(lines[3], "time ")
	if !ok {
		return c, errs.E(errs.Invalid, "checkpoint time: line 4 does not start with \"time \"")
	}
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil || at.Location() != time.UTC || at.Format(time.RFC3339Nano) != stamp {
		return c, errs.E(errs.Invalid, "checkpoint time: %q is not an RFC 3339 UTC time", stamp)
	}
	c.time = at
	return c, nil
}

// maxCheckpointText bounds a checkpoint's text; a real one is under 200
// bytes.
const maxCheckpointText = 1 << 10

// checkOrigin refuses an origin that would not make a one-line, printable
// first line.
func checkOrigin(origin string) error {
	switch {
	case origin == "":
		return errs.E(errs.Invalid, "origin: required")
	case len(origin) > 256:
		return errs.E(errs.Invalid, "origin: %d bytes, longer than 256", len(origin))
	case !utf8.ValidString(origin):
		return errs.E(errs.Invalid, "origin: not valid UTF-8")
	case strings.IndexFunc(origin, unicode.IsControl) >= 0:
		return errs.E(errs.Invalid, "origin: holds a control character")
	}
	return nil
}

// signCheckpoint makes the checkpoint of entry e.
func signCheckpoint(signer note.Signer, origin string, e *Entry, at time.Time) (Checkpoint, error) {
	at = time.Unix(0, at.UnixNano()).UTC()
	msg, err := note.Sign(&note.Note{Text: checkpointText(origin, e.Seq, e.Hash, at)}, signer)
	if err != nil {
		return Checkpoint{}, errs.E(errs.Internal, "sign checkpoint %d: %v", e.Seq, err)
	}
	return Checkpoint{Size: e.Seq, Hash: e.Hash, Time: at, Note: string(msg)}, nil
}
