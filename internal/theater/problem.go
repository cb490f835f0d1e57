package theater

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"raqib/internal/errs"
)

// Problem is one thing wrong with a theater: where it is and what it is.
type Problem struct {
	// File is the file's name relative to the theater directory.
	File string
	// Line and Column are 1-based; zero when the place is not known, as for
	// a theater built in code or a file that could not be read.
	Line   int
	Column int
	// Field is the path of the field at fault, such as "sectors[3].to_km";
	// empty for a problem with the file as a whole.
	Field   string
	Message string
}

// String formats the problem as "file:line:col: field: message", leaving out
// the parts that are not known.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError is what Load and Validate return when a theater has
// problems. It carries every problem found, sorted by file and position.
// Its code is errs.Invalid.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "theater: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap gives the error its code, so errs.CodeOf reports errs.Invalid.
func (e *ValidationError) Unwrap() error {
	return errs.E(errs.Invalid, "theater has %d problem(s)", len(e.Problems))
}

// SortProblems orders problems by file, line, column, field and message,
// and drops exact duplicates.
func SortProblems(ps []Problem) []Problem {
	slices.SortFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(ps)
}
