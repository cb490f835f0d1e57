package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"raqib/internal/errs"
)

// Detail limits.
const (
	MaxDetail      = 16 << 10 // bytes, before and after canonicalization
	MaxDetailDepth = 8        // the object itself is depth 1
)

// CanonicalDetail returns the canonical form of an entry's detail, which is
// what is stored and hashed. Empty input gives "{}". The detail must be one
// JSON object, in valid UTF-8, at most MaxDetail bytes, nested at most
// MaxDetailDepth deep (objects and arrays both count), with no key twice in
// an object. The canonical form is the same value written
//
//   - with no whitespace outside strings;
//   - with object members sorted by key, comparing the keys' UTF-8 bytes;
//   - with strings escaped only where JSON requires it: `\"`, `\\`, and
//     control characters below U+0020 as \b \f \n \r \t or \u00XX
//     (lower-case hex); every other character is written as itself;
//   - with numbers, true, false and null exactly as written in the input.
//
// Numbers are not normalized: 1, 1.0 and 1e0 stay different. Callers that
// marshal with encoding/json write numbers one way, which is enough.
// CanonicalDetail of a canonical detail returns it unchanged.
func CanonicalDetail(raw []byte) ([]byte, error) {
	trimmed := bytes.Trim(raw, jsonSpace)
	if len(trimmed) == 0 {
		return []byte("{}"), nil
	}
	if len(raw) > MaxDetail {
		return nil, errs.E(errs.TooLarge, "detail: %d bytes, over the limit of %d", len(raw), MaxDetail)
	}
	if !utf8.Valid(raw) {
		return nil, errs.E(errs.Invalid, "detail: not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return nil, errs.E(errs.Invalid, "detail: not a JSON object (it starts with %q)", firstRune(trimmed))
	}
	c := canonicalizer{dec: json.NewDecoder(bytes.NewReader(raw))}
	c.dec.UseNumber()
	out, err := c.value(make([]byte, 0, len(raw)), 1, "")
	if err != nil {
		return nil, err
	}
	if _, err := c.dec.Token(); err != io.EOF {
		return nil, errs.E(errs.Invalid, "detail: data after the object")
	}
	if len(out) > MaxDetail {
		return nil, errs.E(errs.TooLarge, "detail: %d bytes, over the limit of %d", len(out), MaxDetail)
	}
	return out, nil
}

// jsonSpace is the whitespace JSON allows between tokens.
const jsonSpace = " \t\r\n"

func firstRune(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	return string(r)
}

type canonicalizer struct {
	dec *json.Decoder
}

// member is one object member: its key and its value's canonical bytes.
type member struct {
	key   string
	value []byte
}

// value appends the canonical form of the next value, at depth, whose path
// (for messages) is path.
func (c *canonicalizer) value(dst []byte, depth int, path string) ([]byte, error) {
	tok, err := c.dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth > MaxDetailDepth {
			return nil, errs.E(errs.Invalid, "detail: %s: nested deeper than %d", pathName(path), MaxDetailDepth)
		}
		if v == '[' {
			return c.array(dst, depth, path)
		}
		return c.object(dst, depth, path)
	case string:
		return appendString(dst, v), nil
	case json.Number:
		return append(dst, v...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case nil:
		return append(dst, "null"...), nil
	}
	return nil, errs.E(errs.Invalid, "detail: %s: unexpected %v", pathName(path), tok)
}

func (c *canonicalizer) object(dst []byte, depth int, path string) ([]byte, error) {
	var members []member
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errs.E(errs.Invalid, "detail: %s: object key is not a string", pathName(path))
		}
		v, err := c.value(nil, depth+1, path+"."+key)
		if err != nil {
			return nil, err
		}
		members = append(members, member{key, v})
	}
	if _, err := c.dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	for i, m := range members {
		if i > 0 {
			if m.key == members[i-1].key {
				return nil, errs.E(errs.Invalid, "detail: %s: key %q appears twice", pathName(path), m.key)
			}
			dst = append(dst, ',')
		}
		dst = appendString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, m.value...)
	}
	return append(dst, '}'), nil
}

func (c *canonicalizer) array(dst []byte, depth int, path string) ([]byte, error) {
	dst = append(dst, '[')
	for i := 0; c.dec.More(); i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		dst, err = c.value(dst, depth+1, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
	}
	if _, err := c.dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	return append(dst, ']'), nil
}

func pathName(path string) string {
	if path == "" {
		return "the object"
	}
	return strings.TrimPrefix(path, ".")
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errs.E(errs.Invalid, "detail: not valid JSON at byte %d: %s", se.Offset, se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.E(errs.Invalid, "detail: not valid JSON: unexpected end")
	}
	return errs.E(errs.Invalid, "detail: not valid JSON: %v", err)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping only what JSON requires.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
