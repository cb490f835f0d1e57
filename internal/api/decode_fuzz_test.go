package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"raqib/internal/errs"
)

// FuzzDecodeBody: any body either decodes or is refused with an invalid or
// too_large error; nothing panics.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"status":"open"}`, `{"status":"closed","note":"n"}`, `{"status":7}`, `{"status":"open"} x`,
		`{`, ``, `[]`, `null`, `{"status":"open","progress_pct":1e400}`, "{\"note\":\"\xff\"}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/crossings/X/status", strings.NewReader(body))
		w := httptest.NewRecorder()
		var a crossingStatusRequest
		if err := decodeBody(w, r, &a); err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("code %s for %q: %v", c, body, err)
			}
		}
		r = httptest.NewRequest("POST", "/api/v1/barriers/X/progress", strings.NewReader(body))
		var b barrierProgressRequest
		if err := decodeBody(w, r, &b); err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("code %s for %q: %v", c, body, err)
			}
		}
	})
}
