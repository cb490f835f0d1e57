package audit

import (
	"bytes"
	"strings"
	"testing"

	"raqib/internal/errs"
)

func TestCanonicalDetail(t *testing.T) {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "{}"},
		{"white space only", " \n\t", "{}"},
		{"empty object", " { } ", "{}"},
		{"sorted keys", `{"b":1,"a":2,"A":3,"é":4,"aa":5}`, `{"A":3,"a":2,"aa":5,"b":1,"é":4}`},
		{"nested and spaced", "{ \"z\" : [ 1 , {\"y\":true,\"x\":null} ] ,\n\"a\":false }", `{"a":false,"z":[1,{"x":null,"y":true}]}`},
		{"numbers as written", `{"a":1.0,"b":-0,"c":1e3,"d":12345678901234567890123}`, `{"a":1.0,"b":-0,"c":1e3,"d":12345678901234567890123}`},
		{"escapes only where needed", `{"s":"\u00e9\/<>&\u2028 \"\\ \n\t\u0001\u001f"}`, "{\"s\":\"é/<>&\u2028 \\\"\\\\ \\n\\t\\u0001\\u001f\"}"},
		{"escaped keys", `{"\u0062":1,"a":2}`, `{"a":2,"b":1}`},
		{"depth 8", deep(8), deep(8)},
		{"arrays count", `{"a":[[[[[[[1]]]]]]]}`, `{"a":[[[[[[[1]]]]]]]}`},
	}
	for _, c := range cases {
		got, err := CanonicalDetail([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s %v, want %s", c.name, got, err, c.want)
			continue
		}
		again, err := CanonicalDetail(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Errorf("%s: not idempotent: %s %v", c.name, again, err)
		}
	}
}

func TestCanonicalDetailRefuses(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", MaxDetail) + `"}`
	cases := []struct {
		name, in string
		code     errs.Code
		says     string
	}{
		{"array", `[1]`, errs.Invalid, `not a JSON object (it starts with "[")`},
		{"string", `"x"`, errs.Invalid, "not a JSON object"},
		{"null", `null`, errs.Invalid, "not a JSON object"},
		{"too large", big, errs.TooLarge, "over the limit of 16384"},
		{"too deep", `{"a":{"b":[{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}]}}`, errs.Invalid, "a.b[0].c.d.e.f.g: nested deeper than 8"},
		{"duplicate key", `{"a":{"k":1,"k":2}}`, errs.Invalid, `a: key "k" appears twice`},
		{"two objects", `{} {}`, errs.Invalid, "data after the object"},
		{"trailing garbage", `{"a":1}x`, errs.Invalid, "detail"},
		{"bad syntax", `{"a":}`, errs.Invalid, "not valid JSON"},
		{"unterminated", `{"a":[1,2`, errs.Invalid, "not valid JSON"},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", errs.Invalid, "not valid UTF-8"},
	}
	for _, c := range cases {
		got, err := CanonicalDetail([]byte(c.in))
		if got != nil || errs.CodeOf(err) != c.code || !strings.Contains(errs.MessageOf(err), c.says) {
			t.Errorf("%s: got %s, error %v; want %s saying %q", c.name, got, err, c.code, c.says)
		}
	}
}
