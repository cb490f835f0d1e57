package topojson

import "raqib/internal/errs"

// Error reports input that is not a valid topology or exceeds the limits.
// Its text names the offending member, as in
// "topojson: arcs[12][3]: expected a position of 2 or more numbers".
type Error struct {
	// Path locates the offending member, such as "arcs[12][3]" or
	// "objects.countries.geometries[4].arcs[0][2]"; "" means the whole input.
	Path string
	// Msg says what is wrong with it.
	Msg string
	// Code is errs.Invalid for malformed input and errs.TooLarge for input
	// past a limit.
	Code errs.Code
	// Err is the underlying error, if any, such as a JSON syntax error.
	Err error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "topojson: " + e.Msg
	}
	return "topojson: " + e.Path + ": " + e.Msg
}

// Unwrap returns the coded form of the error, so errs.CodeOf reports Code,
// and the underlying error when there is one.
func (e *Error) Unwrap() []error {
	coded := &errs.Error{Code: e.Code, Message: e.Error()}
	if e.Err == nil {
		return []error{coded}
	}
	return []error{coded, e.Err}
}

func invalid(path, msg string) *Error {
	return &Error{Path: path, Msg: msg, Code: errs.Invalid}
}

func tooLarge(path, msg string) *Error {
	return &Error{Path: path, Msg: msg, Code: errs.TooLarge}
}
