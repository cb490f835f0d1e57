package sensor

import (
	"fmt"
	"strconv"
	"strings"

	"raqib/internal/errs"
)

// Problem is one thing wrong with a batch.
type Problem struct {
	// Index is the 0-based index of the record at fault in the batch (the
	// n-th observation or heartbeat, counting only records, not blank
	// lines); -1 for a problem with the batch as a whole.
	Index int
	// Line is the 1-based line of the record in an NDJSON body, and of a
	// JSON syntax error; 0 when not known.
	Line int
	// Field is the path of the field at fault, such as
	// "observations[17].position.lat", or "observations[0]" for the
	// record as a whole; "" for the batch as a whole.
	Field string
	// Message says what is wrong.
	Message string
}

// String formats the problem as "line N: field: message", leaving out the
// parts that are not known.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// BatchError is what the decoders return for a batch they refuse as
// invalid. It lists the problems found, in the order of the records, up to
// Limits.MaxProblems; More counts the ones left out. Its code is
// errs.Invalid.
type BatchError struct {
	Problems []Problem
	More     int
}

// Error lists the problems on one line, separated by semicolons.
func (e *BatchError) Error() string {
	var b strings.Builder
	if n := len(e.Problems) + e.More; n > 1 {
		fmt.Fprintf(&b, "%d problems: ", n)
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; … and %d more", e.More)
	}
	return b.String()
}

// Unwrap gives the error its code, so errs.CodeOf reports errs.Invalid and
// errs.MessageOf the full list.
func (e *BatchError) Unwrap() error {
	return &errs.Error{Code: errs.Invalid, Message: e.Error()}
}

// problems collects the problems of one batch. Messages past the cap are
// counted but not formatted.
type problems struct {
	list   string // "observations" or "heartbeats"
	max    int
	stored []Problem
	more   int
}

// add records a problem of record idx (-1 for the batch) at field (a path
// below the record, "" for the record itself).
func (p *problems) add(idx, line int, field, format string, args ...any) {
	if len(p.stored) >= p.max {
		p.more++
		return
	}
	p.stored = append(p.stored, Problem{
		Index:   idx,
		Line:    line,
		Field:   p.path(idx, field),
		Message: fmt.Sprintf(format, args...),
	})
}

func (p *problems) path(idx int, field string) string {
	if idx < 0 {
		return field
	}
	s := p.list + "[" + strconv.Itoa(idx) + "]"
	if field != "" {
		s += "." + field
	}
	return s
}

func (p *problems) count() int { return len(p.stored) + p.more }

// err returns the collected problems as a *BatchError, or nil if there are
// none.
func (p *problems) err() error {
	if p.count() == 0 {
		return nil
	}
	return &BatchError{Problems: p.stored, More: p.more}
}
